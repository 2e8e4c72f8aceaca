#!/usr/bin/env python3
"""Output layers of a language model at the same model size and time budget.

    python3 bench/lm_outputs.py --corpus mix --budget 480 [--outputs softmax importance ...]
    python3 bench/lm_outputs.py --corpus ptb --budget 150

Trains one model per output layer (full softmax, the sampled objectives, the
hierarchical and class softmaxes) for the same number of training seconds on
one thread, one run after the other, and prints one table: training tokens/s,
its ratio to the softmax, tokens seen, and the exact valid/test perplexity.

Corpora: `ptb` (../shared/data/ptb, V = 10,000, Zaremba's `small` model) and
`mix` (../shared/data/w2v/mix.txt.gz, 16.3M tokens, vocabulary cut at 50,000;
every 400th line from line 200 is test, from line 400 valid; a 1x256 LSTM,
batch 64 x 20 steps, SGD lr 1).
"""

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUTPUTS = ["softmax", "importance", "nce", "negative", "blackout", "hierarchical", "class"]


def mix_split(work):
    """train/valid/test of mix.txt, made once under `work`."""
    paths = {s: os.path.join(work, f"mix.{s}.txt") for s in ("train", "valid", "test")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    src = os.path.join(DATA, "w2v", "mix.txt.gz")
    if not os.path.exists(src):
        sys.exit("skipped: ../shared/data/w2v/mix.txt.gz is absent")
    files = {s: open(p + ".part", "w") for s, p in paths.items()}
    with gzip.open(src, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            split = "valid" if n % 400 == 0 else "test" if n % 400 == 200 else "train"
            files[split].write(line)
    for s, f in files.items():
        f.close()
        os.replace(paths[s] + ".part", paths[s])
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", choices=["ptb", "mix"], required=True)
    ap.add_argument("--budget", type=float, required=True, help="training seconds per output layer")
    ap.add_argument("--outputs", nargs="+", default=OUTPUTS)
    ap.add_argument("--samples", type=int, default=None, help="noise words per batch (default 256 ptb, 1024 mix)")
    ap.add_argument("--work", default=os.path.join(ROOT, "runs", "lm_outputs"))
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.corpus == "ptb":
        ptb = os.path.join(DATA, "ptb")
        if not os.path.exists(os.path.join(ptb, "ptb.train.txt")):
            sys.exit("skipped: ../shared/data/ptb is absent")
        paths = {s: os.path.join(ptb, f"ptb.{s}.txt") for s in ("train", "valid", "test")}
        model = ["--preset", "small"]
        samples = args.samples or 256
    else:
        paths = mix_split(args.work)
        model = ["--preset", "small", "--max-vocab", "50000", "--layers", "1", "--emb", "256", "--hidden", "256",
                 "--batch", "64", "--steps", "20", "--dropout", "0", "--eval-batch", "32"]
        samples = args.samples or 1024
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; 1 thread per run", flush=True)
    rows = {}
    for out in args.outputs:
        run_dir = os.path.join(args.work, f"{args.corpus}_{out}")
        cmd = [args.rnnkit, "lm", "train", "--train", paths["train"], "--valid", paths["valid"], "--test",
               paths["test"], *model, "--schedule", "none", "--epochs", "1000", "--time-budget", str(args.budget),
               "--output", out, "--samples", str(samples), "--threads", "1", "--out", run_dir, "--overwrite",
               "--json"]
        print("$ " + " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd), flush=True)
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows[out] = json.loads(res.stdout.strip().splitlines()[-1])
        r = rows[out]
        print(f"{out}: {r['train_tokens_per_s']:.0f} tokens/s, {r['train_tokens']} tokens, "
              f"valid {r['valid_ppl']:.1f}, test {r['test_ppl']:.1f}", flush=True)
    base = rows.get("softmax", {}).get("train_tokens_per_s")
    print(f"\n| output | training tokens/s | vs softmax | tokens in {args.budget:.0f} s | valid ppl | test ppl |")
    print("|---|---|---|---|---|---|")
    for out, r in rows.items():
        ratio = f"{r['train_tokens_per_s'] / base:.2f}x" if base else "-"
        print(f"| {out} | {r['train_tokens_per_s']:,.0f} | {ratio} | {r['train_tokens']:,} | "
              f"{r['valid_ppl']:.1f} | **{r['test_ppl']:.1f}** |")


if __name__ == "__main__":
    main()
