#!/usr/bin/env bash
# Builds the libFuzzer targets of every parser of outside bytes (the `fuzz`
# preset: clang, ASan + UBSan) and runs each for SECONDS (default 60), two at a
# time, from its seed corpus in fuzz/corpus/ (new inputs go to a temporary copy,
# not into the repository). Fails on any crash, hang or sanitizer report; the
# input that caused it is kept in build/fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh --fuzz
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
findings=build/fuzz/findings
rm -rf "$findings"
mkdir -p "$findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
  local target=$1
  mkdir -p "$work/$target"
  cp -r "fuzz/corpus/$target/." "$work/$target/"
  if build/fuzz/fuzz/"fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$findings/$target-" -print_final_stats=1 "$work/$target" \
      >"$work/$target.log" 2>&1; then
    local runs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
    echo "fuzz_$target: ${runs:-?} executions in ${seconds} s, no crash"
  else
    echo "fuzz_$target: FAILED (input in $findings)"
    grep -E "ERROR|SUMMARY|runtime error" "$work/$target.log" | head -5
    return 1
  fi
}

status=0
targets=(safetensors vectors arpa corpus parallel training_state model_config series)
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    run_one "$t" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
