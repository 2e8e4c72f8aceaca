#!/usr/bin/env bash
# rnnkit forecast train | eval | predict as a user meets them: a monthly
# series with trend and season (log, differences, quantiles), the baselines in
# the report, forecast.svg, eval reproducing training's test figures, predict's
# CSV after the last row, resume, and clear errors for bad files and flags.
set -u
RNNKIT=${1:?usage: test_forecast_cli.sh path/to/rnnkit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# 15 years of months: a rising trend times a season, with noise (airline-like).
awk 'BEGIN { srand(7); print "\"Month\",\"Count\",\"Other\"";
  for (i = 0; i < 180; i++) { y = 1950 + int(i / 12); m = i % 12 + 1;
    v = (100 + 2 * i) * (1 + 0.25 * sin(2 * 3.14159265 * i / 12)) * (1 + 0.03 * (rand() - 0.5));
    printf "\"%d-%02d\",%.2f,%.3f\n", y, m, v, 50 + 10 * cos(2 * 3.14159265 * i / 12) + rand() } }' \
  >"$work/months.csv"
small=(--hidden 16 --projection 8 --lookback 24 --batch 16 --threads 1)

"$RNNKIT" forecast train --data "$work/months.csv" --time-column Month --columns Count \
  --test-last 12 --season 12 --log --difference 12 --steps 12 --quantiles 0.1,0.5,0.9 \
  --epochs 8 --out "$work/run" "${small[@]}" --json >"$work/train.json" 2>"$work/train.err" \
  && ok || bad "forecast train: $(tail -3 "$work/train.err")"
for f in model.safetensors results.json metrics.jsonl config.json forecast.svg learning_curve.svg; do
  [ -s "$work/run/$f" ] && ok || bad "the run lacks $f"
done
grep -q "persistence" "$work/train.err" && grep -q "seasonal naive (12)" "$work/train.err" \
  && grep -q "AR (p <= " "$work/train.err" && ok || bad "train prints the baselines: $(tail -6 "$work/train.err")"
grep -q "<polygon" "$work/run/forecast.svg" && grep -q "stroke-dasharray" "$work/run/forecast.svg" \
  && ok || bad "forecast.svg has the interval band and dashed baselines"
rse=$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(r["test_rse"]); assert r["test"]["coverage"] is not None; assert "seasonal naive (12)" in r["baselines"]' "$work/train.json") \
  && ok || bad "results: test_rse, coverage and baselines"
# A trending seasonal series: the network, on logs differenced at 12, beats persistence.
python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if r["test_rse"] < r["baselines"]["persistence"]["rse"] else 1)' "$work/train.json" \
  && ok || bad "the model beats persistence on a seasonal series: $(tail -6 "$work/train.err")"

# eval: by default the model's own split, so training's test figure again.
out=$("$RNNKIT" forecast eval --model "$work/run" --data "$work/months.csv" --json --svg "$work/e.svg" 2>"$work/eval.err")
python3 -c 'import json,sys; j=json.loads(sys.argv[1]); sys.exit(0 if abs(j["test"]["rse"] - float(sys.argv[2])) < 1e-12 and j["windows"] == 1 else 1)' "$out" "$rse" \
  && ok || bad "eval repeats training's test RSE $rse: $out"
grep -q "<svg" "$work/e.svg" && ok || bad "eval --svg writes the plot"
"$RNNKIT" forecast eval --model "$work/run" --data "$work/months.csv" --all 2>/dev/null | grep -q "windows from row 37" \
  && ok || bad "eval --all: every window after the differences and the lookback"

# predict: 12 months after the last row, the months continued, intervals around forecasts.
"$RNNKIT" forecast predict --model "$work/run" --data "$work/months.csv" --output "$work/next.csv" 2>/dev/null \
  && ok || bad "forecast predict"
[ "$(head -1 "$work/next.csv")" = "step,Month,Count,Count_lower,Count_upper" ] && ok || bad "predict header: $(head -1 "$work/next.csv")"
[ "$(sed -n 2p "$work/next.csv" | cut -d, -f1,2)" = "1,1965-01" ] && [ "$(tail -1 "$work/next.csv" | cut -d, -f1,2)" = "12,1965-12" ] \
  && ok || bad "predict continues the months: $(sed -n '2p;$p' "$work/next.csv")"
