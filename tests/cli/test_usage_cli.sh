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
expect_status 2 "did you mean --vectors?" "$RNNKIT" embed similar --vector x apple
expect_status 2 "--epochs" "$RNNKIT" lm train --train x --epochs abc
expect_status 1 "cannot open" "$RNNKIT" lm eval --model "$work/none.safetensors" --data "$work/none.txt"
expect_status 2 "--epochs is given twice" "$RNNKIT" lm train --train x --epochs 2 --epochs 3
if [ -w /dev/full ]; then
  "$RNNKIT" info --json >/dev/full 2>"$work/full.err"
  [ $? -eq 1 ] && grep -q "cannot write to standard output" "$work/full.err" && ok \
    || bad "a result that cannot be written: $(cat "$work/full.err")"
fi
"$RNNKIT" lm train --help >/dev/null && ok || bad "--help exits 0"
"$RNNKIT" --version | grep -q '^rnnkit ' && ok || bad "--version"

finish
