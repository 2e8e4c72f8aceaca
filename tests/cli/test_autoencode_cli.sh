#!/usr/bin/env bash
# rnnkit autoencode train | eval | encode as a user meets them: a sentence
# autoencoder learns to copy, eval reports by length and under perturbation,
# encode writes vectors and finds nearest sentences, Japanese MeCab words,
# clear errors.
set -u
RNNKIT=${1:?usage: test_autoencode_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

awk 'BEGIN { srand(3); for (i = 0; i < 2000; i++) { n = 3 + int(rand() * 4); s = "";
  for (k = 0; k < n; k++) s = s (k ? " " : "") sprintf("%c", 97 + int(rand() * 8)); print s } }' >"$work/train.txt"
head -100 "$work/train.txt" >"$work/test.txt"
small=(--emb 16 --hidden 64 --reverse --lr 0.005 --threads 1)

"$RNNKIT" autoencode train --train "$work/train.txt" --test "$work/test.txt" --epochs 6 --out "$work/run" \
  "${small[@]}" --json >"$work/train.json" 2>"$work/train.err" && ok || bad "autoencode train: $(tail -3 "$work/train.err")"
grep -q "reversed input, no attention" "$work/train.err" && ok || bad "the log describes the autoencoder: $(grep model: "$work/train.err")"
grep -q '"family": "autoencode"' "$work/run/config.json" && ok || bad "config.json says autoencode"
acc=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["test_accuracy"])' "$work/train.json")
python3 -c "import sys; sys.exit(0 if $acc >= 0.8 else 1)" && ok || bad "exact match $acc below 0.8"

out=$("$RNNKIT" autoencode eval --model "$work/run" --data "$work/test.txt" --json 2>"$work/eval.err")
grep -q '"forced_token_accuracy"' <<<"$out" && grep -q '"by_length":\[{' <<<"$out" && ok || bad "eval figures: $out"
grep -q "3-5\|1-5" "$work/eval.err" && ok || bad "eval prints a table by length: $(cat "$work/eval.err")"
clean=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exact_match"])' "$out")
out=$("$RNNKIT" autoencode eval --model "$work/run" --data "$work/test.txt" --perturb drop --json 2>/dev/null)
dropped=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exact_match"])' "$out")
python3 -c "import sys; sys.exit(0 if $dropped < $clean else 1)" && ok || bad "a dropped unit lowers exact match ($dropped vs $clean)"

"$RNNKIT" autoencode encode --model "$work/run" --input "$work/test.txt" --output "$work/codes.txt" 2>/dev/null \
  && [ "$(wc -l <"$work/codes.txt")" -eq 100 ] && [ "$(head -1 "$work/codes.txt" | wc -w)" -eq 64 ] \
  && ok || bad "encode writes 100 vectors of 64"
"$RNNKIT" autoencode encode --model "$work/run" --input "$work/test.txt" --output "$work/codes.safetensors" 2>/dev/null \
  && ok || bad "encode to safetensors"
out=$(head -1 "$work/test.txt" | "$RNNKIT" autoencode encode --model "$work/run" --nearest 2 --corpus "$work/train.txt" 2>/dev/null)
first=$(head -1 "$work/test.txt")
[ "$(sed -n 2p <<<"$out" | cut -f2)" = "$first" ] && ok || bad "a sentence's nearest is itself: $out"

# SA-LSTM: the autoencoder's encoder and vocabulary start a classifier.
awk '{ print (index($0, "a") ? "__label__a " : "__label__other ") $0 }' "$work/train.txt" >"$work/labeled.txt"
"$RNNKIT" classify train --train "$work/labeled.txt" --test "$work/labeled.txt" --init-from "$work/run" \
  --unidirectional --emb 16 --hidden 64 --epochs 1 --threads 1 --out "$work/sa" 2>"$work/sa.err" \
  && grep -q "encoder from .*run/model.safetensors (5 tensors, unidirectional lstm, emb 16, hidden 64, 1 layer)" "$work/sa.err" \
  && ok || bad "classify --init-from an autoencoder: $(grep -i 'model:\|error' "$work/sa.err")"

# The decoder may predict fewer units than the encoder reads (SA-LSTM on a large vocabulary).
"$RNNKIT" autoencode train --train "$work/train.txt" --test "$work/test.txt" --epochs 1 --out "$work/small_target" \
  --max-target-vocab 7 "${small[@]}" 2>"$work/small_target.err" \
  && grep -q "vocabulary 10 words (7 predicted)" "$work/small_target.err" \
  && ok || bad "--max-target-vocab: $(grep 'data:\|rror' "$work/small_target.err")"

expect_error "(--min-count 1, --max-target-vocab 4): too few" "$RNNKIT" autoencode train --train "$work/train.txt" \
  --test "$work/test.txt" --max-target-vocab 4 --out "$work/too_small" "${small[@]}"

# A translation model is not an autoencoder.
paste "$work/train.txt" "$work/train.txt" >"$work/pairs.tsv"
"$RNNKIT" seq2seq train --data "$work/pairs.tsv" --preset addition-baseline --unit word --epochs 1 --hidden 16 \
  --threads 1 --out "$work/s2s" >/dev/null 2>&1 && ok || bad "seq2seq train for the refusal"

# Japanese MeCab words.
for i in $(seq 1 50); do echo "吾輩は猫である。"; echo "名前はまだ無い。"; done >"$work/ja.txt"
"$RNNKIT" autoencode train --train "$work/ja.txt" --test "$work/ja.txt" --unit mecab --epochs 3 --out "$work/ja" \
  "${small[@]}" 2>"$work/ja.err" && grep -q "MeCab words" "$work/ja.err" && ok || bad "autoencode --unit mecab: $(tail -2 "$work/ja.err")"

expect_error "unknown --perturb 'shuffle'" "$RNNKIT" autoencode eval --model "$work/run" --data "$work/test.txt" --perturb shuffle
expect_error "an encoder-decoder, not an autoencoder" "$RNNKIT" autoencode eval --model "$work/s2s" --data "$work/test.txt"
expect_error "--nearest must be at least 1" "$RNNKIT" autoencode encode --model "$work/run" --nearest 0 --corpus "$work/train.txt"
expect_error "--nearest K and --corpus F go together" "$RNNKIT" autoencode encode --model "$work/run" --nearest 3 --output "$work/x.txt"
expect_error "missing.txt" "$RNNKIT" autoencode train --train "$work/missing.txt" --test "$work/test.txt" --out "$work/bad"
expect_error "preset 'enja' is for seq2seq train" "$RNNKIT" autoencode train --train "$work/train.txt" --test "$work/test.txt" --preset enja --out "$work/bad"
finish
