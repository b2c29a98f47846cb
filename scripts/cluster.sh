#!/usr/bin/env bash
# A local Parley cluster for trying cluster mode on one machine: a throwaway
# PostgreSQL (two databases = two store shards), two Redis nodes (bus; the
# first also holds presence), NATS JetStream (event log), three gateways and
# HAProxy in front (deploy/haproxy.cfg), and the search and push workers
# (docs/deploy.md, "Workers"), all on loopback. The gateways and the push
# worker share one config: one VAPID key file (Web Push) and one media folder.
#
#   scripts/cluster.sh start [DIR]   # prints the address to connect to
#   scripts/cluster.sh stop  [DIR]
#
# DIR (default /tmp/parley-cluster) holds every server's data and logs.
# Ports: HAProxy 8090, gateways 8091-8093, PostgreSQL 55532, Redis 56479/56480,
# NATS 54322. Build first (scripts/build.sh).
#
# PARLEY_CLUSTER_GATEWAYS=N (1-8, default 3) runs N gateways on 8091-809N,
# e.g. to hold 100,000 connections where one process may hold 20,000 files
# (docs/performance.md); HAProxy fronts the first three.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-}
dir=${2:-/tmp/parley-cluster}
bin=${PARLEY_BIN:-./build/src/server/parley}
gateways=${PARLEY_CLUSTER_GATEWAYS:-3}
say() { echo "cluster.sh: $*" >&2; }
[[ $gateways =~ ^[1-8]$ ]] || { say "PARLEY_CLUSTER_GATEWAYS must be 1-8"; exit 2; }

start() {
  [[ -x $bin ]] || { say "no $bin: run scripts/build.sh first"; exit 1; }
  mkdir -p "$dir"
  local pg redis nats
  pg=$(scripts/services/postgres.sh start "$dir/pg" 55532)
  redis=$(scripts/services/redis.sh start "$dir/redis" 56479 56480)
  nats=$(scripts/services/nats.sh start "$dir/nats" 54322)
  local secret_file=$dir/jwt_secret
  [[ -f $secret_file ]] || head -c 32 /dev/urandom | base64 > "$secret_file"
  local config=$dir/parley.json
  printf '{"media_dir": "%s", "push": {"vapid_key_file": "%s"}}\n' \
    "$dir/media" "$dir/vapid.pem" > "$config"
  for i in $(seq 1 "$gateways"); do
    PARLEY_JWT_SECRET=$(cat "$secret_file") "$bin" serve --listen "127.0.0.1:809$i" \
      --data "$dir/gw$i" --store "$pg" --bus "$redis" --presence "${redis%%,*}" \
      --eventlog "$nats" --gateway-id "gw$i" --config "$config" --dev \
      >"$dir/gw$i.out" 2>"$dir/gw$i.log" &
    echo $! > "$dir/gw$i.pid"
  done
  # Search index and device registry: the first store shard.
  "$bin" worker search --eventlog "$nats" --data "$dir/worker-search" \
    --param "index=${pg%%,*}" >"$dir/worker-search.log" 2>&1 &
  echo $! > "$dir/worker-search.pid"
  "$bin" worker push --eventlog "$nats" --data "$dir/worker-push" --store "$pg" \
    --param "devices=${pg%%,*}" --param "presence=${redis%%,*}" --param "config=$config" \
    >"$dir/worker-push.log" 2>&1 &
  echo $! > "$dir/worker-push.pid"
  # Fewer than three gateways: HAProxy's missing backends are down, no harm.
  PARLEY_LB_BIND=127.0.0.1:8090 PARLEY_GW1=127.0.0.1:8091 PARLEY_GW2=127.0.0.1:8092 \
    PARLEY_GW3=127.0.0.1:8093 haproxy -db -f deploy/haproxy.cfg >"$dir/haproxy.log" 2>&1 &
  echo $! > "$dir/haproxy.pid"
  for _ in $(seq 1 100); do
    if curl -fsS http://127.0.0.1:8090/readyz >/dev/null 2>&1; then
      say "ready: http://127.0.0.1:8090 (web client with --dev sign-in); logs in $dir"
      echo "http://127.0.0.1:8090"
      return 0
    fi
    sleep 0.2
  done
  say "not ready after 20 s; see $dir/*.log"
  exit 1
}

stop() {
  for f in "$dir"/haproxy.pid "$dir"/gw*.pid "$dir"/worker-*.pid; do
    [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  scripts/services/nats.sh stop "$dir/nats" >/dev/null 2>&1 || true
  scripts/services/redis.sh stop "$dir/redis" >/dev/null 2>&1 || true
  scripts/services/postgres.sh stop "$dir/pg" >/dev/null 2>&1 || true
  say "stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
