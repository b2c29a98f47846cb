#!/usr/bin/env bash
# Installs what Parley needs from Debian 12's packages, and nothing more.
# Fast when everything is already there: apt runs only for missing packages.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests need: Chromium for
#                                    the web client's end-to-end tests, and
#                                    web/'s npm dev dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev   # Asio, Beast, JSON (1.81, not the default 1.74)
  libsqlite3-dev libssl-dev                # embedded store, JWT HMAC
  libjemalloc-dev                          # the server's allocator (docs/performance.md)
  libpq-dev                                # PostgreSQL store (cluster mode)
  libcurl4-openssl-dev                     # push providers: HTTPS, HTTP/2 (APNs)
  libhiredis-dev                           # Redis bus and presence (cluster mode)
  libnats-dev                              # JetStream event log (cluster mode)
  libspdlog-dev libcli11-dev               # logging, command line
  libgtest-dev libgmock-dev                # tests
  curl python3                             # scripts and smoke checks
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium)                     # web client end-to-end tests
  packages+=(clang-14 libclang-rt-14-dev)  # fuzz targets (scripts/fuzz.sh)
  packages+=(haproxy)                      # cluster tests run deploy/haproxy.cfg
  packages+=(nats-server)                  # JetStream for the event log's integration tests
  command -v node >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" && ! -d web/node_modules/playwright-core ]]; then
  # Only playwright-core: it drives Debian's Chromium and downloads no browser.
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
if [[ "${1:-}" == "--test" && ! -d bench/node-baseline/node_modules/ws ]]; then
  # The Node.js baseline's smoke test (ws, redis): bench/node-baseline/README.md.
  (cd bench/node-baseline && npm ci --no-audit --no-fund --loglevel=error)
fi
