#!/usr/bin/env bash
# Packs what bench/gpu_session.sh needs on a GPU machine that has the CUDA
# toolkit but none of rnnkit's Debian libraries: the `gpu` preset's binaries,
# OpenBLAS, fmt, libgomp and SentencePiece, PTB and small_parallel_enja.
# .gpu/ is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset gpu >/dev/null
cmake --build --preset gpu
rm -rf .gpu && mkdir -p .gpu/lib .gpu/ptb .gpu/enja
cp build/gpu/rnnkit build/gpu/tests/rnnkit_tests .gpu/
for lib in libopenblas.so.0 libfmt.so.9 libgomp.so.1 libgfortran.so.5 libquadmath.so.0 \
           libsentencepiece.so.0 libsentencepiece_train.so.0; do
  cp -L "$(ldd build/gpu/rnnkit | awk -v l="$lib" '$1 == l {print $3}')" .gpu/lib/
done
cp ../shared/data/ptb/ptb.{train,valid,test}.txt .gpu/ptb/
cp ../shared/data/small_parallel_enja/{train,dev,test}.{en,ja} .gpu/enja/
du -sh .gpu
