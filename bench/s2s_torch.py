#!/usr/bin/env python3
"""The PyTorch side of bench/s2s_bench.py: the book's date-format model with
attention, the same as `rnnkit seq2seq train --preset date-attention`.

Same data (the book's file and split: numpy seed 1984, last 10% test, padding
stripped), same units (characters), reversed source, same batches (sorted by
source length within pools of 50 batches), same model (Embedding 16 -> LSTM 256
encoder with per-sequence lengths; decoder LSTM from the encoder's final
state; dot attention over the unpadded encoder states; Linear over
[context; h]), Adam 1e-3, clip 5, mean loss over target units. Prints one
JSON line per epoch: seconds and greedy exact-match accuracy on the test set.
"""

import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import blas_core


def load(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            q, a = line.split("_", 1)
            pairs.append((q.strip(" "), a.strip(" ")))
    idx = np.arange(len(pairs))
    np.random.seed(1984)
    np.random.shuffle(idx)
    pairs = [pairs[i] for i in idx]
    split = len(pairs) - len(pairs) // 10
    return pairs[:split], pairs[split:]


class Model(nn.Module):
    def __init__(self, vs, vt, d, h):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(vs, d), nn.Embedding(vt, d)
        self.enc, self.dec = nn.LSTM(d, h), nn.LSTM(d, h)
        self.out = nn.Linear(2 * h, vt)

    def encode(self, src, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.src_emb(src), lengths, enforce_sorted=False)
        hs, state = self.enc(packed)
        hs, _ = nn.utils.rnn.pad_packed_sequence(hs, total_length=src.shape[0])
        return hs, state

    def decode(self, hs, lengths, state, tgt_in):
        y, state = self.dec(self.tgt_emb(tgt_in), state)
        scores = torch.einsum("tbh,sbh->bts", y, hs)
        mask = torch.arange(hs.shape[0])[None, None, :] >= lengths[:, None, None]
        w = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        ctx = torch.einsum("bts,sbh->tbh", w, hs)
        return self.out(torch.cat([ctx, y], dim=-1)), state


def batches(src, tgt, size):
    order = np.arange(len(src))
    pool = 50 * size
    for s in range(0, len(order), pool):  # stable sort by length within pools
        chunk = order[s:s + pool]
        order[s:s + pool] = chunk[np.argsort([len(src[i]) for i in chunk], kind="stable")]
    return [order[s:s + size] for s in range(0, len(order), size)]


def tensors(rows, src, tgt, eos):
    ts, tt = max(len(src[i]) for i in rows), max(len(tgt[i]) for i in rows) + 1
    s = torch.full((ts, len(rows)), eos, dtype=torch.long)
    tin = torch.full((tt, len(rows)), eos, dtype=torch.long)
    tout = torch.full((tt, len(rows)), -100, dtype=torch.long)
    for b, i in enumerate(rows):
        x = src[i][::-1]
        s[:len(x), b] = torch.tensor(x)
        tin[1:len(tgt[i]) + 1, b] = torch.tensor(tgt[i])
        tout[:len(tgt[i]), b] = torch.tensor(tgt[i])
        tout[len(tgt[i]), b] = eos
    lengths = torch.tensor([len(src[i]) for i in rows])
    return s, lengths, tin, tout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    train, test = load(args.data)
    sv = {c: i + 1 for i, c in enumerate(sorted({c for q, _ in train for c in q}))}  # 0 = <eos>
    tv = {c: i + 1 for i, c in enumerate(sorted({c for _, a in train for c in a}))}
    enc = lambda s, v: [v.get(c, 0) for c in s]
    src = [enc(q, sv) for q, _ in train]
    tgt = [enc(a, tv) for _, a in train]
    model = Model(len(sv) + 1, len(tv) + 1, 16, 256)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    plan = batches(src, tgt, args.batch)
    rng = np.random.RandomState(1)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        for k in rng.permutation(len(plan)):
            s, lengths, tin, tout = tensors(plan[k], src, tgt, 0)
            hs, state = model.encode(s, lengths)
            logits, _ = model.decode(hs, lengths, state, tin)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), tout.view(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
        secs = time.perf_counter() - start
        model.eval()
        correct = 0
        with torch.no_grad():
            tsrc = [enc(q, sv) for q, _ in test]
            ttgt = [a for _, a in test]
            inv = {i: c for c, i in tv.items()}
            for b0 in range(0, len(test), 500):
                rows = list(range(b0, min(len(test), b0 + 500)))
                s, lengths, _, _ = tensors(rows, tsrc, [[0]] * len(tsrc), 0)
                hs, state = model.encode(s, lengths)
                tok = torch.zeros((1, len(rows)), dtype=torch.long)
                outs = [[] for _ in rows]
                done = [False] * len(rows)
                for _ in range(12):
                    logits, state = model.decode(hs, lengths, state, tok)
                    tok = logits.argmax(-1)
                    for b, t in enumerate(tok[0].tolist()):
                        if t == 0:
                            done[b] = True
                        elif not done[b]:
                            outs[b].append(inv[t])
                correct += sum("".join(o) == ttgt[r] for o, r in zip(outs, rows))
        print(json.dumps({"epoch": epoch, "seconds": secs, "test_accuracy": correct / len(test),
                          "blas_core": blas_core.this_process()}), flush=True)


if __name__ == "__main__":
    main()
