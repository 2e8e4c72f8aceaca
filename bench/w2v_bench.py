#!/usr/bin/env python3
"""rnnkit vs gensim word2vec on ../shared/data/w2v/mix.txt.gz, side by side.

    /usr/bin/python3 bench/w2v_bench.py [--archs skipgram cbow] [--threads 2] [--epochs 5]

Same hyperparameters for both (negative 5, dim 100, window 5, sample 1e-4,
min-count 5). Throughput is corpus words (every token, rare ones included)
times epochs over training seconds, the definition gensim calls raw words.
Both sets of vectors are scored by the same evaluator (`rnnkit embed eval`:
analogy by 3CosAdd over the 30,000 most frequent words, Spearman on the
similarity sets); gensim's own analogy score is printed beside ours as a check.
Also runs PPMI + SVD (50k vocabulary, d=100) on the same corpus. With --reps N
each tool runs N times, alternating, and the table shows medians (the scores
shown are those of the median-speed run).
"""

import argparse
import gzip
import statistics
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import blas_core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
SIMS = ["EN-WS-353-ALL.txt", "EN-SIMLEX-999.txt", "EN-MEN-TR-3k.txt", "EN-RW-STANFORD.txt"]


def run_json(cmd, env=None):
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archs", nargs="+", default=["skipgram", "cbow"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--gensim-modes", nargs="+", default=["iterable", "corpus_file"])
    ap.add_argument("--skip-svd", action="store_true")
    ap.add_argument("--reps", type=int, default=1, help="runs of each tool; medians are reported")
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    args = ap.parse_args()
    src = os.path.join(DATA, "w2v", "mix.txt.gz")
    if not os.path.exists(src):
        sys.exit("skipped: ../shared/data/w2v/mix.txt.gz is absent")
    tmp = tempfile.mkdtemp(prefix="rnnkit_w2v_")
    corpus = os.path.join(tmp, "mix.txt")
    with gzip.open(src, "rb") as f, open(corpus, "wb") as g:  # both tools read plain text
        shutil.copyfileobj(f, g)
    analogy = os.path.join(DATA, "eval", "questions-words.txt")
    sims = [os.path.join(DATA, "eval", s) for s in SIMS]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; threads {args.threads}", flush=True)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    core, chosen_by = blas_core.rnnkit(args.rnnkit, env)
    rnnkit_core = f"{core} ({chosen_by})"
    print(f"rnnkit's BLAS core: {rnnkit_core}", flush=True)

    def evaluate(vectors):
        return run_json([args.rnnkit, "embed", "eval", "--model", vectors, "--analogy", analogy,
                         "--similarity", *sims, "--json"])

    def median_run(runs):
        out = dict(sorted(runs, key=lambda r: r["words_per_s"])[len(runs) // 2])
        for k in ("words_per_s", "train_s", "wall_s", "vocab_s", "peak_rss_mb"):
            if k in out:
                out[k] = statistics.median(r[k] for r in runs)
        out["words_per_s_runs"] = [round(r["words_per_s"]) for r in runs]
        return out

    rows = []
    for arch in args.archs:
        runs, gruns = [], {m: [] for m in args.gensim_modes}
        for rep in range(args.reps):
            run_dir = os.path.join(tmp, f"rnnkit_{arch}_{rep}")
            out = os.path.join(run_dir, "vectors.bin")
            r = run_json([args.rnnkit, "embed", "train", "--train", corpus, "--out", run_dir, "--arch", arch,
                          "--dim", "100", "--window", "5", "--negative", "5", "--sample", "1e-4",
                          "--min-count", "5", "--epochs", str(args.epochs), "--threads", str(args.threads),
                          "--seed", str(rep + 1), "--json"], env)
            r["words_per_s"] = r["corpus_tokens"] * args.epochs / r["train_s"]
            r.update(evaluate(out))
            runs.append(r)
            print(json.dumps({"tool": "rnnkit", "arch": arch, **r}), flush=True)
            for mode in args.gensim_modes:
                gout = os.path.join(tmp, f"gensim_{arch}_{mode}.bin")
                g = run_json([sys.executable, os.path.join(ROOT, "bench", "w2v_gensim.py"), "--corpus", corpus,
                              "--out", gout, "--arch", arch, "--mode", mode, "--threads", str(args.threads),
                              "--epochs", str(args.epochs), "--analogy", analogy])
                g.update(evaluate(gout))
                gruns[mode].append(g)
                print(json.dumps({"tool": "gensim", "mode": mode, "arch": arch, **g}), flush=True)
        rows.append(("rnnkit", arch, dict(median_run(runs), blas_core=rnnkit_core)))
        for mode in args.gensim_modes:
            rows.append((f"gensim {mode}", arch, median_run(gruns[mode])))
    if not args.skip_svd:
        out = os.path.join(tmp, "ppmi", "vectors.bin")
        r = run_json([args.rnnkit, "embed", "train", "--method", "ppmi-svd", "--train", corpus, "--out",
                      os.path.dirname(out),
                      "--max-vocab", "50000", "--min-count", "5", "--dim", "100", "--window", "2",
                      "--threads", str(args.threads), "--json"], env)
        r.update(evaluate(out))
        rows.append(("rnnkit ppmi-svd", "-", dict(r, blas_core=rnnkit_core)))
        print(json.dumps({"tool": "rnnkit", "arch": "ppmi-svd", **r}), flush=True)

    print()
    print("| tool | arch | BLAS core | train words/s | train s | wall s | peak RSS MB | analogy | WS353 | SimLex "
          "| MEN | RW |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tool, arch, r in rows:
        s = r.get("similarity", {})
        sp = lambda n: f"{s[n]['spearman']:.3f}" if n in s else "-"
        wall = r.get("wall_s", r.get("train_s", 0) + r.get("vocab_s", 0))
        print(f"| {tool} | {arch} | {r.get('blas_core', '?')} | {r.get('words_per_s', 0):,.0f} | {r.get('train_s', 0):.1f} | {wall:.1f} | "
              f"{r['peak_rss_mb']:.0f} | {100 * r['analogy_acc']:.2f}% ({100 * r['analogy_coverage']:.0f}% cov.) | "
              f"{sp(SIMS[0])} | {sp(SIMS[1])} | {sp(SIMS[2])} | {sp(SIMS[3])} |")
    for arch in args.archs:
        ours = next(r for t, a, r in rows if t == "rnnkit" and a == arch)
        for t, a, r in rows:
            if a == arch and t.startswith("gensim"):
                print(f"{arch}: rnnkit / {t}: {ours['words_per_s'] / r['words_per_s']:.2f}x words/s; "
                      f"analogy {100 * (ours['analogy_acc'] - r['analogy_acc']):+.2f} points; "
                      f"gensim's own analogy score {100 * r.get('gensim_analogy_acc', 0):.2f}%")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
