#!/usr/bin/env python3
"""The Python module's overheads, side by side with what a user would pick instead.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_bench.py
        [--rnnkit build/release/rnnkit] [--tokens 16000000] [--dim 300] [--queries 1000]
        [--reps 5] [--threads 1 2] [--sentences 10000] [--out bench/results/python]
        [--before OTHER_BUILD/python]   # also time most_similar of another build, same run

1. most_similar (topn 10) queries per second on the same word2vec vectors
   (`rnnkit embed train` on the first --tokens tokens of ../shared/data/w2v/mix.txt.gz,
   min-count 5, 1 epoch): rnnkit.Vectors against gensim's KeyedVectors, each in its own
   process with OMP/OpenBLAS threads set, --queries words drawn from the vocabulary
   (seed 1), one warm-up pass, then --reps timed passes; medians. Also how many of the
   top-10 lists agree.
2. LanguageModel.score on --sentences PTB training sentences against
   `rnnkit lm eval --per-line` on the same file and model (PTB, preset small, trained for
   100 batches: the speed, not the quality, matters): the whole command against load +
   score, the call alone, and one call per sentence (the per-call overhead).
3. The perplexity of ptb.test.txt from Python and from `rnnkit lm eval`.
"""

import argparse
import gzip
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")

QPS = r"""
import json, random, statistics, sys, time
tool, path, queries, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if tool == "rnnkit":
    import rnnkit
    kv = rnnkit.Vectors.load_word2vec_format(path, binary=True)
else:
    from gensim.models import KeyedVectors
    kv = KeyedVectors.load_word2vec_format(path, binary=True)
words = random.Random(1).sample(list(kv.index_to_key), queries)
answers = [[w for w, _ in kv.most_similar(q, topn=10)] for q in words]  # warm-up
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    for q in words:
        kv.most_similar(q, topn=10)
    times.append(time.perf_counter() - t0)
print(json.dumps({"qps": queries / statistics.median(times), "vocab": len(kv.index_to_key),
                  "answers": answers}))
"""


def run(cmd, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr[-2000:]}")
    return r.stdout


def threads_env(n):
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS=str(n), OPENBLAS_NUM_THREADS=str(n))
    return env


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def vectors_part(args, tmp):
    corpus = os.path.join(tmp, "mix.txt")
    n = 0
    with gzip.open(os.path.join(DATA, "w2v", "mix.txt.gz"), "rt", encoding="utf-8") as f, \
            open(corpus, "w", encoding="utf-8") as g:
        for line in f:
            g.write(line)
            n += len(line.split())
            if args.tokens and n >= args.tokens:
                break
    run([args.rnnkit, "embed", "train", "--train", corpus, "--dim", str(args.dim), "--epochs", "1",
         "--min-count", "5", "--format", "bin", "--out", os.path.join(tmp, "vec"), "--overwrite"])
    path = os.path.join(tmp, "vec", "vectors.bin")
    rows = []
    for threads in args.threads:
        got = {}
        tools = ["rnnkit", "gensim"] + (["before"] if args.before else [])
        for tool in tools:
            env = threads_env(threads)
            if tool == "before":
                env["PYTHONPATH"] = args.before
            got[tool] = json.loads(run([sys.executable, "-c", QPS, "gensim" if tool == "gensim"
                                        else "rnnkit", path, str(args.queries), str(args.reps)],
                                       env=env))
        same = sum(a == b for a, b in zip(got["rnnkit"]["answers"], got["gensim"]["answers"]))
        rows.append({"threads": threads, "vocab": got["rnnkit"]["vocab"], "dim": args.dim,
                     "rnnkit_qps": got["rnnkit"]["qps"], "gensim_qps": got["gensim"]["qps"],
                     "ratio": got["rnnkit"]["qps"] / got["gensim"]["qps"],
                     "same_top10": same, "queries": args.queries,
                     "before_qps": got["before"]["qps"] if args.before else None})
    return rows


