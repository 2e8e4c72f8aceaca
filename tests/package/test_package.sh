#!/usr/bin/env bash
# rnnkit as an installed package: `cmake --install` into a temporary prefix,
# the C++ examples built against it with find_package (and one with
# pkg-config), each agreeing with the command line on the same model; then
# the .deb that `cpack -G DEB` makes, and what it holds.
set -u
BUILD=${1:?usage: test_package.sh BUILD_DIR SOURCE_DIR}
SOURCE=${2:?usage: test_package.sh BUILD_DIR SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$SOURCE/tests/cli/lib.sh"
prefix=$work/prefix

cmake --install "$BUILD" --prefix "$prefix" >"$work/install.log" 2>&1 && ok || bad "install: $(tail -3 "$work/install.log")"
libdir=$(dirname "$(find "$prefix" -name 'librnnkit.so' | head -1)")
for f in bin/rnnkit include/rnnkit/io/model_file.h; do
  [ -e "$prefix/$f" ] && ok || bad "the install lacks $f"
done
for f in librnnkit.a librnnkit.so cmake/rnnkit/rnnkitConfig.cmake cmake/rnnkit/rnnkitConfigVersion.cmake \
  cmake/rnnkit/rnnkitTargets.cmake pkgconfig/rnnkit.pc; do
  [ -e "$libdir/$f" ] && ok || bad "the install lacks lib/$f"
done
objdump -p "$libdir/librnnkit.so" | grep -q "SONAME *librnnkit.so.0.1$" && ok || bad "no SONAME librnnkit.so.0.1"
RNNKIT=$prefix/bin/rnnkit
ldd "$RNNKIT" | grep -q "libopenblas.so.0 => .*openblas-openmp" && ok || bad "the installed tool uses OpenBLAS's OpenMP build"

# Small models of three families, trained by the installed tool.
three_sentences 300 >"$work/text.txt"
printf 'the cat sat in the park\na bird ran on the mat\n' >"$work/two.txt"
"$RNNKIT" lm train --train "$work/text.txt" --preset small --hidden 16 --emb 16 --layers 1 --steps 8 \
  --batch 4 --epochs 1 --threads 1 --out "$work/lm" >/dev/null 2>&1 && ok || bad "lm train"
"$RNNKIT" embed train --train "$work/text.txt" --dim 16 --min-count 1 --epochs 2 --threads 1 \
  --format txt --out "$work/vec" >/dev/null 2>&1 && ok || bad "embed train"
"$RNNKIT" data addition --n 300 --seed 3 --out "$work/add.tsv" && ok || bad "data addition"
"$RNNKIT" seq2seq train --data "$work/add.tsv" --preset addition-peeky --epochs 1 --max-batches 3 \
  --hidden 16 --threads 1 --out "$work/s2s" >/dev/null 2>&1 && ok || bad "seq2seq train"

# The examples, a project of their own, find the installed package.
cmake -S "$SOURCE/examples/cpp" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 && ok || bad "find_package(rnnkit): $(tail -5 "$work/configure.log")"
cmake --build "$work/examples" -j 2 >"$work/build.log" 2>&1 && ok || bad "examples build: $(grep -m3 error "$work/build.log")"
ldd "$work/examples/nearest_words" | grep -q "librnnkit.so.0.1 => $libdir" && ok || bad "the examples link the installed shared library"

# Each example agrees with the command line on the same model.
"$work/examples/score_sentences" "$work/lm/model.safetensors" <"$work/two.txt" >"$work/scores.txt" 2>&1 \
  && ok || bad "score_sentences: $(cat "$work/scores.txt")"
"$RNNKIT" lm eval --model "$work/lm" --data "$work/two.txt" --per-line 2>/dev/null >"$work/cli_scores.txt"
python3 - "$work/scores.txt" "$work/cli_scores.txt" <<'PY' && ok || bad "score_sentences differs from lm eval --per-line"
import sys
ours = [float(l.split("\t")[0]) for l in open(sys.argv[1])]
cli = [float(l.split()[0]) for l in open(sys.argv[2])]
assert len(ours) == 2 and len(cli) == 2, (ours, cli)
assert all(abs(a - b) <= 1e-3 * max(1, abs(b)) for a, b in zip(ours, cli)), (ours, cli)
PY
echo cat | "$work/examples/nearest_words" "$work/vec/vectors.txt" 5 >"$work/nn.txt" 2>&1 && ok || bad "nearest_words: $(cat "$work/nn.txt")"
cli=$("$RNNKIT" embed similar --model "$work/vec" --top 5 cat 2>/dev/null | cut -f1 | tr '\n' ' ')
ours=$(awk '{ for (i = 2; i <= NF; i += 2) printf "%s ", $i }' "$work/nn.txt")
[ -n "$cli" ] && [ "$ours" = "$cli" ] && ok || bad "nearest_words '$ours' differ from embed similar '$cli'"
cut -f1 "$work/add.tsv" | head -5 >"$work/sums.txt"
"$work/examples/translate" "$work/s2s/model.safetensors" 5 <"$work/sums.txt" >"$work/out.txt" 2>&1 && ok || bad "translate: $(cat "$work/out.txt")"
"$RNNKIT" seq2seq translate --model "$work/s2s" --input "$work/sums.txt" --beam 5 --threads 1 2>/dev/null >"$work/cli_out.txt"
cmp -s "$work/out.txt" "$work/cli_out.txt" && ok || bad "translate differs from seq2seq translate: $(paste "$work/out.txt" "$work/cli_out.txt" | head -3)"
"$work/examples/translate" "$work/missing.safetensors" </dev/null 2>&1 | grep -q "^error: .*missing.safetensors" \
  && ok || bad "an example reports a missing model as an error"

# pkg-config, as a Makefile would use it.
export PKG_CONFIG_PATH=$libdir/pkgconfig
flags=$(pkg-config --cflags --libs rnnkit) && ok || bad "pkg-config --libs rnnkit"
g++ -O1 "$SOURCE/examples/cpp/nearest_words.cc" -o "$work/nn_pc" $flags 2>"$work/pc.log" \
  && ok || bad "build with pkg-config: $(head -3 "$work/pc.log")"
echo cat | LD_LIBRARY_PATH=$libdir "$work/nn_pc" "$work/vec/vectors.txt" 5 | cmp -s - "$work/nn.txt" \
  && ok || bad "the pkg-config build answers as the CMake one"

# The README's C++ example, as it is printed there.
awk '/^## Using rnnkit from C\+\+/ { on = 1 } on && /^```cpp/ { code = 1; next } code && /^```/ { exit } code' \
  "$SOURCE/README.md" >"$work/readme.cc"
[ -s "$work/readme.cc" ] && g++ -O1 "$work/readme.cc" -o "$work/readme" $flags 2>"$work/readme.log" \
  && ok || bad "the README's example builds: $(head -3 "$work/readme.log")"
echo cat | LD_LIBRARY_PATH=$libdir "$work/readme" "$work/vec/vectors.txt" | head -1 | grep -q "^cat [a-z]* 0\." \
  && ok || bad "the README's example runs"

# The Python package, installed under the same prefix where Debian's python3
# looks (lib/python3.X/dist-packages), answers as the command line; the
# README's Python example runs as printed.
if ls "$BUILD"/python/rnnkit/_rnnkit*.so >/dev/null 2>&1; then
  so=$(find "$prefix" -name '_rnnkit*.so' | head -1)
  site=$(dirname "$(dirname "$so")")
  case "$site" in
    "$prefix"/lib/python3.*/dist-packages) ok ;;
    *) bad "the Python package is not under lib/python3.X/dist-packages: '$site'" ;;
  esac
  ldd "$so" | grep -q "libopenblas.so.0 => .*openblas-openmp" && ok || bad "the Python module uses OpenBLAS's OpenMP build"
  ppl=$(cd "$work" && PYTHONPATH=$site /usr/bin/python3 -c \
    'import rnnkit, sys; print(repr(rnnkit.load(sys.argv[1]).perplexity(sys.argv[2])))' \
    "$work/lm/model.safetensors" "$work/text.txt" 2>"$work/py.log")
  want=$("$RNNKIT" lm eval --model "$work/lm" --data "$work/text.txt" --json 2>/dev/null)
  /usr/bin/python3 -c 'import json, sys; a = float(sys.argv[1]); b = json.loads(sys.argv[2])["ppl"]; sys.exit(abs(a - b) > 1e-6 * b)' \
    "$ppl" "$want" && ok || bad "the installed module's perplexity '$ppl' differs from lm eval's: $want $(tail -2 "$work/py.log")"
  awk '/^## Using rnnkit from Python/ { on = 1 } on && /^```python/ { code = 1; next } code && /^```/ { exit } code' \
    "$SOURCE/README.md" >"$work/readme.py"
  [ -s "$work/readme.py" ] && (cd "$work" && PYTHONPATH=$site /usr/bin/python3 readme.py >"$work/readme_py.out" 2>&1) \
    && ok || bad "the README's Python example runs: $(tail -3 "$work/readme_py.out")"
  grep -qx "mat" "$work/readme_py.out" && ok || bad "the README's Python example prints its result: $(tail -3 "$work/readme_py.out")"
  python_files=(dist-packages/rnnkit/__init__.py dist-packages/rnnkit/__init__.pyi dist-packages/rnnkit/_rnnkit)
fi

# The Debian package.
(cd "$BUILD" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) && ok || bad "cpack: $(tail -3 "$work/cpack.log")"
deb=$(ls "$work"/deb/rnnkit_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok || bad "no rnnkit_*.deb"
if [ -n "$deb" ]; then
  dpkg -c "$deb" >"$work/contents.txt"
  for f in usr/bin/rnnkit librnnkit.so.0.1 librnnkit.a usr/include/rnnkit/io/model_file.h \
    cmake/rnnkit/rnnkitConfig.cmake pkgconfig/rnnkit.pc ${python_files[@]+"${python_files[@]}"}; do
    grep -q "$f" "$work/contents.txt" && ok || bad "the .deb lacks $f"
  done
  dpkg -f "$deb" Depends | grep -q "libopenblas0-openmp" && ok || bad "the .deb's Depends lack OpenBLAS's OpenMP build: $(dpkg -f "$deb" Depends)"
fi
finish
