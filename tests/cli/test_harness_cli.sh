#!/usr/bin/env bash
# The training harness from the command line: a run directory is never
# overwritten by accident; SIGINT and SIGTERM stop a run with a checkpoint
# that resumes to the same model as an uninterrupted run; kill -9 at any
# point leaves a run that resumes; divergence stops with advice; results.json
# equals the --json line; eval commands print their result on stdout.
set -u
RNNKIT=$(realpath "${1:?usage: test_harness_cli.sh path/to/rnnkit}")
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

for i in $(seq 1 4000); do
  case $((i % 4)) in
    0) echo "the cat sat on the mat" ;;
    1) echo "the dog ran in the park today" ;;
    2) echo "a bird sang in the old tree" ;;
    3) echo "my cat and the dog sat in the sun" ;;
  esac
done >"$work/train.txt"
head -40 "$work/train.txt" >"$work/valid.txt"
model=(--preset small --hidden 48 --emb 48 --layers 2 --steps 8 --batch 8 --dropout 0.1 --threads 1)
data=(lm train --train "$work/train.txt" --valid "$work/valid.txt" "${model[@]}")
run=("${data[@]}" --epochs 3 --lr 0.5)

# What an eval of a model gives, as a fingerprint of its weights.
fingerprint() { "$RNNKIT" lm eval --model "$1" --data "$work/valid.txt" --json 2>/dev/null | sed 's/,"eval_tokens.*//'; }

"$RNNKIT" "${run[@]}" --out "$work/straight" --json >"$work/straight.json" 2>"$work/straight.log" \
  && ok || bad "straight run: $(cat "$work/straight.log")"
want=$(fingerprint "$work/straight/model.safetensors")

# results.json is the --json line; the header names the real thread count.
cmp -s <(tail -n 1 "$work/straight.json") "$work/straight/results.json" && ok \
  || bad "results.json differs from --json: $(cat "$work/straight/results.json")"
grep -q '"valid_ppl":[0-9]' "$work/straight/results.json" && ok || bad "no valid_ppl in results.json"
grep -q '"test_ppl":null' "$work/straight/results.json" && ok || bad "a test never run is not null"
grep -q '; 1 threads, ' "$work/straight.log" && ok || bad "the header lacks the thread count"
[ ! -e "$work/straight/INCOMPLETE" ] && ok || bad "a finished run is marked incomplete"

# --print-config: the resolved configuration, and nothing else done.
cfg=$("$RNNKIT" "${run[@]}" --out "$work/printed" --print-config 2>/dev/null)
grep -q '"family": "lm"' <<<"$cfg" && grep -q '"lr": 0.5' <<<"$cfg" && [ ! -e "$work/printed" ] && ok \
  || bad "--print-config: $cfg"

# A finished run is refused, with advice; --overwrite replaces it.
expect_error "--overwrite" "$RNNKIT" "${run[@]}" --out "$work/straight"
"$RNNKIT" "${run[@]}" --out "$work/straight" --overwrite 2>/dev/null >/dev/null && ok || bad "--overwrite"
[ "$(fingerprint "$work/straight/model.safetensors")" = "$want" ] && ok || bad "--overwrite trains the same model"

# --resume --out alone is enough; a changed model flag is refused by name;
# a changed data path is allowed with a warning.
"$RNNKIT" lm train --resume --out "$work/straight" --epochs 4 --threads 1 2>"$work/more.log" >/dev/null \
  && grep -q "resuming after epoch 3" "$work/more.log" && ok || bad "--resume --out alone: $(cat "$work/more.log")"
expect_error "hidden_size" "$RNNKIT" lm train --resume --out "$work/straight" --hidden 32 --epochs 5
cp "$work/train.txt" "$work/moved.txt"
"$RNNKIT" lm train --resume --out "$work/straight" --epochs 5 --train "$work/moved.txt" --threads 1 \
  2>"$work/moved.log" >/dev/null && grep -q "warning: --train is now" "$work/moved.log" && ok \
  || bad "a moved training file: $(cat "$work/moved.log")"

# What fixes a run's numbers cannot change on resume; a preset can only be the run's own.
expect_error "--output \"nce\" differs" "$RNNKIT" lm train --resume --out "$work/straight" --output nce
expect_error "--seed 7 differs" "$RNNKIT" lm train --resume --out "$work/straight" --seed 7
expect_error "--preset medium differs" "$RNNKIT" lm train --resume --out "$work/straight" --preset medium
expect_error "--max-vocab 100 differs" "$RNNKIT" lm train --resume --out "$work/straight" --max-vocab 100
# Data paths are kept absolute: a resume from another directory finds them.
(cd / && "$RNNKIT" lm train --resume --out "$work/straight" --epochs 6 2>"$work/cwd.log" >/dev/null) && ok \
  || bad "a resume from another working directory: $(tail -2 "$work/cwd.log")"
# results.json counts the whole run, resumed parts included: 6 epochs of the straight run's 3.
tokens3=$(sed -n 's/.*"train_tokens":\([0-9]*\).*/\1/p' "$work/straight.json")
tokens6=$(sed -n 's/.*"train_tokens":\([0-9]*\).*/\1/p' "$work/straight/results.json")
[ -n "$tokens3" ] && [ "$tokens6" = "$((2 * tokens3))" ] && ok \
  || bad "results.json after resume counts $tokens6 tokens, not 2 x $tokens3"