awk -F, 'NR > 1 && !($4 <= $3 && $3 <= $5) { exit 1 }' "$work/next.csv" && ok || bad "lower <= forecast <= upper"
n=$("$RNNKIT" forecast predict --model "$work/run" --data - --steps 3 <"$work/months.csv" 2>/dev/null | wc -l)
[ "$n" -eq 4 ] && ok || bad "predict --steps 3 from standard input: $n lines"
n=$("$RNNKIT" forecast predict --model "$work/run" --data "$work/months.csv" --steps 13 2>/dev/null | wc -l)
[ "$n" -eq 14 ] && ok || bad "predict --steps 13 past the model's 12, recursively: $n lines"

# A model of one step ahead forecasts past its step recursively; the CSV reads back.
"$RNNKIT" forecast train --data "$work/months.csv" --time-column Month --test-last 12 --epochs 2 \
  --out "$work/one" "${small[@]}" >/dev/null 2>&1 && ok || bad "train a one-step model of two series"
"$RNNKIT" forecast predict --model "$work/one" --data "$work/months.csv" --steps 5 --output "$work/five.csv" 2>/dev/null \
  && [ "$(wc -l <"$work/five.csv")" -eq 6 ] && head -1 "$work/five.csv" | grep -qx "step,Month,Count,Other" \
  && ok || bad "recursive predict of two series: $(cat "$work/five.csv")"

"$RNNKIT" forecast train --data "$work/months.csv" --time-column Month --test-last 12 --epochs 1 \
  --horizon 3 --out "$work/three" "${small[@]}" >/dev/null 2>&1 && ok || bad "train a model 3 steps ahead"
expect_error "recursively needs a model of --horizon 1" \
  "$RNNKIT" forecast predict --model "$work/three" --data "$work/months.csv" --steps 2

# Resume: a finished run resumed to more epochs goes on from its checkpoint.
"$RNNKIT" forecast train --resume --out "$work/one" --epochs 3 >/dev/null 2>"$work/resume.err" \
  && grep -q "resuming after epoch 2" "$work/resume.err" && ok || bad "resume: $(tail -2 "$work/resume.err")"

# A trend that leaves the training range: a model of levels falls behind
# persistence, and the report says so with advice.
awk 'BEGIN { srand(3); print "x"; for (i = 0; i < 300; i++) print i + rand() }' >"$work/trend.csv"
"$RNNKIT" forecast train --data "$work/trend.csv" --epochs 1 --out "$work/trend" "${small[@]}" \
  >/dev/null 2>"$work/trend.err"
grep -q "worse than persistence.*try --residual" "$work/trend.err" && ok || bad "no persistence warning: $(tail -4 "$work/trend.err")"

# Bad files: each a clear error naming what is wrong, and no run left behind.
printf 'a,b\n1,2\n3\n' >"$work/ragged.csv"
printf 'a,b\n1,2\n3,x\n4,5\n' >"$work/text.csv"
printf 'a,b\n1,2\n' >"$work/one_row.csv"
: >"$work/empty.csv"
printf 'a\n1\n\xff\n' >"$work/binary.csv"
expect_error "ragged.csv" "$RNNKIT" forecast train --data "$work/ragged.csv" --out "$work/bad1"
expect_error "text.csv" "$RNNKIT" forecast train --data "$work/text.csv" --out "$work/bad2"
expect_error "one_row.csv" "$RNNKIT" forecast train --data "$work/one_row.csv" --out "$work/bad3"
expect_error "empty.csv" "$RNNKIT" forecast train --data "$work/empty.csv" --out "$work/bad4"
expect_error "binary.csv" "$RNNKIT" forecast train --data "$work/binary.csv" --out "$work/bad5"
expect_error "missing.csv" "$RNNKIT" forecast train --data "$work/missing.csv" --out "$work/bad6"
for d in bad1 bad2 bad3 bad4 bad5 bad6; do [ -e "$work/$d" ] && bad "a failed run left $d" || ok; done
expect_error "no data given (--data)" "$RNNKIT" forecast train --out "$work/bad7"
expect_error "training rows hold no window" \
  "$RNNKIT" forecast train --data "$work/months.csv" --lookback 150 --out "$work/bad8"
