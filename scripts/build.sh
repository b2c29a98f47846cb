#!/usr/bin/env bash
# Configures and builds Parley into ./build (Release by default).
set -euo pipefail
cd "$(dirname "$0")/.."
type=${BUILD_TYPE:-Release}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$type" >/dev/null
cmake --build build -j"$(nproc)" "$@"
