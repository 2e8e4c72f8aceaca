#!/usr/bin/env python3
"""rnnkit vs gensim vs fastText word2vec on ../shared/data/w2v/mix.txt.gz, side by side.

    /usr/bin/python3 bench/w2v_bench.py [--variants sg-ns sg-hs cbow-ns cbow-hs]
        [--dims 100 300] [--windows 5 10] [--tokens 5000000] [--epochs 3] [--lr 0.05]
        [--tools rnnkit gensim fasttext] [--threads 2] [--reps 1] [--svd]

Every tool gets the same hyperparameters: architecture, loss, dimension, window,
negative 5, sample 1e-4, min-count 5, epochs, learning rate (linear decay) and
threads; fastText runs as plain word2vec (-minn 0 -maxn 0 -bucket 0), gensim
on an iterable of LineSentence (its corpus_file mode, --gensim-mode, decays the
learning rate more slowly with several workers). The
corpus is the first --tokens tokens of mix.txt (whole lines; 0: all of it),
decompressed so that every tool reads plain text. Throughput is corpus tokens
times epochs over training seconds (gensim's "raw words"); fastText's comes
from its own words/sec/thread (training only) times threads. Wall is the whole
process. Every set of vectors is scored by the same evaluator (`rnnkit embed
eval`: analogy by 3CosAdd over the 30,000 most frequent words, Spearman on the
four similarity sets). With --reps N each tool runs N times (alternating) and
the table shows medians of speed and of analogy accuracy (similarity: the
median-speed run's). --svd
also runs PPMI + SVD (50k vocabulary, d=100, window 2).
"""

import argparse
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import shutil

import blas_core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
SIMS = ["EN-WS-353-ALL.txt", "EN-SIMLEX-999.txt", "EN-MEN-TR-3k.txt", "EN-RW-STANFORD.txt"]


def run_json(cmd, env=None):
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def cut_corpus(src, dst, tokens):
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
        for line in f:
            g.write(line)
            n += len(line.split())
            if tokens and n >= tokens:
                break
    return n


