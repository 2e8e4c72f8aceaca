#!/usr/bin/env bash
# rnnkit data and rnnkit seq2seq: generated data, presets and their overrides,
# train -> eval -> translate, and clear errors for bad input.
set -u
RNNKIT=${1:?usage: test_seq2seq_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

"$RNNKIT" data addition --n 600 --seed 3 --out "$work/add.tsv" && ok || bad "data addition"
[ "$(wc -l <"$work/add.tsv")" -eq 600 ] && ok || bad "600 addition pairs"
awk -F'\t' '{split($1, x, "+"); if (x[1] + x[2] != $2) exit 1}' "$work/add.tsv" && ok || bad "sums are right"
"$RNNKIT" data dates --n 50 --seed 3 | grep -qE $'\t[0-9]{4}-[0-9]{2}-[0-9]{2}$' && ok || bad "data dates"
cmp -s <("$RNNKIT" data addition --n 20 --seed 9) <("$RNNKIT" data addition --n 20 --seed 9) && ok || bad "seeded data repeats"

quick=(--epochs 1 --max-batches 2 --hidden 16 --threads 1)
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset addition-peeky "${quick[@]}" --out "$work/peeky" --json \
  >"$work/peeky.json" 2>/dev/null && ok || bad "train addition-peeky"
grep -q '"test_accuracy"' "$work/peeky.json" && grep -q '"bleu"' "$work/peeky.json" && ok || bad "json headline"
grep -q '"peeky": true' "$work/peeky/config.json" && grep -q '"reverse_source": true' "$work/peeky/config.json" \
  && ok || bad "preset addition-peeky sets peeky and reverse"
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset addition-peeky --no-peeky --no-reverse "${quick[@]}" \
  --out "$work/plain" 2>/dev/null && ok || bad "train with overrides"
grep -q '"peeky": false' "$work/plain/config.json" && grep -q '"reverse_source": false' "$work/plain/config.json" \
  && ok || bad "--no-peeky --no-reverse override the preset"
for f in model.safetensors metrics.jsonl learning_curve.svg config.json; do
  [ -s "$work/peeky/$f" ] && ok || bad "run directory lacks $f"
done
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset addition-peeky --epochs 2 --max-batches 2 --threads 1 --resume \
  --out "$work/peeky" --json 2>"$work/resume.err" | grep -q '"epochs":2' && ok || bad "--resume trains the second epoch"
grep -q "resuming after epoch 1" "$work/resume.err" && ok || bad "--resume says where it resumes"
[ "$(wc -l <"$work/peeky/metrics.jsonl")" -eq 2 ] && ok || bad "a resumed run appends to metrics.jsonl"
expect_error "no checkpoint to resume from" "$RNNKIT" seq2seq train --data "$work/add.tsv" --resume --out "$work/fresh"
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset date-attention "${quick[@]}" --out "$work/att" 2>/dev/null \
  && ok || bad "train with attention"
grep -q "<svg" "$work/att/attention.svg" && grep -q "<svg" "$work/att/attention.html" && ok || bad "attention heat maps"

"$RNNKIT" seq2seq eval --model "$work/att/model.safetensors" --data "$work/add.tsv" --limit 50 --beam 3 --threads 1 --device cpu --json \
  2>/dev/null | grep -q '"bleu"' && ok || bad "eval"
printf '12+34\n5+6\n' >"$work/in.txt"
[ "$("$RNNKIT" seq2seq translate --model "$work/att/model.safetensors" --input "$work/in.txt" --threads 1 2>/dev/null | wc -l)" -eq 2 ] \
  && ok || bad "translate a file"
[ "$(printf '1+1\n' | "$RNNKIT" seq2seq translate --model "$work/att/model.safetensors" --beam 3 --nbest 3 2>/dev/null | wc -l)" -eq 3 ] \
  && ok || bad "translate stdin, 3-best"
"$RNNKIT" seq2seq translate --model "$work/att/model.safetensors" --input "$work/in.txt" \
  --attention-html "$work/a.html" >/dev/null 2>&1 && grep -q "<svg" "$work/a.html" && ok || bad "translate --attention-html"
printf '1+1\n2+2\n' | "$RNNKIT" seq2seq translate --model "$work/att" --beam 3 --nbest 2 --output "$work/nbest.txt" \
  2>/dev/null && grep -qE '^1 \|\|\| .* \|\|\| -?[0-9.]+$' "$work/nbest.txt" && [ "$(wc -l <"$work/nbest.txt")" -eq 4 ] \
  && ok || bad "n-best lists as 'id ||| output ||| score' in --output: $(cat "$work/nbest.txt")"
# --json: the same outputs as the n-best lines, one object per input line.
j=$(printf '1+1\n2+2\n' | "$RNNKIT" seq2seq translate --model "$work/att" --beam 3 --nbest 2 --json 2>/dev/null)
best=$(sed -n '3s/^1 ||| \(.*\) ||| .*/\1/p' "$work/nbest.txt")
[ "$(wc -l <<<"$j")" -eq 2 ] && [[ "$(sed -n 2p <<<"$j")" == '{"id":1,"source":"2+2","outputs":[{"text":"'"$best"'","score":'* ]] \
  && ok || bad "translate --json: $j (n-best: $best)"
printf '%0600d\n' 1 | "$RNNKIT" seq2seq translate --model "$work/att" 2>&1 >/dev/null \
  | grep -q "1 input longer than 400 units cut" && ok || bad "an over-long input is cut, and said so"
out=$("$RNNKIT" seq2seq translate --model "$work/att" --input "$work/in.txt" --attention-html "$work/none/a.html" 2>&1)
[ $? -ne 0 ] && grep -q "does not exist" <<<"$out" && ! grep -q "^[0-9]" <<<"$out" && ok \
  || bad "an unwritable --attention-html is found before translating: $out"

# SentencePiece units: models trained per side, kept in the model file.
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset date-attention --unit subword --subword-vocab 24 "${quick[@]}" \
  --out "$work/spm" 2>/dev/null && ok || bad "train with subword units"
[ "$("$RNNKIT" seq2seq translate --model "$work/spm/model.safetensors" --input "$work/in.txt" 2>/dev/null | wc -l)" -eq 2 ] \
  && ok || bad "translate with subword units"
"$RNNKIT" seq2seq eval --model "$work/spm/model.safetensors" --data "$work/add.tsv" --limit 20 --json 2>/dev/null \
  | grep -q '"bleu"' && ok || bad "eval with subword units"
expect_error "cannot open" "$RNNKIT" seq2seq train --data "$work/add.tsv" --unit subword \
  --subword-models "$work/none.model,$work/none.model" --out "$work/x6"
expect_error "not a SentencePiece model" "$RNNKIT" seq2seq train --data "$work/add.tsv" --unit subword \
  --subword-models "$work/in.txt,$work/in.txt" --out "$work/x7"

# Bad input.
printf 'no tab here\n' >"$work/notab.tsv"
expect_error "line 1 has no 'TAB'" "$RNNKIT" seq2seq train --data "$work/notab.tsv" --out "$work/x1"
expect_error "cannot open" "$RNNKIT" seq2seq train --data "$work/missing.tsv" --out "$work/x2"
printf 'a\tb\n\xfe\tc\n' >"$work/latin1.tsv"
expect_error "invalid UTF-8" "$RNNKIT" seq2seq train --data "$work/latin1.tsv" --out "$work/x3"
expect_error "plateau schedule needs --valid" "$RNNKIT" seq2seq train --data "$work/add.tsv" --schedule plateau --out "$work/x6"
expect_error "cannot open" "$RNNKIT" seq2seq train --train "$work/add.tsv" --test "$work/add.tsv" --valid "$work/missing.tsv" \
  --out "$work/x7"
expect_error "unknown preset" "$RNNKIT" seq2seq train --data "$work/add.tsv" --preset nope --out "$work/x4"
expect_error "unknown attention" "$RNNKIT" seq2seq train --data "$work/add.tsv" --attention bahdanau --out "$work/x5"
expect_error "not a safetensors file" "$RNNKIT" seq2seq translate --model "$work/add.tsv" --input "$work/in.txt"
expect_error "not aligned" "$RNNKIT" seq2seq eval --model "$work/att/model.safetensors" --data "$work/in.txt,$work/add.tsv"
[ ! -e "$work/x1" ] && [ ! -e "$work/x4" ] && [ ! -e "$work/x6" ] && ok || bad "a failed run leaves no run directory"
finish
