#!/usr/bin/env bash
# rnnkit lm inspect as a user meets it: a character LSTM over a text with
# quotes and brackets, the HTML page (every token coloured for every unit
# shown, the ranking by feature), chosen units and layers, and clear errors.
set -u
RNNKIT=${1:?usage: test_inspect_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

awk 'BEGIN { srand(5); split("the cat sat on mat dog ran in park", w, " ");
  for (i = 0; i < 300; i++) { n = 3 + int(rand() * 5); s = "";
    for (k = 0; k < n; k++) { x = w[1 + int(rand() * 9)];
      if (k == 1 && i % 3 == 0) x = "\"" x "\""; if (k == n - 1 && i % 4 == 0) x = "(" x ")";
      s = s (k ? " " : "") x }
    print s } }' >"$work/text.txt"
head -20 "$work/text.txt" >"$work/short.txt"
"$RNNKIT" lm train --train "$work/text.txt" --unit char --preset small --hidden 16 --emb 8 \
  --layers 2 --steps 16 --batch 4 --epochs 1 --threads 1 --out "$work/lstm" >/dev/null 2>&1 \
  && ok || bad "lm train (char lstm)"
"$RNNKIT" lm train --train "$work/text.txt" --unit char --preset small --hidden 16 --emb 8 \
  --layers 1 --steps 16 --batch 4 --epochs 1 --threads 1 --cell gru --out "$work/gru" >/dev/null 2>&1 \
  && ok || bad "lm train (char gru)"

# The default page: the best unit of each feature, every character coloured.
"$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/cells.html" \
  2>"$work/err.txt" && ok || bad "lm inspect: $(cat "$work/err.txt")"
tokens=$(python3 -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); print(len(t))' "$work/short.txt")
units=$(grep -c '<h2 id="u' "$work/cells.html")
spans=$(grep -o '<span' "$work/cells.html" | wc -l)
[ "$units" -ge 1 ] && [ "$spans" -eq $((tokens * units)) ] && ok \
  || bad "expected $tokens coloured characters for each of $units units, got $spans spans"
for feature in "position in line" "inside quotes" "inside brackets"; do
  grep -q "<td>$feature</td>" "$work/cells.html" && ok || bad "no ranking for '$feature'"
done
grep -q "cell state c" "$work/cells.html" && ok || bad "an LSTM shows its cells by default"
grep -q "<script\|http" "$work/cells.html" && bad "the page loads or runs something" || ok

# Chosen units of a chosen layer, the hidden state.
"$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/two.html" \
  --layer 0 --units 3,15 --state h 2>/dev/null && ok || bad "lm inspect --units"
[ "$(grep -c '<h2 id="u' "$work/two.html")" -eq 2 ] && grep -q 'layer 0, unit 15' "$work/two.html" \
  && grep -q 'hidden state h' "$work/two.html" && ok || bad "--layer 0 --units 3,15 --state h"
"$RNNKIT" lm inspect --model "$work/gru" --text "$work/short.txt" --out "$work/gru.html" 2>/dev/null \
  && grep -q 'hidden state h' "$work/gru.html" && ok || bad "a GRU shows its hidden state"
"$RNNKIT" lm inspect --model "$work/lstm" --text "$work/text.txt" --out "$work/cut.html" \
  --max-tokens 100 2>"$work/err.txt" && grep -q "first 100 tokens" "$work/err.txt" && ok \
  || bad "--max-tokens says it cut: $(cat "$work/err.txt")"

# Every link of the ranking leads to a unit shown; a unit given twice is shown once.
python3 - "$work/cells.html" <<'PY' && ok || bad "a ranking link leads nowhere"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
ids = set(re.findall(r'<h2 id="(u\d+_\d+)"', page))
links = set(re.findall(r'href="#(u\d+_\d+)"', page))
assert links and links <= ids, (links - ids)
PY
"$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/dup.html"   --units 3,3 2>/dev/null && [ "$(grep -c '<h2 id="u' "$work/dup.html")" -eq 1 ] && ok || bad "--units 3,3"
# An endless text is read only up to --max-tokens.
yes 'the "cat" sat' | timeout 60 "$RNNKIT" lm inspect --model "$work/lstm" --text - \
  --out "$work/pipe.html" --max-tokens 300 2>/dev/null && ok || bad "an endless pipe with --max-tokens"

# Errors, and no page left behind.
cp "$work/short.txt" "$work/same.txt"
expect_error "is the --text file" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/same.txt" --out "$work/same.txt"
cmp -s "$work/short.txt" "$work/same.txt" && ok || bad "--out equal to --text replaced the text"
expect_error "a gru has no cell states" "$RNNKIT" lm inspect --model "$work/gru" --text "$work/short.txt" --out "$work/x.html" --state c
expect_error "--layer 2 outside [0, 1]" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/x.html" --layer 2
expect_error "--units: 16 outside [0, 15]" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/x.html" --units 16
expect_error "--state is c or h" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/x.html" --state x
expect_error "missing.txt: cannot open" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/missing.txt" --out "$work/x.html"
expect_error "no/such/dir" "$RNNKIT" lm inspect --model "$work/lstm" --text "$work/short.txt" --out "$work/no/such/dir/x.html"
[ -e "$work/x.html" ] && bad "a failed inspect left x.html" || ok
finish
