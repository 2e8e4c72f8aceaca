# Shared helpers of the CLI test scripts: counters and an error expectation.
pass=0
fails=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_error WHAT COMMAND...: the command fails, prints WHAT and an "error:" line.
expect_error() {
  local want=$1
  shift
  local err
  if err=$("$@" 2>&1 >/dev/null); then
    bad "succeeded but should fail: $*"
  elif ! grep -qF -- "$want" <<<"$err"; then
    bad "error for '$*' lacks '$want': $err"
  elif ! grep -q '^error: ' <<<"$err"; then
    bad "no 'error:' line for '$*': $err"
  else
    ok
  fi
}

finish() {
  echo "$pass passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# expect_status N WHAT COMMAND...: the command exits with status N and prints WHAT.
expect_status() {
  local want_rc=$1 want=$2
  shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne "$want_rc" ]; then
    bad "exit status $rc, not $want_rc, for '$*': $err"
  elif ! grep -qF -- "$want" <<<"$err"; then
    bad "error for '$*' lacks '$want': $err"
  else
    ok
  fi
}

# three_sentences N: N lines cycling through three short sentences, a corpus
# that a tiny language model learns.
three_sentences() {
  for i in $(seq 1 "$1"); do
    case $((i % 3)) in
      0) echo "the cat sat on the mat" ;;
      1) echo "the dog ran in the park" ;;
      2) echo "a bird sang in the tree" ;;
    esac
  done
}
