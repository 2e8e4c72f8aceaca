#!/usr/bin/env python3
"""rnnkit vs PyTorch (CPU) on the book's date task with attention, side by side.

    /usr/bin/python3 bench/s2s_bench.py [--threads 1 2] [--epochs 2]

For each thread count, trains `rnnkit seq2seq train --preset date-attention`
(embedding 16, hidden 256, batch 128, reversed input, dot attention, Adam 1e-3,
clip 5) and bench/s2s_torch.py (the same model in PyTorch) on the book's
split of ../shared/data/seq2seq/date.txt, and reports seconds per epoch, their
ratio and greedy test accuracy after each epoch. Then rnnkit's translation
throughput on the 5,000 test pairs, greedy and beam 5. Both run with
OMP_WAIT_POLICY=PASSIVE. PyTorch runs with its default OpenBLAS core and, where
that differs, again on rnnkit's (bench/blas_core.py). Needs the Debian packages python3-torch and python3-numpy.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

import blas_core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "seq2seq", "date.txt")


def run(cmd, threads, **extra_env):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads), **extra_env)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    ap.add_argument("--baseline", help="an earlier rnnkit binary, timed in the same loop (before/after)")
    args = ap.parse_args()
    if not os.path.exists(DATA):
        sys.exit("skipped: ../shared/data/seq2seq/date.txt is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_s2s_bench_")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}")
    core, chosen_by = blas_core.rnnkit(args.rnnkit)
    print(f"rnnkit's BLAS core: {core} ({chosen_by})", flush=True)
    rows = []
    for threads in args.threads:
        out = os.path.join(tmp, f"run{threads}")
        run([args.rnnkit, "seq2seq", "train", "--data", DATA, "--format", "book", "--book-split",
             "--preset", "date-attention", "--epochs", str(args.epochs), "--threads", str(threads),
             "--out", out], threads)
        r = [json.loads(l) for l in open(os.path.join(out, "metrics.jsonl"))]
        before = None
        if args.baseline:
            run([args.baseline, "seq2seq", "train", "--data", DATA, "--format", "book", "--book-split",
                 "--preset", "date-attention", "--epochs", str(args.epochs), "--threads", str(threads),
                 "--out", out + "_before"], threads)
            before = [json.loads(l) for l in open(os.path.join(out + "_before", "metrics.jsonl"))]
        torch_cmd = [sys.executable, os.path.join(ROOT, "bench", "s2s_torch.py"), "--data", DATA,
                     "--epochs", str(args.epochs), "--threads", str(threads)]
        t = [json.loads(l) for l in run(torch_cmd, threads).splitlines()]
        t_same = t  # PyTorch on rnnkit's core: the same run when its default is that core
        if t[0]["blas_core"] != core:
            t_same = [json.loads(l) for l in run(torch_cmd, threads, OPENBLAS_CORETYPE=core).splitlines()]
        for e in range(args.epochs):
            row = {"threads": threads, "epoch": e + 1, "rnnkit_s": r[e]["seconds"], "torch_s": t[e]["seconds"],
                   "ratio": t[e]["seconds"] / r[e]["seconds"], "torch_same_core_s": t_same[e]["seconds"],
                   "ratio_same_core": t_same[e]["seconds"] / r[e]["seconds"],
                   "rnnkit_acc": r[e].get("accuracy", r[e].get("test_accuracy")), "torch_acc": t[e]["test_accuracy"],
                   "rnnkit_core": core, "torch_core": t[e]["blas_core"]}
            if before:
                row["before_s"] = before[e]["seconds"]
                row["before_acc"] = before[e].get("accuracy", before[e].get("test_accuracy"))
            rows.append(row)
            print(json.dumps(row), flush=True)
    # Translation throughput on the book's test split.
    lines = [l.rstrip("\n") for l in open(DATA, encoding="utf-8") if l.strip()]
    idx = np.arange(len(lines))
    np.random.seed(1984)
    np.random.shuffle(idx)
    test = os.path.join(tmp, "test.tsv")
    with open(test, "w", encoding="utf-8") as f:
        for i in idx[len(lines) - len(lines) // 10:]:
            q, a = lines[i].split("_", 1)
            f.write(f"{q.strip(' ')}\t{a.strip(' ')}\n")
    model = os.path.join(tmp, f"run{args.threads[-1]}", "model.safetensors")
    tput = []
    for beam in (1, 5):
        j = json.loads(run([args.rnnkit, "seq2seq", "eval", "--model", model, "--data", test, "--beam",
                            str(beam), "--threads", str(args.threads[-1]), "--json"],
                           args.threads[-1]).splitlines()[-1])
        tput.append((beam, j["sentences_per_s"], j["test_accuracy"]))
        print(json.dumps({"beam": beam, **j}), flush=True)
    print()
    print("| threads | epoch | BLAS core rnnkit / PyTorch | rnnkit s | PyTorch s | ratio "
          "| PyTorch on rnnkit's core s | ratio | rnnkit accuracy | PyTorch accuracy |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        same_core = ("(same core)" if r["torch_core"] == r["rnnkit_core"]
                     else f"{r['torch_same_core_s']:.1f}")
        print(f"| {r['threads']} | {r['epoch']} | {r['rnnkit_core']} / {r['torch_core']} | "
              f"{r['rnnkit_s']:.1f} | {r['torch_s']:.1f} | {r['ratio']:.2f}x | {same_core} | "
              f"{r['ratio_same_core']:.2f}x | {100 * r['rnnkit_acc']:.2f}% | {100 * r['torch_acc']:.2f}% |")
    if args.baseline:
        print()
        print(f"before: {args.baseline}")
        print("| threads | epoch | before s | after s | after / before speed | vs PyTorch before | after "
              "| accuracy before | after |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['threads']} | {r['epoch']} | {r['before_s']:.1f} | {r['rnnkit_s']:.1f} | "
                  f"{r['before_s'] / r['rnnkit_s']:.3f} | {r['torch_s'] / r['before_s']:.2f}x | "
                  f"{r['ratio']:.2f}x | {100 * r['before_acc']:.2f}% | {100 * r['rnnkit_acc']:.2f}% |")
    print()
    print(f"| decoding ({args.threads[-1]} threads, 5,000 test pairs) | sentences/s | accuracy |")
    print("|---|---|---|")
    for beam, s, a in tput:
        print(f"| {'greedy' if beam == 1 else f'beam {beam}'} | {s:.0f} | {100 * a:.2f}% |")


if __name__ == "__main__":
    main()
