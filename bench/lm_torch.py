#!/usr/bin/env python3
"""The PyTorch side of bench/lm_bench.py (CPU) and bench/lm_gpu_bench.py
(CUDA, cuDNN's LSTM): Zaremba's PTB LSTM.

Same data, batching, model, loss (per-step batch-mean NLL summed over time),
SGD, clipping and evaluation (one continuous stream, batch 1, windows of 35)
as `rnnkit lm train`. Prints one JSON line.
"""

import argparse
import json
import math
import resource
import time

import torch

import blas_core

PRESETS = {"small": dict(hidden=200, steps=20, dropout=0.0, init=0.1, clip=5.0),
           "medium": dict(hidden=650, steps=35, dropout=0.5, init=0.05, clip=5.0),
           "large": dict(hidden=1500, steps=35, dropout=0.65, init=0.04, clip=10.0)}


def read_ids(path, vocab=None):
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            words.extend(line.split())
            words.append("<eos>")
    if vocab is None:  # rnnkit's order: <eos>, <unk>, then by count, ties by first use
        count, first = {}, {}
        for i, w in enumerate(words):
            count[w] = count.get(w, 0) + 1
            first.setdefault(w, i)
        rest = sorted((w for w in count if w not in ("<eos>", "<unk>")),
                      key=lambda w: (-count[w], first[w]))
        vocab = {w: i for i, w in enumerate(["<eos>", "<unk>"] + rest)}
    return [vocab.get(w, 1) for w in words], vocab


class Model(torch.nn.Module):
    def __init__(self, vocab, hidden, dropout):
        super().__init__()
        self.encoder = torch.nn.Embedding(vocab, hidden)
        self.rnn = torch.nn.LSTM(hidden, hidden, 2, dropout=dropout)
        self.decoder = torch.nn.Linear(hidden, vocab)
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, x, state):
        y, state = self.rnn(self.drop(self.encoder(x)), state)
        return self.decoder(self.drop(y)), state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--preset", choices=PRESETS, default="small")
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=0, help="untimed batches first (GPU: cuDNN set-up)")
    ap.add_argument("--precision", choices=["default", "fp32", "tf32"], default="default",
                    help="GPU: fp32 everywhere, or TF32 for cuDNN and matmul (default: PyTorch's "
                         "own, TF32 in cuDNN only)")
    args = ap.parse_args()
    if args.precision != "default":
        torch.backends.cudnn.allow_tf32 = args.precision == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(1)
    p = PRESETS[args.preset]
    train, vocab = read_ids(args.train)
    evaluation, _ = read_ids(args.eval, vocab)
    model = Model(len(vocab), p["hidden"], p["dropout"]).to(dev)
    for w in model.parameters():
        torch.nn.init.uniform_(w, -p["init"], p["init"])
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    B, T = args.batch, p["steps"]
    data = torch.tensor(train[: len(train) // B * B]).view(B, -1).t().contiguous()
    state = None
    model.train()
    tokens = 0
    for i in range(args.warmup + args.batches):
        if i == args.warmup:
            sync()
            tokens = 0
            start = time.perf_counter()
        x = data[i * T : (i + 1) * T].to(dev)
        y = data[i * T + 1 : (i + 1) * T + 1].to(dev)
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, len(vocab)), y.reshape(-1),
                                                 reduction="sum") / B
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), p["clip"])
        opt.step()
        tokens += y.numel()
    sync()
    train_s = time.perf_counter() - start

    model.eval()
    ev = torch.tensor(evaluation).to(dev)
    nll, count, state = 0.0, 0, None
    start = time.perf_counter()
    with torch.no_grad():
        for s in range(0, len(evaluation) - 1, 35):
            x = ev[s : min(s + 35, len(evaluation) - 1)].unsqueeze(1)
            y = ev[s + 1 : s + 1 + x.shape[0]]
            logits, state = model(x, state)
            nll += torch.nn.functional.cross_entropy(logits.view(-1, len(vocab)), y,
                                                     reduction="sum").item()
            count += y.numel()
    eval_s = time.perf_counter() - start
    out = {"train_tokens_per_s": tokens / train_s, "eval_tokens_per_s": count / eval_s,
           "eval_ppl": math.exp(nll / count),
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "blas_core": blas_core.this_process()}
    if dev.type == "cuda":
        out["torch"] = torch.__version__
        out["cudnn"] = torch.backends.cudnn.version()
        out["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
