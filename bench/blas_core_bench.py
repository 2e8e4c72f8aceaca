#!/usr/bin/env python3
"""What the OpenBLAS core costs: rnnkit and PyTorch LM training on each core.

    /usr/bin/python3 bench/blas_core_bench.py [--cores Prescott SkylakeX Haswell] [--reps 3]

Trains Zaremba's `small` LSTM (150 batches, 2 threads, the first 1 MB of
Penn Treebank) with `rnnkit lm train` and bench/lm_torch.py once per core,
forced with OPENBLAS_CORETYPE, plus once with no variable (each tool's
default), and reports medians over --reps runs. On a CPU that OpenBLAS does
not know, the library's default is Prescott (the generic SSE3 core); rnnkit
then restarts itself on SkylakeX or Haswell (`rnnkit info`). The Prescott row
is what such a machine runs without rnnkit's choice, so Prescott against the
chosen core is the speed-up there. Needs ../shared/data/ptb and python3-torch.
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


def run(cmd, core):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="2")
    env.pop("OPENBLAS_CORETYPE", None)
    if core:
        env["OPENBLAS_CORETYPE"] = core
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["train_tokens_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cores", nargs="+", default=["Prescott", "Haswell", "SkylakeX"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(PTB, "ptb.train.txt")):
        sys.exit("skipped: ../shared/data/ptb is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_blas_")
    train, evalf = os.path.join(tmp, "ptb1m.txt"), os.path.join(tmp, "eval.txt")
    with open(os.path.join(PTB, "ptb.train.txt"), "rb") as f, open(train, "wb") as g:
        g.write(f.read(1_000_000))
    with open(os.path.join(PTB, "ptb.valid.txt"), "rb") as f, open(evalf, "wb") as g:
        g.write(f.read(20_000))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    core, chosen_by = blas_core.rnnkit(args.rnnkit)
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; 2 threads")
    print(f"rnnkit's default core here: {core} ({chosen_by})", flush=True)
    rnnkit_cmd = lambda out: [args.rnnkit, "lm", "train", "--preset", "small", "--epochs", "1",
                              "--max-batches", "150", "--threads", "2", "--train", train, "--out",
                              os.path.join(tmp, out), "--json"]
    torch_cmd = [sys.executable, os.path.join(ROOT, "bench", "lm_torch.py"), "--preset", "small",
                 "--train", train, "--eval", evalf, "--batches", "150", "--threads", "2"]
    cores = [None] + args.cores
    speeds = {c: {"rnnkit": [], "torch": []} for c in cores}
    for rep in range(args.reps):
        for c in cores:
            speeds[c]["rnnkit"].append(run(rnnkit_cmd(f"run_{c}_{rep}"), c))
            speeds[c]["torch"].append(run(torch_cmd, c))
            print(json.dumps({"core": c or "default", "rep": rep + 1,
                              "rnnkit": speeds[c]["rnnkit"][-1], "torch": speeds[c]["torch"][-1]}), flush=True)
    med = {c: {t: statistics.median(v) for t, v in s.items()} for c, s in speeds.items()}
    base = med[args.cores[0]]
    print()
    print(f"| OPENBLAS_CORETYPE | rnnkit tok/s | vs {args.cores[0]} | PyTorch tok/s | vs {args.cores[0]} "
          "| rnnkit / PyTorch |")
    print("|---|---|---|---|---|---|")
    for c in cores:
        m = med[c]
        print(f"| {c or f'unset ({core})'} | {m['rnnkit']:.0f} | {m['rnnkit'] / base['rnnkit']:.2f}x | "
              f"{m['torch']:.0f} | {m['torch'] / base['torch']:.2f}x | {m['rnnkit'] / m['torch']:.2f}x |")


if __name__ == "__main__":
    main()
