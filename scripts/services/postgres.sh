#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: one cluster in a folder of its own,
# listening on 127.0.0.1 only, with two databases (parley_test_0 and
# parley_test_1: two shards).
#
#   scripts/services/postgres.sh start [DIR] [PORT]   # prints PARLEY_PG_URLS
#   scripts/services/postgres.sh url   [DIR]          # the same, for a running one
#   scripts/services/postgres.sh stop  [DIR]          # shuts it down, removes DIR
#
# DIR defaults to $PARLEY_PG_DIR or /tmp/parley-pg, PORT to 55432. stdout is
# exactly the comma-separated URL list (also in DIR/urls), so
#   export PARLEY_PG_URLS=$(scripts/services/postgres.sh start)
# works; progress goes to stderr. `start` on a running cluster only checks it
# and answers again. Trust authentication is safe here only because the server
# listens on loopback alone and its socket lives in DIR: never point it at a
# shared folder or another address.
set -euo pipefail

readonly DATABASES=(parley_test_0 parley_test_1)
readonly MARKER=.parley-throwaway-postgres  # stop removes only folders holding it

cmd=${1:-}
dir=${2:-${PARLEY_PG_DIR:-/tmp/parley-pg}}
port=${3:-55432}

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# The newest installed server; installs Debian's when there is none.
find_bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$initdb" ]]; then
    [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed; run as root to install it"
    say "installing postgresql"
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$initdb" ]] || die "postgresql installed but no initdb found"
  fi
  dirname "$initdb"
}

# PostgreSQL refuses to run as root: as root, act as the postgres user.
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

urls() {
  local out=() db
  for db in "${DATABASES[@]}"; do out+=("postgres://postgres@127.0.0.1:$port/$db"); done
  local IFS=,
  echo "${out[*]}"
}

psql_admin() {
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

init_cluster() {
  say "creating a cluster in $dir"
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  [[ $EUID -eq 0 ]] && chown postgres: "$dir"
  chmod 755 "$dir"  # the urls file is for everyone; data/ itself is 0700
  # C locale: text sorts by bytes, as the other backends do, whatever the host's locale.
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
    --auth-local=peer --auth-host=reject --no-instructions >"$dir/initdb.log"
  # Only the loopback address may connect, and it is trusted: a throwaway for tests.
  as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<EOF
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  trust
EOF
  as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# ---- scripts/services/postgres.sh ----
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Durable like production: the tests measure what a commit really costs.
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 100
EOF
  echo "$port" >"$dir/port"
}

start() {
  bin=$(find_bindir)
  if [[ -f "$dir/port" && "$(cat "$dir/port")" != "$port" ]]; then
    die "$dir holds a cluster for port $(cat "$dir/port"); stop it first or use another DIR"
  fi
  [[ -d "$dir/data" ]] || init_cluster
  if running; then
    say "already running on 127.0.0.1:$port"
  else
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >&2; then
      tail -n 20 "$dir/server.log" >&2 || true
      die "the server did not start"
    fi
  fi
  # pg_ctl -w saw the postmaster up; wait until it takes TCP connections too.
  local deadline=$((SECONDS + 30))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; do
    ((SECONDS < deadline)) || die "no connection on 127.0.0.1:$port after 30 s"
    sleep 0.2
  done
  local db
  for db in "${DATABASES[@]}"; do
    if [[ -z "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]]; then
      psql_admin -c "CREATE DATABASE $db"
    fi
  done
  urls >"$dir/urls"
  cat "$dir/urls"
}

stop() {
  [[ -e "$dir" ]] || { say "nothing at $dir"; return 0; }
  [[ -f "$dir/$MARKER" ]] || die "$dir was not made by this script; not touching it"
  bin=$(find_bindir)
  if running; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2
  fi
  rm -rf "$dir"
  say "stopped and removed $dir"
}

url() {
  [[ -f "$dir/urls" ]] || die "no cluster at $dir (run start first)"
  cat "$dir/urls"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) die "usage: $0 start [DIR] [PORT] | url [DIR] | stop [DIR]" ;;
esac
