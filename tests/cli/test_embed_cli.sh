#!/usr/bin/env bash
# rnnkit embed: training from a file and from stdin, formats, queries,
# evaluation, and clear errors for bad input.
set -u
RNNKIT=${1:?usage: test_embed_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

fruits=(apple banana cherry grape lemon mango)
tools=(engine wheel brake piston gear clutch)
for i in $(seq 1 600); do
  line=""
  for k in $(seq 1 10); do
    if [ $((i % 2)) -eq 0 ]; then line+="${fruits[$(((i * 7 + k * 3) % 6))]} "; else line+="${tools[$(((i * 5 + k) % 6))]} "; fi
  done
  echo "$line"
done >"$work/corpus.txt"
: >"$work/empty.txt"
printf 'fine words\nbad \xfe here\n' >"$work/latin1.txt"
echo "one two" >"$work/tiny.txt"

small=(--dim 16 --window 3 --negative 3 --sample 0 --min-count 1 --epochs 3 --threads 1)
"$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/v" --format txt "${small[@]}" 2>/dev/null && ok || bad "train (text)"
cp "$work/v/vectors.txt" "$work/v.txt"
"$RNNKIT" embed train --train - --out "$work/stdin" --format txt "${small[@]}" <"$work/corpus.txt" 2>/dev/null && ok || bad "train from stdin"
cmp -s "$work/v.txt" "$work/stdin/vectors.txt" && ok || bad "stdin and file give different vectors"
gzip -c "$work/corpus.txt" >"$work/corpus.txt.gz"
"$RNNKIT" embed train --train "$work/corpus.txt.gz" --out "$work/gz" --format txt "${small[@]}" 2>/dev/null && ok || bad "train from gzip"
cmp -s "$work/v.txt" "$work/gz/vectors.txt" && ok || bad "gzip and plain give different vectors"
"$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/hs" "${small[@]}" --arch cbow --loss hs 2>/dev/null && ok || bad "train cbow/hs"
"$RNNKIT" embed train --method ppmi-svd --train "$work/corpus.txt" --out "$work/svd" --format safetensors --dim 4 --min-count 1 2>/dev/null \
  && ok || bad "train ppmi-svd"

# An --out that cannot be created is found before the corpus is read.
out=$("$RNNKIT" embed train --train "$work/corpus.txt" --out /proc/rnnkit/out "${small[@]}" 2>&1)
[ $? -eq 1 ] && grep -q "/proc/rnnkit/out: cannot create the run directory" <<<"$out" \
  && ! grep -q "trained on" <<<"$out" && ok || bad "an --out in /proc: $out"
# Old and new name together: which one wins would be a guess.
expect_status 2 "--train excludes --corpus" \
  "$RNNKIT" embed train --train "$work/corpus.txt" --corpus "$work/corpus.txt" --out "$work/both"

# Old flag names still work for a release, with a warning, and give the same vectors.
"$RNNKIT" embed train --corpus "$work/corpus.txt" --out "$work/old" --format txt "${small[@]}" 2>"$work/old.err" \
  && cmp -s "$work/v.txt" "$work/old/vectors.txt" && grep -q "warning: --corpus is now --train" "$work/old.err" \
  && ok || bad "the old --corpus: $(cat "$work/old.err")"
[ "$("$RNNKIT" embed similar --vectors "$work/v.txt" apple --top 3 2>/dev/null)" = \
  "$("$RNNKIT" embed similar --model "$work/v.txt" apple --top 3 2>/dev/null)" ] && ok || bad "the old --vectors"

# The run directory: config, results and the vectors; a finished run is not overwritten.
[ -f "$work/v/config.json" ] && [ -f "$work/v/results.json" ] && ok || bad "embed train wrote no run directory"
expect_error "holds a run already" "$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/v" "${small[@]}"
"$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/v" --format txt "${small[@]}" --overwrite 2>/dev/null \
  && cmp -s "$work/v.txt" "$work/v/vectors.txt" && ok || bad "--overwrite"
expect_error "is the run directory" "$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/v.bin"
"$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/pc" --print-config | grep -q '"family": "embed"' \
  && [ ! -e "$work/pc" ] && ok || bad "embed train --print-config"

# Formats round-trip exactly.
"$RNNKIT" embed export --model "$work/v.txt" --out "$work/v.bin" 2>/dev/null && ok || bad "export bin"
"$RNNKIT" embed export --model "$work/v" --out "$work/run.txt" 2>/dev/null && [ -s "$work/run.txt" ] && ok \
  || bad "export from a run directory"
"$RNNKIT" embed export --model "$work/v.bin" --out "$work/v.safetensors" 2>/dev/null && ok || bad "export safetensors"
"$RNNKIT" embed export --model "$work/v.safetensors" --out "$work/back.txt" 2>/dev/null && ok || bad "export text"
cmp -s "$work/v.txt" "$work/back.txt" && ok || bad "text -> bin -> safetensors -> text changed the vectors"

# Queries.
near=$("$RNNKIT" embed similar --model "$work/v.bin" apple --top 3 | cut -f1)
for w in $near; do
  [[ " ${fruits[*]} " == *" $w "* ]] && ok || bad "neighbour of apple is not a fruit: $w"
done
[ "$(wc -l <<<"$near")" -eq 3 ] && ok || bad "--top 3 gave: $near"
"$RNNKIT" embed analogy --model "$work/v.txt" apple banana engine >/dev/null && ok || bad "analogy"
# Many queries, one model load: one per line of standard input.
q=$(printf 'apple\nzebra\nengine gear\n' | "$RNNKIT" embed similar --model "$work/v.txt" --top 2 2>"$work/q.err")
[ $? -eq 1 ] && [ "$(grep -c '^query: ' <<<"$q")" -eq 3 ] && grep -q "line 2: 'zebra' is not in the vocabulary" "$work/q.err" \
  && ok || bad "queries from standard input: $q $(cat "$work/q.err")"
printf 'apple banana engine\n' | "$RNNKIT" embed analogy --model "$work/v.txt" | grep -q '^query: apple banana engine' \
  && ok || bad "analogies from standard input"
# --json: one object per query, the same neighbours as the text.
j=$(printf 'apple\n' | "$RNNKIT" embed similar --model "$work/v.txt" --top 3 --json 2>/dev/null)
first=$(cut -f1 <<<"$near" | head -1)
[[ "$j" == '{"query":["apple"],"minus":[],"neighbours":[{"word":"'"$first"'","similarity":'* ]] \
  && [ "$(grep -o '"word"' <<<"$j" | wc -l)" -eq 3 ] && ok || bad "similar --json: $j"
j=$("$RNNKIT" embed analogy --model "$work/v.txt" apple banana engine --method mul --json 2>/dev/null)
[[ "$j" == '{"query":["apple","banana","engine"],"method":"mul","answers":[{"word":"'* ]] && ok \
  || bad "analogy --json: $j"
printf ': fruit\napple banana cherry grape\n' >"$work/q.txt"
printf 'apple banana 9\napple engine 1\ncherry grape 8\ngear wheel 9\nunknownword apple 3\n' >"$work/sim.txt"
out=$("$RNNKIT" embed eval --model "$work/v.txt" --analogy "$work/q.txt" --similarity "$work/sim.txt" --json 2>&1)
grep -q '"analogy_acc"' <<<"$out" && grep -q '"similarity_spearman"' <<<"$out" && ok || bad "eval json: $out"
grep -q "over 4 of 5 pairs" <<<"$out" && ok || bad "eval coverage: $out"
json=$("$RNNKIT" embed eval --model "$work/v.txt" --similarity "$work/sim.txt" --json 2>/dev/null)
[ "$(wc -l <<<"$json")" -eq 1 ] && grep -q '^{' <<<"$json" && ok || bad "eval --json prints more than JSON: $json"
"$RNNKIT" embed eval --model "$work/v" --similarity "$work/sim.txt" 2>&1 | grep -q "using $work/v/vectors.txt" \
  && ok || bad "a run directory as --model"

# Bad input.
expect_error "missing.txt: cannot open" "$RNNKIT" embed train --train "$work/missing.txt" --out "$work/x"
expect_error "empty.txt: the corpus is empty" "$RNNKIT" embed train --train "$work/empty.txt" --out "$work/x"
expect_error "invalid UTF-8 at byte offset 15 (line 2)" "$RNNKIT" embed train --train "$work/latin1.txt" --out "$work/x" --min-count 1
expect_error "smaller than the window" "$RNNKIT" embed train --train "$work/tiny.txt" --out "$work/x" --min-count 1
expect_error "unknown architecture" "$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/x" --arch glove
[ -e "$work/x/vectors.bin" ] || [ -e "$work/x/results.json" ] && bad "a failed run left output behind" || ok
head -c 200 "$work/v.bin" >"$work/cut.bin"
expect_error "cut.bin: truncated" "$RNNKIT" embed similar --model "$work/cut.bin" apple
expect_error "is not in the vocabulary" "$RNNKIT" embed similar --model "$work/v.txt" zebra
printf '2 3\napple 1 2 nan\nbanana 1 2 3\n' >"$work/nan.txt"
expect_error "the vector of 'apple' has a non-finite value" "$RNNKIT" embed similar --model "$work/nan.txt" banana
printf '2000000000 300\napple 1\n' >"$work/huge.txt"
expect_error "cannot fit in" "$RNNKIT" embed similar --model "$work/huge.txt" apple
expect_error "try a lower --lr" "$RNNKIT" embed train --train "$work/corpus.txt" --out "$work/diverged" "${small[@]}" --lr 1e30
[ ! -e "$work/diverged/vectors.bin" ] && ok || bad "a diverged run wrote vectors"
cp "$work/v.txt" "$work/fake.safetensors"
expect_error "fake.safetensors" "$RNNKIT" embed eval --model "$work/fake.safetensors" --analogy "$work/q.txt"

finish