def fasttext(args, corpus, out, arch, loss, dim, window):
    cmd = ["fasttext", "skipgram" if arch == "skipgram" else "cbow", "-input", corpus, "-output", out,
           "-minn", "0", "-maxn", "0", "-bucket", "0", "-dim", str(dim), "-ws", str(window),
           "-epoch", str(args.epochs), "-lr", str(args.lr), "-minCount", "5", "-t", "1e-4",
           "-neg", "5", "-loss", loss, "-thread", str(args.threads), "-verbose", "2"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{log[-2000:]}")
    rates = re.findall(r"words/sec/thread:\s*(\d+)", log)
    tokens = re.findall(r"Number of words:\s*(\d+)", log)
    return {"words_per_s": int(rates[-1]) * args.threads if rates else 0, "wall_s": wall,
            "peak_rss_mb": usage.ru_maxrss / 1024, "vocab": int(tokens[-1]) if tokens else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", nargs="+", default=["sg-ns", "sg-hs", "cbow-ns", "cbow-hs"])
    ap.add_argument("--dims", nargs="+", type=int, default=[100, 300])
    ap.add_argument("--windows", nargs="+", type=int, default=[5, 10])
    ap.add_argument("--tokens", type=int, default=5_000_000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--tools", nargs="+", default=["rnnkit", "gensim", "fasttext"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--svd", action="store_true")
    # corpus_file mode with N workers counts each worker's progress against the
    # whole corpus, so its learning rate decays about N times slower than the
    # rate asked for: not the same hyperparameters.
    ap.add_argument("--gensim-mode", choices=["iterable", "corpus_file"], default="iterable")
    ap.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    args = ap.parse_args()
    src = os.path.join(DATA, "w2v", "mix.txt.gz")
    if not os.path.exists(src):
        sys.exit("skipped: ../shared/data/w2v/mix.txt.gz is absent")
    if "fasttext" in args.tools and not shutil.which("fasttext"):
        sys.exit("fastText is missing: scripts/install-deps.sh --bench installs Debian's fasttext")
    tmp = tempfile.mkdtemp(prefix="rnnkit_w2v_")
    corpus = os.path.join(tmp, "mix.txt")
    n_tokens = cut_corpus(src, corpus, args.tokens)
    analogy = os.path.join(DATA, "eval", "questions-words.txt")
    sims = [os.path.join(DATA, "eval", s) for s in SIMS]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; threads {args.threads}; "
          f"corpus {n_tokens} tokens; {args.epochs} epochs, lr {args.lr}", flush=True)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    core, chosen_by = blas_core.rnnkit(args.rnnkit, env)
    print(f"rnnkit's BLAS core: {core} ({chosen_by})", flush=True)

    def evaluate(vectors):
        return run_json([args.rnnkit, "embed", "eval", "--model", vectors, "--analogy", analogy,
                         "--similarity", *sims, "--json"])

    def one_run(tool, arch, loss, dim, window, rep):
        name = os.path.join(tmp, f"{tool}_{arch}_{loss}_{dim}_{window}_{rep}")
        if tool == "rnnkit":
            r = run_json([args.rnnkit, "embed", "train", "--train", corpus, "--out", name, "--arch", arch,
                          "--loss", loss, "--dim", str(dim), "--window", str(window), "--negative", "5",
                          "--sample", "1e-4", "--min-count", "5", "--epochs", str(args.epochs),
                          "--lr", str(args.lr), "--threads", str(args.threads), "--seed", str(rep + 1),
                          "--json"], env)
            r["words_per_s"] = r["corpus_tokens"] * args.epochs / r["train_s"]
            vectors = os.path.join(name, "vectors.bin")
        elif tool == "gensim":
            vectors = name + ".bin"
            r = run_json([sys.executable, os.path.join(ROOT, "bench", "w2v_gensim.py"), "--corpus", corpus,
                          "--out", vectors, "--arch", arch, "--loss", loss, "--dim", str(dim),
                          "--window", str(window), "--lr", str(args.lr), "--mode", args.gensim_mode,
                          "--threads", str(args.threads), "--epochs", str(args.epochs), "--seed", str(rep + 1)])
            r["wall_s"] = r["train_s"] + r["vocab_s"]
        else:
            r = fasttext(args, corpus, name, arch, loss, dim, window)
            vectors = name + ".vec"
        r.update(evaluate(vectors))
        for path in (name, vectors, name + ".bin"):
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
        return r

    rows = []
    for dim in args.dims:
        for window in args.windows:
            for variant in args.variants:
                arch = "skipgram" if variant.startswith("sg") else "cbow"
                loss = variant.split("-")[1]
                runs = {t: [] for t in args.tools}
                for rep in range(args.reps):
                    for tool in args.tools:
                        r = one_run(tool, arch, loss, dim, window, rep)
                        runs[tool].append(r)
                        print(json.dumps({"tool": tool, "variant": variant, "dim": dim, "window": window,
                                          **{k: v for k, v in r.items() if k != "analogy_sections"}}),
                              flush=True)
                for tool in args.tools:
                    rs = sorted(runs[tool], key=lambda r: r["words_per_s"])
                    med = dict(rs[len(rs) // 2])
                    med["words_per_s"] = statistics.median(r["words_per_s"] for r in rs)
                    med["wall_s"] = statistics.median(r["wall_s"] for r in rs)
                    med["analogy_acc"] = statistics.median(r["analogy_acc"] for r in rs)
                    rows.append((dim, window, variant, tool, med))
    if args.svd:
        out = os.path.join(tmp, "ppmi")
        r = run_json([args.rnnkit, "embed", "train", "--method", "ppmi-svd", "--train", corpus, "--out", out,
                      "--max-vocab", "50000", "--min-count", "5", "--dim", "100", "--window", "2",
                      "--threads", str(args.threads), "--json"], env)
        r.update(evaluate(os.path.join(out, "vectors.bin")))
        rows.append((100, 2, "ppmi-svd", "rnnkit", r))

    print()
    print("| dim | window | variant | tool | train words/s | wall s | peak RSS MB | analogy | WS353 | SimLex "
          "| MEN | RW |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for dim, window, variant, tool, r in rows:
        s = r.get("similarity", {})
        sp = lambda n: f"{s[n]['spearman']:.3f}" if n in s else "-"
        print(f"| {dim} | {window} | {variant} | {tool} | {r.get('words_per_s', 0):,.0f} | "
              f"{r.get('wall_s', 0):.1f} | {r.get('peak_rss_mb', 0):.0f} | {100 * r['analogy_acc']:.2f}% | "
              f"{sp(SIMS[0])} | {sp(SIMS[1])} | {sp(SIMS[2])} | {sp(SIMS[3])} |")
    print()
    for dim in args.dims:
        for window in args.windows:
            for variant in args.variants:
                got = {t: r for d, w, v, t, r in rows if (d, w, v) == (dim, window, variant)}
                if "rnnkit" not in got or len(got) < 2:
                    continue
                ours = got["rnnkit"]
                others = [t for t in got if t != "rnnkit"]
                best = max(others, key=lambda t: got[t]["analogy_acc"])
                fastest = max(others, key=lambda t: got[t]["words_per_s"])
                print(f"dim {dim} window {window} {variant}: analogy {100 * ours['analogy_acc']:.2f}% vs "
                      f"{best} {100 * got[best]['analogy_acc']:.2f}% ({100 * (ours['analogy_acc'] - got[best]['analogy_acc']):+.2f}); "
                      f"words/s {ours['words_per_s'] / got[fastest]['words_per_s']:.2f}x {fastest}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
