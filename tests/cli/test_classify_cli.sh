#!/usr/bin/env bash
# rnnkit classify train | eval | predict as a user meets them: every input
# format, results and the confusion matrix, top-k predictions with ids kept,
# pre-training from a language model, Japanese MeCab words, resume, and clear
# errors for bad input that leave no run behind.
set -u
RNNKIT=${1:?usage: test_classify_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# "Does w3 occur?", in fastText's format; the same as label<TAB>text.
write() {  # N SEED FILE
  awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) { len = 3 + int(rand() * 8); t = ""; y = "no";
    for (k = 0; k < len; k++) { w = int(rand() * 10); if (w == 3) y = "yes"; t = t (k ? " " : "") "w" w }
    print "__label__" y " " t } }' >"$3"
}
write 400 1 "$work/train.txt"
write 100 2 "$work/test.txt"
sed 's/^__label__\([a-z]*\) /\1\t/' "$work/test.txt" >"$work/test.tsv"
small=(--emb 16 --hidden 16 --lr 0.01 --batch 16 --threads 1)

"$RNNKIT" classify train --train "$work/train.txt" --valid "$work/test.txt" --test "$work/test.txt" \
  --epochs 6 --out "$work/run" "${small[@]}" --json >"$work/train.json" 2>"$work/train.err" \
  && ok || bad "classify train: $(tail -3 "$work/train.err")"
acc=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["test_accuracy"])' "$work/train.json")
python3 -c "import sys; sys.exit(0 if $acc >= 0.95 else 1)" && ok || bad "test accuracy $acc below 0.95"
for f in model.safetensors results.json metrics.jsonl config.json confusion.svg; do
  [ -s "$work/run/$f" ] && ok || bad "the run lacks $f"
done
grep -q '"confusion"' "$work/run/results.json" && ok || bad "results.json holds the confusion matrix"

# eval: the same figure from the TSV form of the test file; the SVG on request.
out=$("$RNNKIT" classify eval --model "$work/run" --data "$work/test.tsv" --format tsv --confusion-svg "$work/c.svg" --json 2>"$work/eval.err")
grep -q "\"accuracy\":$acc" <<<"$out" && ok || bad "eval on TSV gives the run's accuracy $acc: $out"
grep -q "precision" "$work/eval.err" && grep -q "confusion" "$work/eval.err" && ok || bad "eval prints per-label figures and the matrix"
grep -q "<svg" "$work/c.svg" && ok || bad "--confusion-svg writes an SVG"
# Without --format, eval reads as training did (fastText); a TSV then names its first bad line.
"$RNNKIT" classify eval --model "$work/run" --data "$work/test.txt" >/dev/null 2>&1 && ok || bad "eval in the model's format"
expect_error "test.tsv, line 1: no label" "$RNNKIT" classify eval --model "$work/run" --data "$work/test.tsv"

# predict: top-2 labels with probabilities, one line per input line, ids kept.
printf 'a\tw3 w1 w2\nb\tw1 w2 w4\nc\t\n' >"$work/ids.txt"
out=$("$RNNKIT" classify predict --model "$work/run" --input "$work/ids.txt" --ids -k 2 2>/dev/null)
[ "$(wc -l <<<"$out")" -eq 3 ] && ok || bad "one line per input line: $out"
grep -q "^a	__label__yes 0\.[0-9]* __label__no " <<<"$out" && ok || bad "predict keeps ids, top label yes first: $out"
grep -q "^b	__label__no " <<<"$out" && ok || bad "predict: b is no: $out"
out=$(cut -f2 "$work/ids.txt" | "$RNNKIT" classify predict --model "$work/run" --json 2>/dev/null | head -1)
grep -q '"id":"1","labels":\[{"label":"yes","probability":' <<<"$out" && ok || bad "predict --json from standard input: $out"
out=$(head -3 "$work/test.txt" | "$RNNKIT" classify predict --model "$work/run" 2>/dev/null | wc -l)
[ "$out" -eq 3 ] && ok || bad "predict skips the labels of labelled input"

# Resume: a finished run resumed to more epochs goes on from its checkpoint.
"$RNNKIT" classify train --resume --out "$work/run" --epochs 7 >/dev/null 2>"$work/resume.err" \
  && grep -q "resuming after epoch 6" "$work/resume.err" && ok || bad "resume: $(tail -2 "$work/resume.err")"

