#!/usr/bin/env python3
"""Vectors written by rnnkit load in gensim and give the same neighbours.

    /usr/bin/python3 bench/w2v_interop.py VECTORS (any format rnnkit reads)

Exports VECTORS to word2vec text and binary with `rnnkit embed export`, loads
both with gensim's KeyedVectors.load_word2vec_format, and compares gensim's
most_similar top 10 with `rnnkit embed similar` for the 40 most frequent words
and 40 from further down the vocabulary. Exits non-zero on any difference.
"""

import os
import subprocess
import sys
import tempfile

from gensim.models import KeyedVectors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNNKIT = os.path.join(ROOT, "build", "release", "rnnkit")


def main():
    src = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="rnnkit_interop_")
    files = {}
    for ext, binary in ((".txt", False), (".bin", True)):
        out = os.path.join(tmp, "v" + ext)
        subprocess.run([RNNKIT, "embed", "export", "--model", src, "--out", out], check=True,
                       capture_output=True)
        files[ext] = (out, binary)
    kv = {ext: KeyedVectors.load_word2vec_format(p, binary=b) for ext, (p, b) in files.items()}
    words = kv[".bin"].index_to_key
    queries = words[:40] + words[1000:5000:100]
    mismatches = 0
    for w in queries:
        ours = subprocess.run([RNNKIT, "embed", "similar", "--model", files[".bin"][0], w, "--top", "10"],
                              check=True, capture_output=True, text=True).stdout.split("\n")
        ours = [line.split("\t")[0] for line in ours if line]
        for ext in kv:
            theirs = [x for x, _ in kv[ext].most_similar(w, topn=10)]
            if theirs != ours:
                mismatches += 1
                print(f"{ext} {w}: rnnkit {ours} vs gensim {theirs}")
    print(f"{len(queries)} queries x {len(kv)} formats: {mismatches} lists differ; "
          f"{len(words)} words of dimension {kv['.bin'].vector_size} loaded")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
