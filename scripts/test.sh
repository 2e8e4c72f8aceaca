#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: the release build, then
# the same tests under AddressSanitizer + UndefinedBehaviorSanitizer, then the
# parsers' fuzz targets for 30 seconds each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -d ../shared/data/ptb ]; then
  echo "note: ../shared/data is absent; data-dependent checks are skipped"
fi
for preset in release sanitize; do
  echo "== $preset: build"
  scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$(nproc)"
done
echo "== fuzz: every parser of outside bytes, 30 s each"
scripts/fuzz.sh 30
