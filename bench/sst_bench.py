#!/usr/bin/env python3
"""Sentence classification on the Stanford Sentiment Treebank: rnnkit's
classifier (random initialisation, word2vec vectors, a language model's
encoder, a sequence autoencoder's encoder) beside fastText, same files, same run.

    /usr/bin/python3 bench/sst_bench.py [--classes 2 5] [--seeds 1 2 3]
        [--configs random-sentences random-phrases word2vec-phrases unidirectional-phrases
                   lm-phrases sa-phrases]
        [--fasttext] [--threads 2] [--work /tmp/rnnkit_sst]
    /usr/bin/python3 bench/sst_bench.py --speed [--reps 3]   # training throughput vs PyTorch

Data (bench/sst_data.py): SST-2 and SST-5 from ../shared/data/sst/trees,
normalised as mix.txt is, in fastText's format; "sentences" trains on the
training trees' roots, "phrases" on every labelled subtree (each distinct text
once). Validation on dev (the epoch of the best dev accuracy is kept), test
accuracy on the test sentences. Pre-training text: mix.txt without the lines
that hold an SST dev or test sentence. fastText 0.9.2 runs as the issue
measured it: on sentences with -lr 0.5 -epoch 25 -wordNgrams 2, and autotuned
on dev (-autotune-validation) trained on phrases. Each run's figures go to
bench/results/classify/sst.jsonl; the table prints means and spreads.

--speed trains the default classifier (bidirectional LSTM 2 x 128, embedding
128, max pooling) for one epoch of SST-2 sentences with rnnkit and with the
same model in PyTorch (bench/classify_torch.py), at 1 and 2 threads,
alternating, --reps times each, and prints median sentences/s and the ratio.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import sst_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results", "classify", "sst.jsonl")
RNNKIT = os.environ.get("RNNKIT", os.path.join(ROOT, "build", "release", "rnnkit"))


def run(cmd):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    return res, time.perf_counter() - t0


def record(row):
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    row["machine"] = platform.node()
    with open(RESULTS, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


def fasttext_test(model, test):
    res, _ = run(["fasttext", "test", model, test])
    return float(re.search(r"P@1\s+([0-9.]+)", res.stdout).group(1))


def fasttext_runs(a, paths, classes):
    out = os.path.join(a.work, f"ft{classes}")
    for seed in a.seeds:
        _, secs = run(["fasttext", "supervised", "-input", paths[(classes, "train")], "-output", out,
                       "-lr", "0.5", "-epoch", "25", "-wordNgrams", "2", "-thread", str(a.threads),
                       "-seed", str(seed), "-verbose", "0"])
        record({"tool": "fasttext", "classes": classes, "config": "sentences -lr 0.5 -epoch 25 -wordNgrams 2",
                "seed": seed, "test_accuracy": fasttext_test(out + ".bin", paths[(classes, "test")]),
                "train_s": secs})
    _, secs = run(["fasttext", "supervised", "-input", paths[(classes, "phrases")], "-output", out,
                   "-autotune-validation", paths[(classes, "dev")], "-autotune-duration",
                   str(a.autotune_s), "-thread", str(a.threads), "-verbose", "0"])
    record({"tool": "fasttext", "classes": classes, "config": f"phrases, autotuned on dev ({a.autotune_s} s)",
            "seed": 0, "test_accuracy": fasttext_test(out + ".bin", paths[(classes, "test")]),
            "train_s": secs})


def pretrained(a, kind, mix):
    """The word2vec vectors or the language model, trained once into WORK."""
    if kind == "unidirectional":  # the random baseline of the LM's shape
        return ["--unidirectional"]
    if kind == "word2vec":
        out = os.path.join(a.work, "w2v")
        path = os.path.join(out, "vectors.bin")
        if not os.path.exists(path):
            run([RNNKIT, "embed", "train", "--train", mix, "--out", out, "--overwrite", "--dim", "128",
                 "--window", "5", "--negative", "5", "--min-count", "5", "--epochs", "5",
                 "--threads", str(a.threads), "--format", "bin"])
        return ["--pretrained-vectors", path]
    if kind == "sa":
        return ["--init-from", sequence_autoencoder(a, mix), "--unidirectional"]
    out = os.path.join(a.work, "lm")
    if not os.path.exists(os.path.join(out, "model.safetensors")):
        run([RNNKIT, "lm", "train", "--train", mix, "--out", out, "--overwrite", "--preset", "small",
             "--layers", "1", "--emb", "128", "--hidden", "256", "--dropout", "0.2", "--output",
             "importance", "--max-vocab", "50000", "--epochs", "1", "--time-budget", str(a.lm_budget_s),
             "--threads", str(a.threads)])
    return ["--init-from", out, "--unidirectional"]


def sequence_autoencoder(a, mix):
    """Dai & Le's SA-LSTM: an autoencoder of the LM's shape on mix.txt cut into pieces of 30
    words (about SST's sentence length), the first 500 held out for its own test."""
    out = os.path.join(a.work, "sa")
    if os.path.exists(os.path.join(out, "model.safetensors")):
        return out
    pieces = {"train": os.path.join(a.work, "mix.pieces.txt"), "test": os.path.join(a.work, "mix.pieces.test.txt")}
    with open(mix) as f, open(pieces["train"], "w") as train, open(pieces["test"], "w") as test:
        n = 0
        for line in f:
            words = line.split()
            for k in range(0, len(words), 30):
                if len(words) - k < 5:
                    break
                (test if n < 500 else train).write(" ".join(words[k:k + 30]) + "\n")
                n += 1
    run([RNNKIT, "autoencode", "train", "--train", pieces["train"], "--test", pieces["test"], "--out", out,
         "--overwrite", "--preset", "autoencoder", "--layers", "1", "--emb", "128", "--hidden", "256",
         "--dropout", "0.2", "--max-vocab", "50000", "--max-target-vocab", str(a.sa_target_vocab),
         "--epochs", "1", "--time-budget", str(a.lm_budget_s), "--threads", str(a.threads)])
    return out


def rnnkit_run(a, paths, classes, config, seed, extra):
    data = config.split("-")[1]
    out = os.path.join(a.work, f"rk{classes}_{config}_{seed}")
    epochs = "6" if data == "phrases" else "10"
    part = "phrases" if data == "phrases" else "train"
    res, secs = run([RNNKIT, "classify", "train", "--train", paths[(classes, part)], "--valid",
                     paths[(classes, "dev")], "--test", paths[(classes, "test")], "--epochs", epochs,
                     "--seed", str(seed), "--threads", str(a.threads), "--out", out, "--overwrite",
                     "--json"] + extra)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    record({"tool": "rnnkit", "classes": classes, "config": config, "seed": seed,
            "test_accuracy": r["test_accuracy"], "macro_f1": r["macro_f1"], "kept_epoch": r["kept_epoch"],
            "sentences_per_s": r["sentences_per_s"], "train_s": secs, "flags": " ".join(extra)})


def speed(a, paths):
    torch_script = os.path.join(ROOT, "bench", "classify_torch.py")
    train = paths[(2, "train")]
    for threads in (1, 2):
        rates = {"rnnkit": [], "pytorch": []}
        for rep in range(a.reps):
            res, _ = run([RNNKIT, "classify", "train", "--train", train, "--test", paths[(2, "dev")],
                          "--epochs", "1", "--threads", str(threads), "--out",
                          os.path.join(a.work, "speed"), "--overwrite", "--json"])
            rates["rnnkit"].append(json.loads(res.stdout.strip().splitlines()[-1])["sentences_per_s"])
            res, _ = run([sys.executable, torch_script, "--train", train, "--epochs", "1",
                          "--threads", str(threads)])
            rates["pytorch"].append(json.loads(res.stdout.strip().splitlines()[-1])["sentences_per_s"])
        r, t = statistics.median(rates["rnnkit"]), statistics.median(rates["pytorch"])
        record({"tool": "speed", "threads": threads, "rnnkit_sentences_per_s": rates["rnnkit"],
                "pytorch_sentences_per_s": rates["pytorch"], "median_ratio": r / t})
        print(f"| {threads} | {r:,.0f} | {t:,.0f} | {r / t:.2f}x |")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classes", type=int, nargs="+", default=[2, 5])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--configs", nargs="+",
                   default=["random-sentences", "random-phrases", "word2vec-phrases"])
    p.add_argument("--fasttext", action="store_true", help="also run fastText")
    p.add_argument("--autotune-s", type=int, default=300)
    p.add_argument("--lm-budget-s", type=int, default=1200, help="pre-training time of the LM and of the SA")
    p.add_argument("--sa-target-vocab", type=int, default=10000,
                   help="the autoencoder predicts the most frequent N words (its input keeps 50,000)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default="/tmp/rnnkit_sst")
    p.add_argument("--speed", action="store_true", help="only the throughput against PyTorch")
    p.add_argument("--reps", type=int, default=3)
    a = p.parse_args()
    paths = sst_data.prepare(a.work)
    if a.speed:
        return speed(a, paths)
    mix = None
    if any(c.split("-")[0] in ("word2vec", "lm", "sa") for c in a.configs):
        mix, report = sst_data.filtered_mix(a.work)
        print("pre-training text:", report, flush=True)
    for classes in a.classes:
        if a.fasttext:
            fasttext_runs(a, paths, classes)
        for config in a.configs:
            kind = config.split("-")[0]
            extra = [] if kind == "random" else pretrained(a, kind, mix)
            for seed in a.seeds:
                rnnkit_run(a, paths, classes, config, seed, extra)
    rows = [json.loads(l) for l in open(RESULTS) if '"classes"' in l]
    print("\n| classes | tool | configuration | runs | test accuracy mean | spread |")
    print("|---|---|---|---|---|---|")
    for key in sorted({(r["classes"], r["tool"], r["config"]) for r in rows}):
        acc = [100 * r["test_accuracy"] for r in rows if (r["classes"], r["tool"], r["config"]) == key]
        print(f"| SST-{key[0]} | {key[1]} | {key[2]} | {len(acc)} | {statistics.mean(acc):.2f} | "
              f"{min(acc):.2f}-{max(acc):.2f} |")


if __name__ == "__main__":
    main()
