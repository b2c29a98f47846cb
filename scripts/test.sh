#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, black-box).
# Pass ctest arguments to narrow it down, e.g. `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300 "$@"
