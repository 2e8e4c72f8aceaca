#!/usr/bin/env python3
"""The gensim side of bench/w2v_bench.py: train, save in word2vec binary
format, print one JSON line (timings, peak memory)."""

import argparse
import json
import logging
import resource
import time

from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

import blas_core


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--arch", choices=["skipgram", "cbow"], default="skipgram")
    ap.add_argument("--loss", choices=["ns", "hs"], default="ns")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--lr", type=float, default=0.025)
    ap.add_argument("--mode", choices=["iterable", "corpus_file"], default="iterable")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    hs = args.loss == "hs"
    params = dict(vector_size=args.dim, window=args.window, min_count=5, sample=1e-4,
                  negative=0 if hs else 5, hs=1 if hs else 0, sg=1 if args.arch == "skipgram" else 0,
                  alpha=args.lr, workers=args.threads, epochs=args.epochs, seed=args.seed)
    t0 = time.perf_counter()
    model = Word2Vec(**params)
    if args.mode == "corpus_file":
        model.build_vocab(corpus_file=args.corpus)
    else:
        model.build_vocab(LineSentence(args.corpus))
    t1 = time.perf_counter()
    if args.mode == "corpus_file":
        model.train(corpus_file=args.corpus, total_examples=model.corpus_count,
                    total_words=model.corpus_total_words, epochs=args.epochs)
    else:
        model.train(LineSentence(args.corpus), total_examples=model.corpus_count,
                    epochs=args.epochs)
    t2 = time.perf_counter()
    model.wv.save_word2vec_format(args.out, binary=True)
    print(json.dumps({"train_s": t2 - t1, "vocab_s": t1 - t0, "corpus_tokens": model.corpus_total_words,
                      "words_per_s": model.corpus_total_words * args.epochs / (t2 - t1),
                      "vocab": len(model.wv),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "blas_core": blas_core.this_process()}))


if __name__ == "__main__":
    main()
