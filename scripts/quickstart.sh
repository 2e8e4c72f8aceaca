#!/usr/bin/env bash
# Installs dependencies, builds rnnkit, trains a 2x200 LSTM language model on
# Penn Treebank for one epoch (about 3 minutes on 2 cores) and generates text.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
data=$(scripts/fetch-ptb.sh)
./build/release/rnnkit lm train --preset small --epochs 1 \
  --train "$data/ptb.train.txt" --valid "$data/ptb.valid.txt" --test "$data/ptb.test.txt" \
  --out runs/quickstart --overwrite
echo
echo "== rnnkit lm generate --prompt 'the meaning of life is'"
./build/release/rnnkit lm generate --model runs/quickstart/model.safetensors \
  --prompt "the meaning of life is" --length 40 --temperature 0.8 --top-k 40 --no-unk --seed 1
