#!/usr/bin/env bash
# Usage errors: unknown commands and options are named with the closest known
# one; documented exit statuses (0 success, 1 runtime error, 2 usage error).
set -u
RNNKIT=${1:?usage: test_usage_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

expect_status 2 "unknown option --trian for 'rnnkit lm train'; did you mean --train?" \
  "$RNNKIT" lm train --trian x --out "$work/r"
expect_status 2 "unknown command 'foo' for 'rnnkit'" "$RNNKIT" foo
expect_status 2 "unknown command 'trian' for 'rnnkit lm'; did you mean 'train'?" "$RNNKIT" lm trian
expect_status 2 "'rnnkit lm' needs a command: train, eval, generate" "$RNNKIT" lm
expect_status 2 "'rnnkit' needs a command" "$RNNKIT"
expect_status 2 "did you mean --model?" "$RNNKIT" embed similar --mdoel x apple
expect_status 2 "--epochs" "$RNNKIT" lm train --train x --epochs abc
expect_status 1 "cannot open" "$RNNKIT" lm eval --model "$work/none.safetensors" --data "$work/none.txt"
expect_status 2 "--epochs is given twice" "$RNNKIT" lm train --train x --epochs 2 --epochs 3
if [ -w /dev/full ]; then
  "$RNNKIT" info --json >/dev/full 2>"$work/full.err"
  [ $? -eq 1 ] && grep -q "cannot write to standard output" "$work/full.err" && ok \
    || bad "a result that cannot be written: $(cat "$work/full.err")"
fi
# Bad input: each mistake named, nothing left behind.
for i in $(seq 1 100); do echo "the cat sat on the mat with a dog"; done >"$work/train.txt"
printf 'one\tuno\textra\n' >"$work/three.tsv"
expect_status 1 "line 1 has 3 TAB-separated fields" "$RNNKIT" seq2seq train --data "$work/three.tsv" --out "$work/s"
printf 'the cat \xe3\x81' >"$work/cut.txt"
expect_status 1 "truncated UTF-8 sequence at the end of the file" "$RNNKIT" lm train --train "$work/cut.txt" --out "$work/c"
expect_status 1 "is a directory" "$RNNKIT" lm train --train "$work" --out "$work/d"
expect_status 1 "too few to learn from" "$RNNKIT" lm train --train "$work/train.txt" --min-count 1000 --out "$work/few"
for i in $(seq 1 60); do printf 'the cat sat %d\tle chat %d\n' $((i % 7)) $((i % 7)); done >"$work/pairs.tsv"
expect_status 1 "pairs.tsv (source): the vocabulary keeps 3 units (--min-count 50" \
  "$RNNKIT" seq2seq train --data "$work/pairs.tsv" --unit word --min-count 50 --out "$work/few2"
# Resuming on text of another language: trained on, with a warning in the log and results.json.
"$RNNKIT" seq2seq train --data "$work/pairs.tsv" --unit word --epochs 1 --hidden 8 --emb 8 --threads 1 \
  --out "$work/s2" >/dev/null 2>&1
sed 's/the cat sat/ねこ が いる/' "$work/pairs.tsv" >"$work/ja.tsv"
"$RNNKIT" seq2seq train --data "$work/ja.tsv" --epochs 2 --out "$work/s2" --resume >/dev/null 2>"$work/s2.err"
grep -q "75.0% of the training text .*ja.tsv (source) is outside the run's vocabulary" "$work/s2.err" \
  && grep -q "outside the run's vocabulary" "$work/s2/results.json" && ok \
  || bad "resume on another language: no warning: $(cat "$work/s2.err")"
[ ! -e "$work/s" ] && [ ! -e "$work/c" ] && [ ! -e "$work/few" ] && [ ! -e "$work/few2" ] && ok \
  || bad "a failed run left a directory"
expect_status 1 "is a device, not a file" "$RNNKIT" lm train --train /dev/zero --out "$work/z"
printf '2 3\napple 1 2 3\npear 4 5 6\n' >"$work/vectors.txt"
expect_status 1 "looks like word2vec vectors" "$RNNKIT" lm eval --model "$work/vectors.txt" --data "$work/train.txt"
expect_status 1 "it is a text file, not a model" "$RNNKIT" seq2seq translate --model "$work/train.txt"
# gzip input reads as plain text, in every command that reads text.
gzip -c "$work/train.txt" >"$work/train.txt.gz"
"$RNNKIT" lm train --train "$work/train.txt.gz" --out "$work/gz" --hidden 8 --emb 8 --epochs 1 --threads 1 \
  2>/dev/null && ok || bad "lm train from a .gz file"
"$RNNKIT" ngram train --train "$work/train.txt.gz" --out "$work/kn" --order 2 2>/dev/null && ok || bad "ngram train from .gz"
# Out-of-vocabulary text is reported and warned about.
tr a-z A-Z <"$work/train.txt" >"$work/upper.txt"
"$RNNKIT" lm eval --model "$work/gz" --data "$work/upper.txt" >"$work/eval.out" 2>"$work/eval.err"
grep -q "out of the model's vocabulary" "$work/eval.err" && grep -q "out of the vocabulary" "$work/eval.out" \
  && ok || bad "lm eval on unknown words: $(cat "$work/eval.out" "$work/eval.err")"
"$RNNKIT" ngram eval --model "$work/kn" --data "$work/upper.txt" --json 2>/dev/null | grep -q '"oov_rate":1.0' \
  && ok || bad "ngram eval counts words scored as <unk>"
"$RNNKIT" lm train --help >/dev/null && ok || bad "--help exits 0"
"$RNNKIT" --version | grep -q '^rnnkit ' && ok || bad "--version"

finish
