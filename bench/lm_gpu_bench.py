#!/usr/bin/env python3
"""rnnkit vs PyTorch + cuDNN on one GPU, Penn Treebank, side by side in one run.

    python3 bench/lm_gpu_bench.py [--configs small medium large medium128] [--reps 3]
                                   [--ptb DIR] [--rnnkit build/gpu/rnnkit]

For each configuration both tools train the same model on the same batches,
alternating, --reps times, and the medians of training tokens/s and their
ratio are printed. Both are timed warm: rnnkit runs two epochs of N batches
(`lm train --device cuda --epochs 2 --max-batches N`) and the second epoch's
rate is taken from its metrics.jsonl; PyTorch (bench/lm_torch.py --device
cuda) runs 10 untimed batches, then N timed ones.
Needs a CUDA GPU, PyTorch with CUDA, and PTB (default ../shared/data/ptb).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# name: (preset, batch, batches timed)
CONFIGS = {"small": ("small", 20, 400), "medium": ("medium", 20, 200),
           "large": ("large", 20, 100), "medium128": ("medium", 128, 60)}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_rnnkit(cmd, out_dir):
    run(cmd)
    with open(os.path.join(out_dir, "metrics.jsonl")) as f:
        last = json.loads(f.read().strip().splitlines()[-1])
    return {"train_tokens_per_s": last.get("units_per_s", last.get("tokens_per_s"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--precisions", nargs="+", default=["fp32", "tf32"], choices=["fp32", "tf32"],
                    help="fp32: both tools in float32 throughout; tf32: rnnkit --tf32, PyTorch "
                         "with TF32 allowed in cuDNN and matmul")
    ap.add_argument("--ptb", default=os.path.join(ROOT, "..", "shared", "data", "ptb"))
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "gpu", "rnnkit"))
    ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[],
                    help="further flags for rnnkit lm train")
    args = ap.parse_args()
    train = os.path.join(args.ptb, "ptb.train.txt")
    if not os.path.exists(train):
        sys.exit(f"skipped: {train} is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_gpu_bench_")
    evalf = os.path.join(tmp, "eval.txt")
    with open(os.path.join(args.ptb, "ptb.test.txt")) as f, open(evalf, "w") as g:
        g.writelines(f.readlines()[:100])
    rows = []
    for precision in args.precisions:
        for name in args.configs:
            preset, batch, batches = CONFIGS[name]
            r_runs, t_runs = [], []
            for rep in range(args.reps):
                out = os.path.join(tmp, f"run_{precision}_{name}_{rep}")  # a run directory each
                r_runs.append(run_rnnkit([args.rnnkit, "lm", "train", "--preset", preset, "--train",
                                          train, "--epochs", "2", "--max-batches", str(batches),
                                          "--batch", str(batch), "--device", "cuda", "--out", out,
                                          "--json"] + (["--tf32"] if precision == "tf32" else [])
                                         + args.extra, out))
                t_runs.append(run([sys.executable, os.path.join(ROOT, "bench", "lm_torch.py"),
                                   "--preset", preset, "--train", train, "--eval", evalf,
                                   "--batches", str(batches), "--batch", str(batch), "--warmup",
                                   "10", "--device", "cuda", "--precision", precision]))
            r = statistics.median(x["train_tokens_per_s"] for x in r_runs)
            t = statistics.median(x["train_tokens_per_s"] for x in t_runs)
            row = {"config": name, "precision": precision, "rnnkit": r, "torch": t, "ratio": r / t,
                   "rnnkit_all": [round(x["train_tokens_per_s"]) for x in r_runs],
                   "torch_all": [round(x["train_tokens_per_s"]) for x in t_runs],
                   "torch_version": t_runs[0].get("torch"), "cudnn": t_runs[0].get("cudnn"),
                   "gpu": t_runs[0].get("gpu")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| config | precision | rnnkit tok/s | PyTorch+cuDNN tok/s | ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['precision']} | {r['rnnkit']:.0f} | {r['torch']:.0f} | "
              f"{r['ratio']:.2f}x |")


if __name__ == "__main__":
    main()
