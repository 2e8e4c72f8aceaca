#!/usr/bin/env bash
# One call on a lent GPU machine: any of the steps
#   tests          the CUDA-vs-CPU tests
#   bench          bench/lm_gpu_bench.py (rnnkit vs PyTorch + cuDNN)
#   train-PRESET   a full PTB training run (`lm train --preset PRESET --tf32`;
#                  NO_VALID=1 skips the per-epoch validation to save device time)
# in the order given. Expects what bench/pack_gpu.sh puts in .gpu/ (binaries
# built here with the `gpu` preset, the non-CUDA libraries they need, PTB).
# Writes logs under $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/rnnkit_gpu_out}
mkdir -p "$OUT"
cublas=$(dirname "$(find / -name 'libcublas.so.13*' -not -path '/proc/*' 2>/dev/null | head -1)")
export LD_LIBRARY_PATH="$PWD/.gpu/lib:$cublas:${LD_LIBRARY_PATH:-}"
export OMP_WAIT_POLICY=PASSIVE
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$OUT/gpu.txt"
ptb=.gpu/ptb
for step in "$@"; do
  case $step in
    tests)
      .gpu/rnnkit_tests --gtest_filter='*Cuda*' 2>&1 | tee "$OUT/cuda_tests.txt" | tail -25 ;;
    bench)
      python3 bench/lm_gpu_bench.py --ptb $ptb --rnnkit .gpu/rnnkit ${BENCH_ARGS:-} 2>&1 |
        tee "$OUT/gpu_bench.txt" ;;
    train-*)
      preset=${step#train-}
      mkdir -p "$OUT/$preset"
      # Copy the epoch log out as it grows: a run cut off by the call's limit still reports.
      (while sleep 15; do cp /tmp/run_$preset/metrics.jsonl "$OUT/$preset/" 2>/dev/null; done) &
      copier=$!
      .gpu/rnnkit lm train --preset "$preset" --tf32 --device cuda --train $ptb/ptb.train.txt \
        $([[ -n ${NO_VALID:-} ]] || echo --valid $ptb/ptb.valid.txt) --test $ptb/ptb.test.txt --out "/tmp/run_$preset" --json \
        > "$OUT/$preset/stdout.txt" 2> "$OUT/$preset/progress.txt"
      kill $copier
      cp /tmp/run_$preset/{metrics.jsonl,config.json,learning_curve.svg} "$OUT/$preset/" 2>/dev/null
      tail -3 "$OUT/$preset/stdout.txt" ;;
    *) echo "unknown step $step" >&2 ;;
  esac
done
