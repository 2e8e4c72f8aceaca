#!/usr/bin/env bash
# CLI behaviour: bad input gets one clear error and a non-zero exit, and leaves
# no half-written output; a tiny run writes its run directory; eval, generate
# and resume work end to end.
set -u
RNNKIT=${1:?usage: test_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

three_sentences 300 >"$work/train.txt"
head -30 "$work/train.txt" >"$work/valid.txt"
: >"$work/empty.txt"
printf 'good line\nbad \xff byte\n' >"$work/latin1.txt"

# cuBLAS is loaded only by GPU runs: the binary does not link it.
ldd "$RNNKIT" | grep -q libcublas && bad "the binary links cuBLAS" || ok

tiny=(--preset small --hidden 16 --emb 16 --layers 1 --steps 8 --threads 1 --batch 4)

# Bad corpora.
expect_error "missing.txt: cannot open" "$RNNKIT" lm train --train "$work/missing.txt" --out "$work/r0" "${tiny[@]}"
expect_error "empty.txt: the file is empty" "$RNNKIT" lm train --train "$work/empty.txt" --out "$work/r0" "${tiny[@]}"
expect_error "invalid UTF-8 at byte offset 14 (line 2)" "$RNNKIT" lm train --train "$work/latin1.txt" --out "$work/r0" "${tiny[@]}"
expect_error "invalid UTF-8" "$RNNKIT" lm train --train "$work/train.txt" --valid "$work/latin1.txt" --out "$work/r0" "${tiny[@]}"
[ -e "$work/r0/model.safetensors" ] && bad "a failed run left a model behind" || ok
expect_error "unknown preset" "$RNNKIT" lm train --train "$work/train.txt" --preset huge --out "$work/r0"
expect_error "unknown cell type" "$RNNKIT" lm train --train "$work/train.txt" --out "$work/r0" "${tiny[@]}" --cell xyz
expect_error "too few" "$RNNKIT" lm train --train "$work/valid.txt" --out "$work/r0" "${tiny[@]:0:10}" --batch 500
expect_error "no checkpoint to resume" "$RNNKIT" lm train --train "$work/train.txt" --out "$work/none" "${tiny[@]}" --resume
expect_error "became" "$RNNKIT" lm train --train "$work/train.txt" --out "$work/r_nan" "${tiny[@]}" --lr 1e30 --clip 0 --epochs 1

# A real tiny run.
if out=$("$RNNKIT" lm train --train "$work/train.txt" --valid "$work/valid.txt" --test "$work/valid.txt" \
    --out "$work/run" "${tiny[@]}" --epochs 3 --lr 0.5 --json 2>"$work/train.log"); then
  ok
else
  bad "training failed: $(cat "$work/train.log")"
fi
last=$(tail -n 1 <<<"$out")
for key in train_ppl valid_ppl test_ppl train_tokens_per_s eval_tokens_per_s peak_rss_mb wall_s; do
  grep -q "\"$key\":" <<<"$last" && ok || bad "--json lacks $key: $last"
done
for f in config.json metrics.jsonl learning_curve.svg model.safetensors checkpoint.safetensors; do
  [ -s "$work/run/$f" ] && ok || bad "run directory lacks $f"
done
[ "$(wc -l <"$work/run/metrics.jsonl")" -eq 3 ] && ok || bad "metrics.jsonl should have 3 epochs"
grep -q "Ep. 3/3" "$work/train.log" && ok || bad "no progress line in the log"
ls "$work/run" | grep -q tmp && bad "temporary files left in the run directory" || ok

# A time budget cuts the epoch and says so; embedding dropout trains; bad values are refused.
if out=$("$RNNKIT" lm train --train "$work/train.txt" --valid "$work/valid.txt" --out "$work/budget" "${tiny[@]}" \
    --epochs 50 --time-budget 0.000001 --embedding-dropout 0.2 --json 2>"$work/budget.log"); then
  ok
else
  bad "budgeted training failed: $(cat "$work/budget.log")"
fi
grep -q "time budget of 0 s spent: epoch 1 ends after 1 of" "$work/budget.log" && ok || bad "no budget message: $(cat "$work/budget.log")"
grep -q '"epochs":1,' <<<"$(tail -n 1 <<<"$out")" && ok || bad "budgeted run did not stop after epoch 1: $out"
grep -q '"embedding_dropout": 0.2' "$work/budget/config.json" && ok || bad "config.json lacks the embedding dropout"
expect_error "time budget must not be negative" "$RNNKIT" lm train --train "$work/train.txt" --out "$work/r0" "${tiny[@]}" --time-budget -5
expect_error "embedding dropout 1 outside" "$RNNKIT" lm train --train "$work/train.txt" --out "$work/r0" "${tiny[@]}" --embedding-dropout 1

# Eval and generate.
eval_out=$("$RNNKIT" lm eval --model "$work/run/model.safetensors" --data "$work/valid.txt" --json 2>/dev/null) \
  && ok || bad "eval failed"
python_ppl=$(sed -n 's/.*"ppl":\([0-9.e+-]*\).*/\1/p' <<<"$eval_out")
test_ppl=$(sed -n 's/.*"test_ppl":\([0-9.e+-]*\).*/\1/p' <<<"$last")
awk -v a="$python_ppl" -v b="$test_ppl" 'BEGIN { exit !(a - b < 1e-6 * b && b - a < 1e-6 * b) }' \
  && ok || bad "eval ppl $python_ppl differs from training's test ppl $test_ppl"
g1=$("$RNNKIT" lm generate --model "$work/run/model.safetensors" --prompt "the cat" --length 12 --seed 3 --top-k 5)
g2=$("$RNNKIT" lm generate --model "$work/run/model.safetensors" --prompt "the cat" --length 12 --seed 3 --top-k 5)
[ -n "$g1" ] && [ "$g1" = "$g2" ] && ok || bad "generation not reproducible: '$g1' vs '$g2'"
grep -q "^the cat" <<<"$g1" && ok || bad "generation does not start with the prompt: $g1"
gj=$("$RNNKIT" lm generate --model "$work/run/model.safetensors" --prompt "the cat" --length 12 --seed 3 --top-k 5 --json)
w3=$(head -1 <<<"$g1" | cut -d' ' -f3)
[[ "$gj" == '{"prompt":"the cat","text":" '"$w3"* ]] && [[ "$gj" == *'"tokens":12}' ]] && ok \
  || bad "generate --json: $gj (text: $g1)"
g3=$("$RNNKIT" lm generate --model "$work/run/model.safetensors" --prompt "zebra" --length 200 --seed 4 --no-unk)
grep -q "<unk>" <<<"${g3#zebra}" && bad "--no-unk generated <unk>: $g3" || ok

# One score per line, as KenLM's query: log10 probabilities, one line each.
per=$("$RNNKIT" lm eval --model "$work/run" --data "$work/valid.txt" --per-line 2>/dev/null)
[ "$(wc -l <<<"$per")" -eq "$(wc -l <"$work/valid.txt")" ] && awk -F'\t' '$1 > 0 || $2 < 1 { exit 1 }' <<<"$per" \
  && ok || bad "lm eval --per-line: $(head -3 <<<"$per")"

tr a-z A-Z <"$work/valid.txt" >"$work/upper.txt"
"$RNNKIT" lm eval --model "$work/run" --data "$work/upper.txt" --per-line >/dev/null 2>"$work/upper.err"
grep -q "upper.txt is out of the model's vocabulary" "$work/upper.err" && ok \
  || bad "lm eval --per-line: no out-of-vocabulary warning: $(cat "$work/upper.err")"
j=$("$RNNKIT" lm eval --model "$work/run" --data "$work/upper.txt" --json 2>/dev/null)
grep -qE '"oov":[1-9][0-9]*,"oov_rate":0\.[5-9]' <<<"$j" && ok || bad "lm eval: no OOV count: $j"

# Bad model files.
expect_error "missing.safetensors: cannot open" "$RNNKIT" lm eval --model "$work/missing.safetensors" --data "$work/valid.txt"
head -c 100 "$work/run/model.safetensors" >"$work/trunc.safetensors"
expect_error "trunc.safetensors" "$RNNKIT" lm eval --model "$work/trunc.safetensors" --data "$work/valid.txt"
size=$(stat -c %s "$work/run/model.safetensors")
head -c $((size - 64)) "$work/run/model.safetensors" >"$work/short.safetensors"
expect_error "truncated" "$RNNKIT" lm eval --model "$work/short.safetensors" --data "$work/valid.txt"
head -c 4096 /dev/urandom >"$work/random.safetensors"
expect_error "random.safetensors" "$RNNKIT" lm generate --model "$work/random.safetensors"
cp "$work/train.txt" "$work/text.safetensors"
expect_error "text.safetensors" "$RNNKIT" lm eval --model "$work/text.safetensors" --data "$work/valid.txt"
expect_error "empty.txt: the file is empty" "$RNNKIT" lm eval --model "$work/run/model.safetensors" --data "$work/empty.txt"

# Resume: 1 epoch then resume to 3 gives the same model as 3 straight.
"$RNNKIT" lm train --train "$work/train.txt" --valid "$work/valid.txt" --out "$work/res" "${tiny[@]}" --epochs 1 --lr 0.5 2>/dev/null
"$RNNKIT" lm train --train "$work/train.txt" --valid "$work/valid.txt" --out "$work/res" "${tiny[@]}" --epochs 3 --lr 0.5 --resume 2>/dev/null
"$RNNKIT" lm train --train "$work/train.txt" --valid "$work/valid.txt" --out "$work/straight" "${tiny[@]}" --epochs 3 --lr 0.5 2>/dev/null
# Model files differ in their recorded output folder; compare what they compute.
e_res=$("$RNNKIT" lm eval --model "$work/res/model.safetensors" --data "$work/train.txt" --json 2>/dev/null)
e_straight=$("$RNNKIT" lm eval --model "$work/straight/model.safetensors" --data "$work/train.txt" --json 2>/dev/null)
[ -n "$e_res" ] && [ "${e_res%%,\"eval_tokens*}" = "${e_straight%%,\"eval_tokens*}" ] && ok \
  || bad "resumed model differs from an uninterrupted run: $e_res vs $e_straight"

# n-gram models: train writes an ARPA file that eval reads back.
"$RNNKIT" ngram train --train "$work/train.txt" --test "$work/valid.txt" --order 3 --out "$work/kn" --json \
  >"$work/kn.json" 2>/dev/null && grep -q '"test_ppl"' "$work/kn.json" && ok || bad "ngram train"
head -3 "$work/kn/model.arpa" | grep -q 'ngram 1=' && ok || bad "ngram train writes ARPA"
"$RNNKIT" ngram eval --model "$work/kn/model.arpa" --data "$work/valid.txt" --json 2>/dev/null | grep -q '"ppl"' \
  && ok || bad "ngram eval"
expect_error "not an ARPA" "$RNNKIT" ngram eval --model "$work/train.txt" --data "$work/valid.txt"
printf '\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\n0.5\tcat\n-0.5\t</s>\n\n\\end\\\n' >"$work/positive.arpa"
expect_error "above 0" "$RNNKIT" ngram eval --model "$work/positive.arpa" --data "$work/valid.txt"
expect_error "missing.txt: cannot open" "$RNNKIT" ngram train --train "$work/missing.txt" --out "$work/kn2"
expect_error "outside [1, 6]" "$RNNKIT" ngram train --train "$work/train.txt" --order 9 --out "$work/kn3"
[ ! -e "$work/kn3/model.arpa" ] && ok || bad "a failed ngram run left a model"

# rnnkit info: the environment of a bug report, as text and as JSON.
info=$("$RNNKIT" info 2>&1) && grep -q '^BLAS: OpenBLAS .*self-test passed' <<<"$info" && ok \
  || bad "rnnkit info: $info"
json=$("$RNNKIT" info --json) && grep -q '"self_test":"passed"' <<<"$json" \
  && grep -q '"openmp":{"threads":[1-9]' <<<"$json" && ok || bad "rnnkit info --json: $json"
# The user's OPENBLAS_CORETYPE is respected and said to be theirs.
OPENBLAS_CORETYPE=Haswell "$RNNKIT" info | grep -q 'core Haswell (set by OPENBLAS_CORETYPE)' && ok \
  || bad "the user's OPENBLAS_CORETYPE"
# A core rnnkit chose that computes a wrong product is replaced by the
# library's own choice, with a warning (the test asks for a wrong product).
revert=$(RNNKIT_OPENBLAS_CHOICE=rnnkit:Haswell OPENBLAS_CORETYPE=SkylakeX RNNKIT_TEST_WRONG_BLAS=1 \
  "$RNNKIT" info --json 2>"$work/revert.err")
grep -q 'self-test failed on core SkylakeX.*own choice, Haswell' "$work/revert.err" \
  && grep -q '"core":"Haswell","chosen_by":"reverted"' <<<"$revert" && ok \
  || bad "no fallback from a wrong core: $revert $(cat "$work/revert.err")"
# Every training run names its BLAS core in its header and its config.json.
grep -q '"blas_core"' "$work/run/config.json" && ok || bad "config.json lacks the BLAS core"
grep -q '^rnnkit lm train: .* threads, OpenBLAS .*, core ' "$work/train.log" && ok \
  || bad "the run header names no BLAS core: $(head -1 "$work/train.log")"

finish