def lm_part(args, tmp):
    import rnnkit
    ptb = os.path.join(DATA, "ptb")
    model_dir = os.path.join(tmp, "lm")
    run([args.rnnkit, "lm", "train", "--train", os.path.join(ptb, "ptb.train.txt"), "--preset",
         "small", "--epochs", "1", "--max-batches", "100", "--out", model_dir, "--overwrite"])
    model = os.path.join(model_dir, "model.safetensors")
    sentences = os.path.join(tmp, "sentences.txt")
    with open(os.path.join(ptb, "ptb.train.txt"), encoding="utf-8") as f:
        lines = [next(f).strip() for _ in range(args.sentences)]
    with open(sentences, "w", encoding="utf-8") as g:
        g.write("\n".join(lines) + "\n")
    out = {}
    cli_times, py_times, call_times, one_times = [], [], [], []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        cli_out = run([args.rnnkit, "lm", "eval", "--model", model, "--data", sentences,
                       "--per-line"])
        cli_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        lm = rnnkit.load(model)
        t1 = time.perf_counter()
        scores = lm.score(lines)
        t2 = time.perf_counter()
        py_times.append(t2 - t0)
        call_times.append(t2 - t1)
        t0 = time.perf_counter()
        for s in lines[:1000]:
            lm.score(s)
        one_times.append((time.perf_counter() - t0) / 1000)
    cli_scores = [float(line.split("\t")[0]) for line in cli_out.splitlines()]
    out["score"] = {
        "sentences": len(lines), "cli_s": statistics.median(cli_times),
        "python_load_and_score_s": statistics.median(py_times),
        "python_score_call_s": statistics.median(call_times),
        "python_one_sentence_per_call_us": 1e6 * statistics.median(one_times),
        "ratio_whole": statistics.median(py_times) / statistics.median(cli_times),
        "max_abs_diff_log10": max(abs(a - b) for a, b in zip(scores, cli_scores)),
    }
    test = os.path.join(ptb, "ptb.test.txt")
    cli_ppl = json.loads(run([args.rnnkit, "lm", "eval", "--model", model, "--data", test,
                              "--json"]).strip().splitlines()[-1])["ppl"]
    py_ppl = rnnkit.load(model).perplexity(test)
    out["perplexity"] = {"cli": cli_ppl, "python": py_ppl, "rel_diff": abs(py_ppl - cli_ppl) / cli_ppl}
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rnnkit", default=os.path.join(ROOT, "build", "release", "rnnkit"))
    p.add_argument("--tokens", type=int, default=16_000_000)
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sentences", type=int, default=10000)
    p.add_argument("--parts", nargs="+", default=["vectors", "lm"])
    p.add_argument("--before", help="PYTHONPATH of another build's module, timed beside")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "python"))
    args = p.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"skipped: {DATA} is absent (the benchmark needs ../shared/data)")
    import rnnkit
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"rnnkit {rnnkit.__version__}, {rnnkit.blas()}")
    results = {"machine": cpu_name(), "cores": os.cpu_count(), "command": " ".join(sys.argv)}
    with tempfile.TemporaryDirectory() as tmp:
        if "vectors" in args.parts:
            results["most_similar"] = vectors_part(args, tmp)
            print("\n| threads | vocabulary x dim | rnnkit q/s | gensim q/s | rnnkit / gensim "
                  "| same top-10 | --before q/s |\n|---|---|---|---|---|---|---|")
            for r in results["most_similar"]:
                before = f"{r['before_qps']:.0f}" if r["before_qps"] else "-"
                print(f"| {r['threads']} | {r['vocab']} x {r['dim']} | {r['rnnkit_qps']:.0f} | "
                      f"{r['gensim_qps']:.0f} | {r['ratio']:.2f} | {r['same_top10']}/{r['queries']} "
                      f"| {before} |")
        if "lm" in args.parts:
            lm = lm_part(args, tmp)
            results.update(lm)
            s = lm["score"]
            print(f"\nscore, {s['sentences']} PTB sentences: `lm eval --per-line` {s['cli_s']:.2f} s; "
                  f"Python load + score {s['python_load_and_score_s']:.2f} s "
                  f"({s['ratio_whole']:.2f}x), the call alone {s['python_score_call_s']:.2f} s; "
                  f"one sentence per call {s['python_one_sentence_per_call_us']:.0f} us; "
                  f"largest difference {s['max_abs_diff_log10']:.1e} (log10)")
            q = lm["perplexity"]
            print(f"ptb.test.txt perplexity: CLI {q['cli']!r}, Python {q['python']!r} "
                  f"(relative difference {q['rel_diff']:.1e})")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "python_bench.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
