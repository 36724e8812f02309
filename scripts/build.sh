#!/usr/bin/env bash
# Configures and builds JChain into build/ (Release with assertions on, see CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in other directories (CI builds a fresh clone each time).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2