# Waits (up to 60 s) until FILE exists, or the log LOG shows a progress line.
wait_for() {
  for _ in $(seq 1 600); do
    if [ -e "$1" ]; then return 0; fi
    sleep 0.1
  done
  return 1
}
wait_for_progress() {
  for _ in $(seq 1 600); do
    if grep -q "Ep\. " "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# SIGINT and SIGTERM: the batch under way finishes, a checkpoint is written,
# the exit status is 128 + the signal, and --resume ends where an
# uninterrupted run does, bit for bit.
for sig in INT TERM; do
  out="$work/sig$sig"
  "$RNNKIT" "${run[@]}" --out "$out" --log-interval 0.05 2>"$out.log" >/dev/null &
  pid=$!
  wait_for_progress "$out.log" || bad "no progress from the $sig run"
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  want_rc=$([ "$sig" = INT ] && echo 130 || echo 143)
  [ "$rc" -eq "$want_rc" ] && ok || bad "SIG$sig: exit status $rc, expected $want_rc: $(tail -3 "$out.log")"
  grep -q "continue with: rnnkit lm train --resume --out $out" "$out.log" && ok \
    || bad "SIG$sig: no advice: $(tail -3 "$out.log")"
  "$RNNKIT" lm train --resume --out "$out" 2>"$out.resume.log" >/dev/null && ok \
    || bad "resume after SIG$sig: $(cat "$out.resume.log")"
  [ "$(fingerprint "$out/model.safetensors")" = "$want" ] && ok \
    || bad "SIG$sig then --resume differs from an uninterrupted run"
done

# kill -9 at several points: each time the run directory loads and resumes,
# and the end is the uninterrupted run's.
out="$work/killed"
"$RNNKIT" "${run[@]}" --out "$out" --save-every 7 --log-interval 0.05 2>/dev/null >/dev/null &
pid=$!
wait_for "$out/checkpoint.safetensors" || bad "no checkpoint before the first kill"
kill -9 "$pid"
wait "$pid" 2>/dev/null
for point in 1 2; do
  "$RNNKIT" lm train --resume --out "$out" --save-every 7 --log-interval 0.05 2>"$out.$point.log" >/dev/null &
  pid=$!
  # Killed once it has written $point more checkpoints: mid-epoch, at a different batch each time.
  before=$(stat -c %Y.%i "$out/checkpoint.safetensors")
  for _ in $(seq 1 $((point * 2))); do
    for _ in $(seq 1 600); do
      now=$(stat -c %Y.%i "$out/checkpoint.safetensors" 2>/dev/null)
      [ "$now" != "$before" ] && break
      sleep 0.02
    done
    before=$now
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  "$RNNKIT" lm eval --model "$out/checkpoint.safetensors" --data "$work/valid.txt" >/dev/null 2>&1 \
    && ok || bad "kill -9 ($point) left a checkpoint that does not load"
done
"$RNNKIT" lm train --resume --out "$out" 2>"$out.end.log" >/dev/null && ok \
  || bad "resume after kill -9: $(cat "$out.end.log")"
[ "$(fingerprint "$out/model.safetensors")" = "$want" ] && ok || bad "kill -9 then --resume differs"
ls "$out" | grep -q '\.tmp\.' && bad "temporary files left after kill -9" || ok

# Killed before its first checkpoint: --resume says to start again, and a new run may.
out="$work/early"
mkdir -p "$out"
echo "This run has no checkpoint yet" >"$out/INCOMPLETE"
expect_error "before its first checkpoint" "$RNNKIT" lm train --resume --out "$out"
"$RNNKIT" "${data[@]}" --out "$out" --epochs 1 2>/dev/null >/dev/null && ok || bad "restart an incomplete run"

# Divergence: an infinite or NaN loss stops with advice and a non-zero exit.
expect_error "try a lower --lr" "$RNNKIT" "${data[@]}" --epochs 3 --out "$work/diverged" --lr 1000 --clip 0
[ ! -e "$work/diverged/model.safetensors" ] && ok || bad "a diverged run saved a model"

# Eval commands: the result on stdout, logs on stderr.
"$RNNKIT" lm eval --model "$work/straight/model.safetensors" --data "$work/valid.txt" >"$work/eval.txt" 2>/dev/null
grep -q "perplexity" "$work/eval.txt" && ok || bad "lm eval printed nothing on stdout"
"$RNNKIT" ngram train --train "$work/train.txt" --out "$work/kn" --order 3 2>/dev/null >/dev/null
"$RNNKIT" ngram eval --model "$work/kn/model.arpa" --data "$work/valid.txt" >"$work/ngram.txt" 2>/dev/null
grep -q "perplexity" "$work/ngram.txt" && ok || bad "ngram eval printed nothing on stdout"
[ -f "$work/kn/config.json" ] && [ -f "$work/kn/results.json" ] && ok || bad "ngram train wrote no run directory"
expect_status 1 "holds a run already: replace it with --overwrite" "$RNNKIT" ngram train --train "$work/train.txt" --out "$work/kn"
expect_error "holds a lm run, not a seq2seq one" "$RNNKIT" seq2seq train --resume --out "$work/straight"
"$RNNKIT" lm eval --model "$work/straight" --data "$work/valid.txt" 2>&1 >/dev/null | grep -q "using $work/straight/model.safetensors" \
  && ok || bad "a run directory as --model"
expect_error "is a directory" "$RNNKIT" lm train --train "$work" --out "$work/dir_as_file"

finish