expect_error "does not add up to 1" "$RNNKIT" forecast train --data "$work/months.csv" --split 0.6,0.2,0.1
expect_error "not both" "$RNNKIT" forecast train --data "$work/months.csv" --split 0.6,0.2,0.2 --test-last 12
expect_error "unknown --scale" "$RNNKIT" forecast train --data "$work/months.csv" --scale robust --out "$work/bad9"
expect_error "neither known nor forecast" \
  "$RNNKIT" forecast train --data "$work/months.csv" --difference 1 --horizon 3 --out "$work/bad10"
awk 'BEGIN { print "t,x"; for (i = 0; i < 60; i++) print i "," (i == 40 ? 0 : 1 + i) }' >"$work/zero.csv"
expect_error "'x' holds 0 at data row 41" \
  "$RNNKIT" forecast train --data "$work/zero.csv" --time-column t --log --out "$work/bad11"
expect_error "no column 'Nope'" "$RNNKIT" forecast train --data "$work/months.csv" --columns Nope --out "$work/bad12"
expect_status 2 "--horizon" "$RNNKIT" forecast train --data "$work/months.csv" --horizon three
printf 't,a,a\n1,2,3\n2,3,4\n' >"$work/twice.csv"
expect_error "column 'a' is named twice" "$RNNKIT" forecast train --data "$work/twice.csv" --out "$work/bad13"
expect_error "must include 0.5" "$RNNKIT" forecast train --data "$work/months.csv" --quantiles 0.1,0.9 --out "$work/bad14"
expect_error "one on each side" "$RNNKIT" forecast train --data "$work/months.csv" --quantiles 0.5,0.9 --out "$work/bad14"
expect_error "lag -1 is not in [1, 100000]" "$RNNKIT" forecast train --data "$work/months.csv" --difference=-1 --out "$work/bad14"
expect_error "lag 3000000000 is not in" "$RNNKIT" forecast train --data "$work/months.csv" --difference 3000000000 --out "$work/bad14"
expect_error "--early-stopping 0" "$RNNKIT" forecast train --data "$work/months.csv" --split 0.8,0,0.2 --out "$work/bad15"
expect_error "its RSE needs two" "$RNNKIT" forecast train --data "$work/months.csv" --time-column Month \
  --test-last 1 --out "$work/bad16"
expect_error "--season 170: row 169 has no value 170 rows before it" "$RNNKIT" forecast train --data "$work/months.csv" --time-column Month \
  --test-last 12 --season 170 --out "$work/bad17"
awk 'BEGIN { print "x"; for (i = 0; i < 100; i++) print 5 }' >"$work/constant.csv"
expect_error "its RSE is undefined" "$RNNKIT" forecast train --data "$work/constant.csv" --out "$work/bad18"
printf 'x\n1\n1e400\n' >"$work/huge.csv"
expect_error "'1e400' is too large for a number" "$RNNKIT" forecast train --data "$work/huge.csv" --out "$work/bad19"
for d in bad13 bad14 bad15 bad16 bad17 bad18 bad19; do [ -e "$work/$d" ] && bad "a refused run left $d" || ok; done
expect_error "--steps must be at least 1" "$RNNKIT" forecast predict --model "$work/run" --data "$work/months.csv" --steps 0
expect_error "--test-last must be positive" "$RNNKIT" forecast eval --model "$work/run" --data "$work/months.csv" --test-last 0
head -20 "$work/months.csv" >"$work/short.csv"
expect_error "short.csv: 19 rows; the model reads 24 (--lookback) after the 12 its differences use up, so it needs at least 36" \
  "$RNNKIT" forecast predict --model "$work/run" --data "$work/short.csv"
# Without a header, eval and predict read the columns training read.
tail -n +2 "$work/months.csv" | cut -d, -f2,3 >"$work/plain.csv"
"$RNNKIT" forecast train --data "$work/plain.csv" --no-header --columns 2 --test-last 12 --epochs 1 \
  --out "$work/plain" "${small[@]}" >/dev/null 2>&1 && ok || bad "train on a column of a file without a header"
"$RNNKIT" forecast eval --model "$work/plain" --data "$work/plain.csv" >/dev/null 2>"$work/plain.err" \
  && ok || bad "eval reads the column training read: $(tail -1 "$work/plain.err")"
printf 'a,b\n1,2\n3,4\n' >"$work/other.csv"
expect_error "other.csv: no column 'Month'" \
  "$RNNKIT" forecast eval --model "$work/run" --data "$work/other.csv"
expect_error "missing.safetensors" "$RNNKIT" forecast eval --model "$work/missing.safetensors" --data "$work/months.csv"
finish
