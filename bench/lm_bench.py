#!/usr/bin/env python3
"""rnnkit vs PyTorch (CPU) on Penn Treebank, side by side in one run.

    /usr/bin/python3 bench/lm_bench.py [--presets small medium] [--threads 1 2] [--reps 3]

For each preset and thread count, trains each tool for the same number of
batches of the same model on the same data, then evaluates it on the same
text (one stream, batch 1), and reports medians over --reps runs and their
ratios. Both run with OMP_WAIT_POLICY=PASSIVE. PyTorch runs with its default
OpenBLAS core and, where that differs, again on rnnkit's (OPENBLAS_CORETYPE),
so both ratios are reported (bench/blas_core.py). Needs ../shared/data/ptb
and the Debian package python3-torch.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import blas_core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PTB = os.path.join(ROOT, "..", "shared", "data", "ptb")
BATCHES = {"small": 150, "medium": 25}
EVAL_LINES = {"small": 1500, "medium": 400}


def run(cmd, threads, **extra_env):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads), **extra_env)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", nargs="+", default=["small", "medium"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    ap.add_argument("--baseline", help="an earlier rnnkit binary, timed in the same loop (before/after)")
    args = ap.parse_args()
    if not os.path.exists(os.path.join(PTB, "ptb.train.txt")):
        sys.exit("skipped: ../shared/data/ptb is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_bench_")
    train = os.path.join(PTB, "ptb.train.txt")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}")
    core, chosen_by = blas_core.rnnkit(args.rnnkit)
    print(f"rnnkit's BLAS core: {core} ({chosen_by})", flush=True)
    rows = []
    for preset in args.presets:
        evalf = os.path.join(tmp, f"eval_{preset}.txt")
        with open(os.path.join(PTB, "ptb.test.txt")) as f, open(evalf, "w") as g:
            g.writelines(f.readlines()[: EVAL_LINES[preset]])
        for threads in args.threads:
            torch_cmd = [sys.executable, os.path.join(ROOT, "bench", "lm_torch.py"), "--preset", preset,
                         "--train", train, "--eval", evalf, "--batches", str(BATCHES[preset]),
                         "--threads", str(threads)]
            runs = {"rnnkit": [], "torch": [], "torch_same_core": []}
            binaries = {"rnnkit": args.rnnkit}
            if args.baseline:
                binaries["before"] = args.baseline
                runs["before"] = []
            for rep in range(args.reps):
                for tool, binary in binaries.items():
                    runs[tool].append(run([binary, "lm", "train", "--preset", preset, "--train", train,
                                           "--test", evalf, "--epochs", "1", "--max-batches",
                                           str(BATCHES[preset]), "--threads", str(threads), "--out",
                                           os.path.join(tmp, f"{tool}_{preset}_{threads}_{rep}"), "--json"],
                                          threads))
                runs["torch"].append(run(torch_cmd, threads))
                if runs["torch"][-1]["blas_core"] != core:
                    runs["torch_same_core"].append(run(torch_cmd, threads, OPENBLAS_CORETYPE=core))
            if not runs["torch_same_core"]:  # PyTorch's default is rnnkit's core already
                runs["torch_same_core"] = runs["torch"]
            row = {"preset": preset, "threads": threads, "rnnkit_core": core,
                   "torch_core": runs["torch"][0]["blas_core"]}
            for tool, rs in runs.items():
                for k in ("train_tokens_per_s", "eval_tokens_per_s", "peak_rss_mb"):
                    row[f"{tool}_{k}"] = statistics.median(r[k] for r in rs)
                row[f"{tool}_spread"] = {k: [min(r[k] for r in rs), max(r[k] for r in rs)]
                                         for k in ("train_tokens_per_s", "eval_tokens_per_s")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| preset | threads | BLAS core rnnkit / PyTorch | train tok/s rnnkit | PyTorch | ratio "
          "| PyTorch on rnnkit's core | ratio | eval tok/s rnnkit | PyTorch | ratio | peak RSS MB rnnkit "
          "| PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        same_core = ("(same core)" if r["torch_core"] == r["rnnkit_core"]
                     else f"{r['torch_same_core_train_tokens_per_s']:.0f}")
        print(f"| {r['preset']} | {r['threads']} | {r['rnnkit_core']} / {r['torch_core']} | "
              f"{r['rnnkit_train_tokens_per_s']:.0f} | {r['torch_train_tokens_per_s']:.0f} | "
              f"{r['rnnkit_train_tokens_per_s'] / r['torch_train_tokens_per_s']:.2f}x | "
              f"{same_core} | "
              f"{r['rnnkit_train_tokens_per_s'] / r['torch_same_core_train_tokens_per_s']:.2f}x | "
              f"{r['rnnkit_eval_tokens_per_s']:.0f} | {r['torch_eval_tokens_per_s']:.0f} | "
              f"{r['rnnkit_eval_tokens_per_s'] / r['torch_eval_tokens_per_s']:.2f}x | "
              f"{r['rnnkit_peak_rss_mb']:.0f} | {r['torch_peak_rss_mb']:.0f} |")
    if args.baseline:
        print()
        print(f"before: {args.baseline}")
        print("| preset | threads | train tok/s before | after | after / before | vs PyTorch before | after |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            b, a, t = (r["before_train_tokens_per_s"], r["rnnkit_train_tokens_per_s"],
                       r["torch_train_tokens_per_s"])
            print(f"| {r['preset']} | {r['threads']} | {b:.0f} | {a:.0f} | {a / b:.3f} | {b / t:.2f}x | "
                  f"{a / t:.2f}x |")

if __name__ == "__main__":
    main()
