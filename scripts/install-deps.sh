#!/usr/bin/env bash
# Installs what rnnkit needs to build and test, from Debian's packages only.
# With --bench, also what the benchmarks compare against (PyTorch, NumPy,
# gensim, fastText, statsmodels);
# with --fuzz, clang and its libFuzzer.
set -euo pipefail
pkgs=(build-essential cmake ninja-build libopenblas-openmp-dev libcli11-dev nlohmann-json3-dev
      libfmt-dev libgtest-dev libbenchmark-dev zlib1g-dev pkg-config libsentencepiece-dev
      libmecab-dev mecab-ipadic-utf8 mecab python3
      python3-dev pybind11-dev python3-numpy python3-pytest)  # the Python module and its tests
if [ "${1:-}" = "--bench" ]; then
  pkgs+=(python3-torch python3-gensim fasttext python3-statsmodels)
fi
if [ "${1:-}" = "--fuzz" ]; then  # clang's libFuzzer (scripts/fuzz.sh)
  pkgs+=(clang libclang-rt-14-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
