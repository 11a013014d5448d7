#!/usr/bin/env bash
# Configures and builds hamesh into build/ (g++) and, with --fuzz, the libFuzzer targets
# into build-fuzz/ (clang). Incremental: a second run rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# ccache hits across clones of the repository (CI builds a fresh clone in another folder):
# paths are hashed relative to the checkout, and the working directory is left out.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C build -j "$jobs"
if [[ "${1:-}" == "--fuzz" ]]; then
  if [[ ! -f build-fuzz/build.ninja ]]; then
    cmake -S . -B build-fuzz -G Ninja -DHAMESH_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  fi
  ninja -C build-fuzz -j "$jobs" $(cd tests/fuzz && ls *_fuzz.cpp | sed 's/\.cpp$//')
fi