# Pre-training: an LM's encoder and vocabulary start a classifier (Dai & Le).
sed 's/^__label__[a-z]* //' "$work/train.txt" >"$work/text.txt"
"$RNNKIT" lm train --train "$work/text.txt" --preset small --emb 16 --hidden 16 --layers 1 --steps 8 --batch 4 \
  --epochs 1 --threads 1 --out "$work/lm" 2>/dev/null && ok || bad "lm train for pre-training"
"$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --init-from "$work/lm" --unidirectional \
  --layers 1 --epochs 1 --out "$work/pre" "${small[@]}" 2>"$work/pre.err" \
  && grep -q "encoder from .*lm/model.safetensors (5 tensors" "$work/pre.err" && ok || bad "--init-from an LM: $(grep -i 'model:\|error' "$work/pre.err")"
expect_error "the pre-trained encoder is unidirectional lstm, emb 16, hidden 16, 1 layer" \
  "$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --init-from "$work/lm" --out "$work/pre2" "${small[@]}"
[ ! -e "$work/pre2/model.safetensors" ] && ok || bad "a refused --init-from left a model"

# Japanese: MeCab words.
for i in $(seq 1 60); do echo "__label__cat 吾輩は猫である。"; echo "__label__dog 犬が庭を走っている。"; done >"$work/ja.txt"
"$RNNKIT" classify train --train "$work/ja.txt" --test "$work/ja.txt" --unit mecab --epochs 5 --out "$work/ja" "${small[@]}" \
  2>"$work/ja.err" && grep -q "vocabulary 15 MeCab words; random" "$work/ja.err" && ok || bad "classify --unit mecab: $(tail -2 "$work/ja.err")"
out=$(echo "猫である" | "$RNNKIT" classify predict --model "$work/ja" 2>/dev/null)
grep -q "__label__cat" <<<"$out" && ok || bad "MeCab classifier predicts cat: $out"

# Bad input: a clear error naming the file, no run left behind.
expect_error "missing.txt" "$RNNKIT" classify train --train "$work/missing.txt" --test "$work/test.txt" --out "$work/bad"
printf '__label__a text\nnot labelled\n' >"$work/nolabel.txt"
expect_error "nolabel.txt, line 2: no label" \
  "$RNNKIT" classify train --train "$work/nolabel.txt" --test "$work/test.txt" --format fasttext --out "$work/bad"
printf '\xff\xfe bad\n' >"$work/binary.txt"
expect_error "binary.txt" "$RNNKIT" classify train --train "$work/binary.txt" --test "$work/test.txt" --out "$work/bad"
: >"$work/empty.txt"
expect_error "empty.txt" "$RNNKIT" classify train --train "$work/empty.txt" --test "$work/test.txt" --out "$work/bad"
expect_error "unknown pooling 'sum'" "$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --pooling sum --out "$work/bad"
expect_error "--phrases is for sentiment trees" \
  "$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --phrases --out "$work/bad"
expect_error "no label 'maybe'" \
  "$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --class-weights maybe=2 --out "$work/bad"
printf '2 4\nw1 0.1 0.2 0.3 0.4\nw3 0.1 0.2 0.3 0.4\n' >"$work/vec4.txt"
expect_error "the vectors have 4 dimensions, the embedding 16" \
  "$RNNKIT" classify train --train "$work/train.txt" --test "$work/test.txt" --pretrained-vectors "$work/vec4.txt" --out "$work/bad" "${small[@]}"
[ ! -e "$work/bad/model.safetensors" ] && [ ! -e "$work/bad/checkpoint.safetensors" ] && ok || bad "a failed run left a model"
expect_error "format is 'rnnkit.lm', expected 'rnnkit.classifier'" "$RNNKIT" classify eval --model "$work/lm/model.safetensors" --data "$work/test.txt"
expect_error "--top must be at least 1" "$RNNKIT" classify predict --model "$work/run" --input "$work/ids.txt" -k 0
out=$(printf 'w3 w3\n' | "$RNNKIT" classify predict --model "$work/run" --output - 2>/dev/null)
grep -q "^__label__yes" <<<"$out" && [ ! -e ./- ] && ok || bad "predict --output - writes to standard output: $out"
finish
