#!/usr/bin/env python3
"""The LSTM talk's sentence autoencoder on Japanese: word vs character units,
reversed input, reversed output, a mid-run rate cut, then 2 layers with
dropout; exact match, token accuracy and BLEU on held-out sentences, by length.

    /usr/bin/python3 bench/ja_autoencoder_bench.py [--runs NAME ...] [--epochs 6]
        [--jobs 2] [--work /tmp/rnnkit_jae]

Data: small_parallel_enja's train/dev/test.ja (50,000 / 500 / 500 sentences)
as shipped (KyTea words, --unit word), and the same sentences with the spaces
removed, segmented by MeCab (--unit mecab) or read as characters (--unit char);
neko.txt cut into sentences at 。, those of 4-60 characters, every 20th to dev
and every 20th (offset 10) to test. Every run is `rnnkit autoencode train
--preset autoencoder` (LSTM, embedding 128, hidden 256, Adam 1e-3, batch 64,
bucketed, no attention) with the flags in RUNS, one thread, --jobs at a time;
then `rnnkit autoencode eval` on test. Figures go to
bench/results/autoencoder/ja.jsonl; the table prints the last run of each name.
"""

import argparse
import concurrent.futures
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
RESULTS = os.path.join(ROOT, "bench", "results", "autoencoder", "ja.jsonl")
RNNKIT = os.environ.get("RNNKIT", os.path.join(ROOT, "build", "release", "rnnkit"))

# name: (data set, unit, flags)
RUNS = {
    "kytea": ("enja-kytea", "word", []),
    "kytea-rev": ("enja-kytea", "word", ["--reverse"]),
    "mecab": ("enja-raw", "mecab", []),
    "mecab-rev": ("enja-raw", "mecab", ["--reverse"]),
    "char": ("enja-raw", "char", []),
    "char-rev": ("enja-raw", "char", ["--reverse"]),
    "kytea-rev-revout": ("enja-kytea", "word", ["--reverse", "--reverse-output"]),
    "char-rev-revout": ("enja-raw", "char", ["--reverse", "--reverse-output"]),
    "kytea-rev-cut": ("enja-kytea", "word", ["--reverse", "--lr-decay", "0.3", "--decay-after", "HALF"]),
    "kytea-rev-2x-dropout": ("enja-kytea", "word", ["--reverse", "--layers", "2", "--dropout", "0.3"]),
    "neko-mecab-rev": ("neko", "mecab", ["--reverse"]),
    "neko-char-rev": ("neko", "char", ["--reverse"]),
}


def prepare(work):
    """Writes WORK/<data set>.{train,dev,test}.txt once; returns their sizes."""
    os.makedirs(work, exist_ok=True)
    sizes = {}
    enja = os.path.join(DATA, "small_parallel_enja")
    for part in ("train", "dev", "test"):
        lines = open(os.path.join(enja, f"{part}.ja"), encoding="utf-8").read().splitlines()
        for name, text in (("enja-kytea", lines), ("enja-raw", [l.replace(" ", "") for l in lines])):
            path = os.path.join(work, f"{name}.{part}.txt")
            if not os.path.exists(path):
                open(path, "w", encoding="utf-8").write("\n".join(text) + "\n")
            sizes[(name, part)] = len(text)
    sentences = []
    for line in open(os.path.join(DATA, "ja_text", "neko.txt"), encoding="utf-8"):
        for s in line.strip().strip("\u3000").split("。"):
            s = s.strip().strip("\u3000")
            if 4 <= len(s) + 1 <= 60:
                sentences.append(s + "。")
    parts = {"train": [], "dev": [], "test": []}
    for i, s in enumerate(sentences):
        parts["dev" if i % 20 == 0 else "test" if i % 20 == 10 else "train"].append(s)
    for part, text in parts.items():
        path = os.path.join(work, f"neko.{part}.txt")
        if not os.path.exists(path):
            open(path, "w", encoding="utf-8").write("\n".join(text) + "\n")
        sizes[("neko", part)] = len(text)
    return sizes


def run(cmd):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return res, time.perf_counter() - t0


def one(a, name):
    data, unit, flags = RUNS[name]
    flags = [str(a.epochs // 2) if f == "HALF" else f for f in flags]
    out = os.path.join(a.work, name)
    path = lambda part: os.path.join(a.work, f"{data}.{part}.txt")
    res, secs = run([RNNKIT, "autoencode", "train", "--preset", "autoencoder", "--train", path("train"),
                     "--valid", path("dev"), "--test", path("test"), "--unit", unit, "--epochs",
                     str(a.epochs), "--threads", "1", "--seed", str(a.seed), "--out", out, "--overwrite",
                     "--json"] + flags)
    train = json.loads(res.stdout.strip().splitlines()[-1])
    res, _ = run([RNNKIT, "autoencode", "eval", "--model", out, "--data", path("test"), "--json"])
    ev = json.loads(res.stdout.strip().splitlines()[-1])
    row = {"name": name, "data": data, "unit": unit, "flags": " ".join(flags), "epochs": a.epochs,
           "seed": a.seed, "train_s": secs, "kept_epoch": train.get("kept_epoch"),
           "exact_match": ev["exact_match"], "forced_token_accuracy": ev["forced_token_accuracy"],
           "greedy_token_accuracy": ev["greedy_token_accuracy"], "bleu": ev["bleu"],
           "by_length": [{k: b[k] for k in ("length", "sentences", "exact_match", "greedy_token_accuracy",
                                             "bleu")} for b in ev["by_length"]],
           "machine": platform.node()}
    return row


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS))
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--work", default="/tmp/rnnkit_jae")
    a = p.parse_args()
    sizes = prepare(a.work)
    print("sentences (train/dev/test):",
          {d: [sizes[(d, s)] for s in ("train", "dev", "test")] for d in ("enja-kytea", "neko")}, flush=True)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for row in pool.map(lambda n: one(a, n), a.runs):
            with open(RESULTS, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    rows = {}
    for line in open(RESULTS):
        r = json.loads(line)
        rows[r["name"]] = r
    pct = lambda x: f"{100 * x:.1f}"
    print("\n| run | unit | flags | epochs | exact match | token accuracy (greedy) | BLEU | "
          "exact match by length | train s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in RUNS:
        if name not in rows:
            continue
        r = rows[name]
        by = ", ".join(f"{b['length']}: {pct(b['exact_match'])}" for b in r["by_length"])
        print(f"| {name} | {r['unit']} | {r['flags']} | {r['epochs']} | {pct(r['exact_match'])} | "
              f"{pct(r['greedy_token_accuracy'])} | {r['bleu']:.1f} | {by} | {r['train_s']:.0f} |")


if __name__ == "__main__":
    main()
