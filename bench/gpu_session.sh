#!/usr/bin/env bash
# One call on a lent GPU machine: any of the steps
#   tests          the CUDA-vs-CPU tests
#   bench          bench/lm_gpu_bench.py (rnnkit vs PyTorch + cuDNN)
#   train-PRESET   a full PTB training run (`lm train --preset PRESET --tf32`;
#                  NO_VALID=1 skips the per-epoch validation to save device time)
#   enja           English->Japanese, 512 units (issue 4's BLEU >= 37 point):
#                  trains for at most ENJA_SECONDS (default 540) and, when
#                  /tmp/run_enja holds a checkpoint, resumes it, so a run spans
#                  several calls while the machine stays warm; once all
#                  ENJA_EPOCHS (default 30) are done, scores the kept model on
#                  the test set greedy and with beam 5. ENJA_ARGS adds flags.
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
    enja)
      d=.gpu/enja run=/tmp/run_enja
      mkdir -p "$OUT/enja"
      resume=$([[ -f $run/checkpoint.safetensors ]] && echo --resume)
      # A run cut off mid-epoch resumes from the last epoch's checkpoint (written atomically).
      timeout "${ENJA_SECONDS:-540}" .gpu/rnnkit seq2seq train --preset enja --device "${DEVICE:-cuda}" --tf32 \
        --hidden 512 --emb 512 --min-count 2 --eval-limit 0 \
        --train $d/train.en,$d/train.ja --valid $d/dev.en,$d/dev.ja --test $d/test.en,$d/test.ja \
        --schedule plateau --lr-decay 0.7071 --epochs "${ENJA_EPOCHS:-30}" ${ENJA_ARGS:-} --out $run $resume --json \
        > "$OUT/enja/stdout.txt" 2>> "$OUT/enja/progress.txt"
      echo "enja train exit status $? (124: stopped by ENJA_SECONDS; call again to resume)"
      cp $run/{metrics.jsonl,config.json} "$OUT/enja/" 2>/dev/null
      if [[ -s "$OUT/enja/stdout.txt" ]]; then
        for beam in 1 5; do
          .gpu/rnnkit seq2seq eval --model $run/model.safetensors --data $d/test.en,$d/test.ja \
            --device "${DEVICE:-cuda}" --beam $beam --json 2>/dev/null | tail -1 >> "$OUT/enja/test_scores.jsonl"
        done
        cat "$OUT/enja/test_scores.jsonl"
      fi
      tail -2 "$OUT/enja/metrics.jsonl" 2>/dev/null ;;
    *) echo "unknown step $step" >&2 ;;
  esac
done
