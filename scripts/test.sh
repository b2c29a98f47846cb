#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit, black-box, and
# integration against a throwaway PostgreSQL and two Redis nodes started here
# (loopback, ports of their own) and stopped at the end. Pass ctest arguments to narrow it down, e.g.
# `scripts/test.sh -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh

pg_dir=$(mktemp -d /tmp/parley-test-pg.XXXXXX)
redis_dir=$(mktemp -d /tmp/parley-test-redis.XXXXXX)
nats_dir=$(mktemp -d /tmp/parley-test-nats.XXXXXX)
rmdir "$pg_dir" "$redis_dir" "$nats_dir"  # the scripts create them (postgres's is owned by postgres)
cleanup() {
  scripts/services/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
  scripts/services/redis.sh stop "$redis_dir" >/dev/null 2>&1 || true
  scripts/services/nats.sh stop "$nats_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
PARLEY_PG_URLS=$(scripts/services/postgres.sh start "$pg_dir" "${PARLEY_TEST_PG_PORT:-55432}")
PARLEY_REDIS_URLS=$(scripts/services/redis.sh start "$redis_dir" \
                    "${PARLEY_TEST_REDIS_PORT:-56379}" "$(( ${PARLEY_TEST_REDIS_PORT:-56379} + 1 ))")
PARLEY_REDIS_DIR=$redis_dir  # the failure tests restart one node there
PARLEY_NATS_URL=$(scripts/services/nats.sh start "$nats_dir" "${PARLEY_TEST_NATS_PORT:-54222}")
export PARLEY_PG_URLS PARLEY_REDIS_URLS PARLEY_REDIS_DIR PARLEY_NATS_URL

ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300 "$@"

# Fuzz smoke (fuzz/README.md): every libFuzzer target briefly over its seeds,
# one per core. Skipped when the run was narrowed to some tests, or with
# PARLEY_FUZZ_SECONDS=0.
if [ $# -eq 0 ] && [ "${PARLEY_FUZZ_SECONDS:-10}" != 0 ]; then
  scripts/fuzz.sh "${PARLEY_FUZZ_SECONDS:-10}"
fi
