#!/usr/bin/env bash
# Two baseline gateway processes on two ports sharing one throwaway Redis
# (scripts/services/redis.sh), everything on 127.0.0.1.
#
#   bench/node-baseline/run.sh start [DIR] [PORT1 PORT2 REDIS_PORT]
#       prints the gateways as HOST:PORT,HOST:PORT (for PARLEY_BENCH_GATEWAYS)
#   bench/node-baseline/run.sh stop [DIR]
#
# DIR defaults to /tmp/parley-node-baseline; ports to 9101 9102 56391.
# Needs `npm ci` in this folder first. Logs and pids in DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
redis_sh=$here/../../scripts/services/redis.sh
cmd=${1:-}
dir=${2:-/tmp/parley-node-baseline}
p1=${3:-9101} p2=${4:-9102} rp=${5:-56391}

say() { echo "node-baseline: $*" >&2; }

start() {
  [[ -d $here/node_modules ]] || { say "run 'npm ci' in $here first"; exit 1; }
  mkdir -p "$dir"
  local url; url=$("$redis_sh" start "$dir/redis" "$rp")
  local p
  for p in "$p1" "$p2"; do
    : >"$dir/gateway-$p.log"
    PORT=$p REDIS_URL=$url setsid node "$here/gateway.js" >"$dir/gateway-$p.log" 2>&1 </dev/null &
    echo $! >"$dir/gateway-$p.pid"
  done
  local deadline=$((SECONDS + 15))
  for p in "$p1" "$p2"; do
    until grep -q listening "$dir/gateway-$p.log"; do
      kill -0 "$(cat "$dir/gateway-$p.pid")" 2>/dev/null || { cat "$dir/gateway-$p.log" >&2; exit 1; }
      ((SECONDS < deadline)) || { say "gateway on $p did not start"; exit 1; }
      sleep 0.05
    done
  done
  echo "$p1 $p2" >"$dir/ports"
  echo "127.0.0.1:$p1,127.0.0.1:$p2"
}

stop() {
  local f pid
  for f in "$dir"/gateway-*.pid; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$f"
  done
  [[ ! -d $dir/redis ]] || "$redis_sh" stop "$dir/redis"
  say "stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) say "usage: $0 start [DIR] [PORT1 PORT2 REDIS_PORT] | stop [DIR]"; exit 2 ;;
esac
