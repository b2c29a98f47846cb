#!/usr/bin/env bash
# A throwaway NATS server with JetStream for tests: one nats-server listening
# on 127.0.0.1 only, its JetStream storage, pidfile and log in a folder of its
# own.
#
#   scripts/services/nats.sh start [DIR] [PORT]   # prints PARLEY_NATS_URL
#   scripts/services/nats.sh url   [DIR]          # the same, for a running server
#   scripts/services/nats.sh halt  DIR            # stops it, keeps DIR (its streams) for a start
#   scripts/services/nats.sh stop  [DIR]          # stops it and removes DIR
#
# DIR defaults to $PARLEY_NATS_DIR or /tmp/parley-nats, PORT to 54222. stdout
# is exactly the URL (also in DIR/url), so
#   export PARLEY_NATS_URL=$(scripts/services/nats.sh start)
# works; progress goes to stderr. `start` on a running server only checks it.
# No auth: safe only because the server listens on loopback.
set -euo pipefail

readonly MARKER=.parley-throwaway-nats  # stop removes only folders holding it
readonly DEFAULT_PORT=54222

cmd=${1:-}
dir=${2:-${PARLEY_NATS_DIR:-/tmp/parley-nats}}
port=${3:-}

say() { echo "nats.sh: $*" >&2; }
die() { say "$*"; exit 1; }

ensure_installed() {
  command -v nats-server >/dev/null && return 0
  [[ $EUID -eq 0 ]] || die "nats-server is not installed; run as root to install it"
  say "installing nats-server"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nats-server >&2
  command -v nats-server >/dev/null || die "nats-server installed but not found"
}

# nats-server answers its monitoring port's /healthz once JetStream is ready;
# the monitoring port is the client port + 1000 (loopback too).
healthy() { curl -fsS "http://127.0.0.1:$(( $1 + 1000 ))/healthz" >/dev/null 2>&1; }
pid_of() { cat "$dir/nats.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
check_ours() { [[ -f "$dir/$MARKER" ]] || die "$dir was not made by this script; not touching it"; }

start() {
  ensure_installed
  if [[ -f "$dir/port" ]]; then
    check_ours
    local existing; existing=$(cat "$dir/port")
    [[ -z "$port" || "$port" == "$existing" ]] ||
      die "$dir holds a server for port $existing; stop it first or use another DIR"
    port=$existing
  else
    port=${port:-$DEFAULT_PORT}
    [[ ! -e "$dir" ]] || [[ -f "$dir/$MARKER" ]] || [[ -z "$(ls -A "$dir")" ]] ||
      die "$dir exists and was not made by this script"
    mkdir -p "$dir/jetstream"
    touch "$dir/$MARKER"
    echo "$port" >"$dir/port"
  fi
  if alive && healthy "$port"; then
    say "already running on 127.0.0.1:$port"
  else
    rm -f "$dir/nats.pid"
    # setsid: the server must not die with the shell (or test) that started it.
    setsid nats-server -a 127.0.0.1 -p "$port" -m "$(( port + 1000 ))" -js -sd "$dir/jetstream" \
      -P "$dir/nats.pid" -l "$dir/nats.log" >/dev/null 2>&1 < /dev/null &
    local deadline=$((SECONDS + 15))
    until healthy "$port"; do
      if ((SECONDS >= deadline)); then
        tail -n 20 "$dir/nats.log" >&2 || true
        die "no answer on 127.0.0.1:$port after 15 s"
      fi
      sleep 0.1
    done
    say "running on 127.0.0.1:$port"
  fi
  echo "nats://127.0.0.1:$port" >"$dir/url"
  cat "$dir/url"
}

halt() {
  [[ -e "$dir" ]] || { say "nothing at $dir"; return 0; }
  check_ours
  local pid; pid=$(pid_of)
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "server ignored SIGTERM; killing pid $pid"
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
  rm -f "$dir/nats.pid"
}

stop() {
  [[ -e "$dir" ]] || { say "nothing at $dir"; return 0; }
  halt
  rm -rf "$dir"
  say "stopped and removed $dir"
}

url() {
  [[ -f "$dir/url" ]] || die "no server at $dir (run start first)"
  cat "$dir/url"
}

case "$cmd" in
  start) start ;;
  halt) halt ;;
  stop) stop ;;
  url) url ;;
  *) die "usage: $0 start [DIR] [PORT] | url [DIR] | halt DIR | stop [DIR]" ;;
esac
