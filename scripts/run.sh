#!/usr/bin/env bash
# Installs what is missing, builds Release and runs Parley in embedded mode
# on 127.0.0.1:8080 with its data in ./data. Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target parley
exec ./build/src/server/parley serve --listen 127.0.0.1:8080 --data ./data "$@"
