#!/usr/bin/env bash
# ctest entry (src/bench/CMakeLists.txt): the baseline's smoke test, skipped
# (77) where its npm dependencies or Redis are not installed.
set -euo pipefail
cd "$(dirname "$0")"
[[ -d node_modules/ws && -d node_modules/redis ]] || { echo "skipped: run 'npm ci' in bench/node-baseline"; exit 77; }
command -v redis-server >/dev/null || { echo "skipped: no redis-server"; exit 77; }
exec node --test smoke.test.js
