#!/usr/bin/env bash
# Text units across the families: MeCab words and SentencePiece subwords in
# lm, embed and seq2seq; the model file keeps its units, so eval and generate
# segment as training did; clear errors for units and their settings.
set -u
RNNKIT=${1:?usage: test_units_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# Japanese without spaces (Natsume Soseki, "I Am a Cat", public domain).
sentences=("吾輩は猫である。" "名前はまだ無い。" "どこで生れたかとんと見当がつかぬ。"
  "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
  "吾輩はここで始めて人間というものを見た。")
for i in $(seq 1 200); do echo "${sentences[$((i % 5))]}"; done >"$work/ja.txt"
head -10 "$work/ja.txt" >"$work/ja_valid.txt"
lm=(--preset small --hidden 16 --emb 16 --layers 1 --steps 8 --batch 4 --epochs 1 --threads 1)

# lm: MeCab words. The vocabulary is IPAdic's 38 words in these sentences, <eos> and <unk>
# (whole lines would give 7, characters 52).
"$RNNKIT" lm train --train "$work/ja.txt" --valid "$work/ja_valid.txt" --unit mecab --out "$work/lm_mecab" "${lm[@]}" \
  2>"$work/lm_mecab.err" && ok || bad "lm train --unit mecab: $(tail -3 "$work/lm_mecab.err")"
grep -q "vocabulary 40;" "$work/lm_mecab.err" && ok || bad "a MeCab vocabulary of 40: $(grep vocabulary "$work/lm_mecab.err")"
out=$("$RNNKIT" lm eval --model "$work/lm_mecab" --data "$work/ja_valid.txt" --json 2>/dev/null)
grep -q '"oov":0,' <<<"$out" && ok || bad "lm eval segments as training did: $out"
gen=$("$RNNKIT" lm generate --model "$work/lm_mecab" --prompt "吾輩は" --length 5 --seed 1 2>/dev/null)
[[ "$gen" == 吾輩は* ]] && ! grep -q " " <<<"$gen" && ok || bad "MeCab words are generated without spaces: $gen"

# lm: SentencePiece subwords, trained on the training text and kept in the model file.
for i in $(seq 1 100); do echo "the lower newest widest lowest wider"; done >"$work/en.txt"
"$RNNKIT" lm train --train "$work/en.txt" --unit subword --subword-vocab 20 --out "$work/lm_sub" "${lm[@]}" \
  2>"$work/lm_sub.err" && ok || bad "lm train --unit subword: $(tail -3 "$work/lm_sub.err")"
out=$("$RNNKIT" lm eval --model "$work/lm_sub" --data "$work/en.txt" --json 2>/dev/null)
grep -q '"oov":0,' <<<"$out" && ok || bad "subword lm eval: $out"
gen=$("$RNNKIT" lm generate --model "$work/lm_sub" --prompt "the" --length 8 --seed 1 2>/dev/null)
grep -q "▁" <<<"$gen" && bad "pieces joined back into words: $gen" || ok

# Unit settings that do not fit are errors before any training.
expect_error "cannot load MeCab dictionary '$work/nodic'" \
  "$RNNKIT" lm train --train "$work/ja.txt" --unit mecab --mecab-dict "$work/nodic" --out "$work/lm_bad" "${lm[@]}"
[ ! -e "$work/lm_bad" ] && ok || bad "a failed start left a run directory"
expect_error "--mecab-dict is for --unit mecab" \
  "$RNNKIT" lm train --train "$work/ja.txt" --unit char --mecab-dict "$work/nodic" --out "$work/lm_bad" "${lm[@]}"
expect_error "unknown unit 'kanji'" "$RNNKIT" lm train --train "$work/ja.txt" --unit kanji --out "$work/lm_bad" "${lm[@]}"
expect_error "missing.model: cannot open" \
  "$RNNKIT" lm train --train "$work/en.txt" --unit subword --subword-model "$work/missing.model" --out "$work/lm_bad" "${lm[@]}"

# embed: vectors of MeCab words, and of characters.
w2v=(--dim 8 --window 2 --negative 2 --sample 0 --min-count 1 --epochs 2 --threads 1 --format txt)
"$RNNKIT" embed train --train "$work/ja.txt" --unit mecab --out "$work/v_mecab" "${w2v[@]}" 2>/dev/null && ok || bad "embed --unit mecab"
grep -q "^猫 " "$work/v_mecab/vectors.txt" && ! grep -q "^吾輩は猫である。 " "$work/v_mecab/vectors.txt" \
  && ok || bad "embed --unit mecab holds MeCab words"
"$RNNKIT" embed similar --model "$work/v_mecab/vectors.txt" 猫 --top 2 >/dev/null 2>&1 && ok || bad "embed similar on MeCab words"
"$RNNKIT" embed train --train "$work/ja.txt" --unit char --out "$work/v_char" "${w2v[@]}" 2>/dev/null \
  && grep -q "^猫 " "$work/v_char/vectors.txt" && [ "$(head -1 "$work/v_char/vectors.txt" | cut -d' ' -f1)" -gt 40 ] \
  && ok || bad "embed --unit char"
grep -q '"unit": "mecab"' "$work/v_mecab/config.json" && ok || bad "config.json records the unit"
expect_error "needs --subword-model" "$RNNKIT" embed train --train - --unit subword --out "$work/v_bad" "${w2v[@]}" <"$work/en.txt"

# seq2seq: English words to MeCab words; translate and eval segment as training did.
for i in $(seq 1 60); do
  case $((i % 3)) in
    0) printf 'i am a cat .\t吾輩は猫である。\n' ;;
    1) printf 'no name yet .\t名前はまだ無い。\n' ;;
    2) printf 'i saw a man .\t吾輩は人間を見た。\n' ;;
  esac
done >"$work/enja.tsv"
"$RNNKIT" seq2seq train --data "$work/enja.tsv" --unit mecab --epochs 1 --max-batches 2 --hidden 16 --threads 1 \
  --out "$work/s2s" 2>"$work/s2s.err" && ok || bad "seq2seq train --unit mecab: $(tail -3 "$work/s2s.err")"
echo "i am a cat ." | "$RNNKIT" seq2seq translate --model "$work/s2s" >/dev/null 2>&1 && ok || bad "seq2seq translate (mecab)"

finish
