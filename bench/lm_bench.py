#!/usr/bin/env python3
"""rnnkit vs PyTorch (CPU) on Penn Treebank, side by side in one run.

    /usr/bin/python3 bench/lm_bench.py [--presets small medium] [--threads 1 2] [--reps 3]

For each preset and thread count, trains each tool for the same number of
batches of the same model on the same data, then evaluates it on the same
text (one stream, batch 1), and reports medians over --reps runs and their
ratios. Both run with OMP_WAIT_POLICY=PASSIVE. Needs ../shared/data/ptb and
the Debian package python3-torch.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PTB = os.path.join(ROOT, "..", "shared", "data", "ptb")
BATCHES = {"small": 150, "medium": 25}
EVAL_LINES = {"small": 1500, "medium": 400}


def run(cmd, threads):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", nargs="+", default=["small", "medium"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(PTB, "ptb.train.txt")):
        sys.exit("skipped: ../shared/data/ptb is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_bench_")
    train = os.path.join(PTB, "ptb.train.txt")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}")
    rows = []
    for preset in args.presets:
        evalf = os.path.join(tmp, f"eval_{preset}.txt")
        with open(os.path.join(PTB, "ptb.test.txt")) as f, open(evalf, "w") as g:
            g.writelines(f.readlines()[: EVAL_LINES[preset]])
        for threads in args.threads:
            r_runs, t_runs = [], []
            for rep in range(args.reps):
                r_runs.append(run([args.rnnkit, "lm", "train", "--preset", preset, "--train", train,
                                   "--test", evalf, "--epochs", "1", "--max-batches",
                                   str(BATCHES[preset]), "--threads", str(threads),
                                   "--out", os.path.join(tmp, "run"), "--json"], threads))
                t_runs.append(run([sys.executable, os.path.join(ROOT, "bench", "lm_torch.py"),
                                   "--preset", preset, "--train", train, "--eval", evalf,
                                   "--batches", str(BATCHES[preset]), "--threads", str(threads)],
                                  threads))
            med = lambda runs, k: statistics.median(r[k] for r in runs)
            row = {"preset": preset, "threads": threads}
            for k in ("train_tokens_per_s", "eval_tokens_per_s", "peak_rss_mb"):
                row["rnnkit_" + k] = med(r_runs, k)
                row["torch_" + k] = med(t_runs, k)
            row["spread"] = {k: [min(r[k] for r in r_runs), max(r[k] for r in r_runs),
                                 min(r[k] for r in t_runs), max(r[k] for r in t_runs)]
                             for k in ("train_tokens_per_s", "eval_tokens_per_s")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| preset | threads | train tok/s rnnkit | PyTorch | ratio | eval tok/s rnnkit | PyTorch | ratio "
          "| peak RSS MB rnnkit | PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['preset']} | {r['threads']} | {r['rnnkit_train_tokens_per_s']:.0f} | "
              f"{r['torch_train_tokens_per_s']:.0f} | "
              f"{r['rnnkit_train_tokens_per_s'] / r['torch_train_tokens_per_s']:.2f}x | "
              f"{r['rnnkit_eval_tokens_per_s']:.0f} | {r['torch_eval_tokens_per_s']:.0f} | "
              f"{r['rnnkit_eval_tokens_per_s'] / r['torch_eval_tokens_per_s']:.2f}x | "
              f"{r['rnnkit_peak_rss_mb']:.0f} | {r['torch_peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
