#!/usr/bin/env bash
# Throwaway Redis nodes for tests: one redis-server per port, listening on
# 127.0.0.1 only, no persistence (save "" and appendonly no), daemonized with
# their pidfiles and logs in a folder of their own.
#
#   scripts/services/redis.sh start [DIR] [PORT...]   # prints PARLEY_REDIS_URLS
#   scripts/services/redis.sh urls  [DIR]             # the same, for running nodes
#   scripts/services/redis.sh restart-one DIR PORT    # stop and start one node (failure tests)
#   scripts/services/redis.sh stop  [DIR]             # shuts them down, removes DIR
#
# DIR defaults to $PARLEY_REDIS_DIR or /tmp/parley-redis, PORTs to 56379 56380.
# stdout is exactly the comma-separated URL list (also in DIR/urls), so
#   export PARLEY_REDIS_URLS=$(scripts/services/redis.sh start)
# works; progress goes to stderr. `start` on running nodes only checks them and
# answers again. No password: safe only because the nodes listen on loopback.
set -euo pipefail

readonly MARKER=.parley-throwaway-redis  # stop removes only folders holding it
readonly DEFAULT_PORTS=(56379 56380)

cmd=${1:-}
dir=${2:-${PARLEY_REDIS_DIR:-/tmp/parley-redis}}
shift $(($# > 2 ? 2 : $#))
ports=("$@")

say() { echo "redis.sh: $*" >&2; }
die() { say "$*"; exit 1; }

ensure_installed() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  [[ $EUID -eq 0 ]] || die "redis-server is not installed; run as root to install it"
  say "installing redis-server"
  apt-get update >&2
  # redis-server's package enables a systemd unit; we never use it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server >&2
  command -v redis-server >/dev/null || die "redis-server installed but not found"
}

ping() { timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }
pid_of() { cat "$dir/redis-$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

start_node() {
  local port=$1
  if alive "$port" && ping "$port"; then
    say "already running on 127.0.0.1:$port"
    return 0
  fi
  # A pidfile left by a killed node would fool alive() later: clear it first.
  rm -f "$dir/redis-$port.pid"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" --dir "$dir" \
    --dbfilename "dump-$port.rdb" >&2
  local deadline=$((SECONDS + 15))
  until ping "$port"; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$dir/redis-$port.log" >&2 || true
      die "no PONG on 127.0.0.1:$port after 15 s"
    fi
    sleep 0.1
  done
  say "running on 127.0.0.1:$port"
}

stop_node() {
  local port=$1 pid
  pid=$(pid_of "$port")
  [[ -n "$pid" ]] || return 0
  timeout 5 redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "node on $port ignored SHUTDOWN; killing pid $pid"
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
  rm -f "$dir/redis-$port.pid"
}

urls_of() {
  local out=() p
  for p in "$@"; do out+=("redis://127.0.0.1:$p"); done
  local IFS=,
  echo "${out[*]}"
}

check_ours() { [[ -f "$dir/$MARKER" ]] || die "$dir was not made by this script; not touching it"; }

start() {
  ensure_installed
  if [[ -f "$dir/ports" ]]; then
    check_ours
    # A running set answers with its own ports; asking for others is a mistake.
    local existing; existing=$(cat "$dir/ports")
    if ((${#ports[@]})) && [[ "${ports[*]}" != "$existing" ]]; then
      die "$dir holds nodes for ports $existing; stop them first or use another DIR"
    fi
    read -r -a ports <<<"$existing"
  else
    ((${#ports[@]})) || ports=("${DEFAULT_PORTS[@]}")
    [[ ! -e "$dir" ]] || [[ -f "$dir/$MARKER" ]] || [[ -z "$(ls -A "$dir")" ]] ||
      die "$dir exists and was not made by this script"
    mkdir -p "$dir"
    touch "$dir/$MARKER"
    echo "${ports[*]}" >"$dir/ports"
  fi
  local p
  for p in "${ports[@]}"; do start_node "$p"; done
  urls_of "${ports[@]}" >"$dir/urls"
  cat "$dir/urls"
}

stop() {
  [[ -e "$dir" ]] || { say "nothing at $dir"; return 0; }
  check_ours
  local p
  if [[ -f "$dir/ports" ]]; then
    for p in $(cat "$dir/ports"); do stop_node "$p"; done
  fi
  rm -rf "$dir"
  say "stopped and removed $dir"
}

restart_one() {
  local port=${ports[0]:-}
  [[ -n "$port" ]] || die "usage: $0 restart-one DIR PORT"
  check_ours
  grep -qw -- "$port" "$dir/ports" || die "$dir has no node on port $port"
  stop_node "$port"
  start_node "$port"
}

urls() {
  [[ -f "$dir/urls" ]] || die "no nodes at $dir (run start first)"
  cat "$dir/urls"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  restart-one) restart_one ;;
  *) die "usage: $0 start [DIR] [PORT...] | urls [DIR] | restart-one DIR PORT | stop [DIR]" ;;
esac
