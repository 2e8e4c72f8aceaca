#!/usr/bin/env python3
"""The PyTorch side of bench/sst_bench.py: the classifier `rnnkit classify
train` builds by default, on the CPU, for training throughput.

Embedding(V, 128) -> dropout 0.3 -> bidirectional LSTM (128 units each way,
packed sequences) -> max over each sentence's steps -> dropout 0.3 ->
Linear(256, labels); softmax cross-entropy, Adam lr 1e-3, gradient norm clipped
at 5, batches of 32 sentences of similar length (sorted within pools of 50
batches, batch order shuffled each epoch), as rnnkit batches them.

    /usr/bin/python3 bench/classify_torch.py --train FILE --epochs 2 --threads 1

prints one JSON line: sentences/s over the training steps (data preparation
and evaluation excluded), seconds, final training loss.
"""

import argparse
import json
import random
import time

import torch
import torch.nn as nn


def read(path):
    labels, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            labels.append(words[0])
            texts.append(words[1:] or ["<unk>"])
    return labels, texts


class Classifier(nn.Module):
    def __init__(self, vocab, labels, emb=128, hidden=256, dropout=0.3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden // 2, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, labels)

    def forward(self, ids, lengths):  # ids [T, B], lengths [B] descending
        x = self.drop(self.embedding(ids))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths)
        y, _ = self.rnn(packed)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, padding_value=float("-inf"))
        return self.out(self.drop(y.max(dim=0).values))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    labels, texts = read(a.train)
    names = sorted(set(labels))
    words = {"<eos>": 0, "<unk>": 1}
    for t in texts:
        for w in t:
            words.setdefault(w, len(words))
    data = [([words[w] for w in t], names.index(y)) for t, y in zip(texts, labels)]
    order = list(range(len(data)))
    pool = 50 * a.batch
    for s in range(0, len(order), pool):
        order[s:s + pool] = sorted(order[s:s + pool], key=lambda i: len(data[i][0]))
    batches = []
    for s in range(0, len(order), a.batch):
        rows = sorted(order[s:s + a.batch], key=lambda i: -len(data[i][0]))
        T = len(data[rows[0]][0])
        ids = torch.zeros(T, len(rows), dtype=torch.long)
        for b, i in enumerate(rows):
            ids[:len(data[i][0]), b] = torch.tensor(data[i][0])
        lengths = torch.tensor([len(data[i][0]) for i in rows])
        batches.append((ids, lengths, torch.tensor([data[i][1] for i in rows])))
    model = Classifier(len(words), len(names))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    seconds, sentences, loss = 0.0, 0, 0.0
    for epoch in range(a.epochs):
        random.shuffle(batches)
        model.train()
        t0 = time.perf_counter()
        for ids, lengths, y in batches:
            opt.zero_grad()
            l = loss_fn(model(ids, lengths), y)
            l.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sentences += len(y)
            loss = l.item()
        seconds += time.perf_counter() - t0
    print(json.dumps({"sentences_per_s": sentences / seconds, "seconds": seconds,
                      "final_batch_loss": loss, "torch": torch.__version__,
                      "threads": a.threads}))


if __name__ == "__main__":
    main()
