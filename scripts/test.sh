#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, black-box, and
# integration against a throwaway PostgreSQL started here (loopback, its own
# port) and stopped at the end. Pass ctest arguments to narrow it down, e.g.
# `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh

pg_dir=$(mktemp -d /tmp/parley-test-pg.XXXXXX)
rmdir "$pg_dir"  # postgres.sh creates it, owned by postgres
cleanup() { scripts/services/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
PARLEY_PG_URLS=$(scripts/services/postgres.sh start "$pg_dir" "${PARLEY_TEST_PG_PORT:-55432}")
export PARLEY_PG_URLS

ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300 "$@"
