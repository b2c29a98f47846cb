#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and runs
# each over its seed corpus for a short time; fails on any crash, leak,
# sanitizer report or broken invariant. `scripts/fuzz.sh 300` fuzzes longer;
# fuzz/README.md explains long campaigns.
#   scripts/fuzz.sh [seconds per target, default 10] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
build=build-fuzz
cxx=${PARLEY_FUZZ_CXX:-clang++-14}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: $cxx not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
cmake -S . -B "$build" -G Ninja -DPARLEY_FUZZ=ON -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" --target fuzz_targets -j"$(nproc)"

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$build"/fuzz/*_fuzz; do targets+=("$(basename "$f" _fuzz)"); done
fi

# Found inputs go to a scratch corpus (the seeds in the repo stay as they are);
# a crash leaves its input in $build/crashes/<target>/ to reproduce with
#   $build/fuzz/<target>_fuzz $build/crashes/<target>/crash-...
# Targets run side by side, one per core.
run_one() {
  local t=$1 work=$build/work/$1 crashes=$build/crashes/$1 log=$build/work/$1.log
  mkdir -p "$work" "$crashes"
  local args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/"
              -timeout=10 -rss_limit_mb=2048)
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  if "$build/fuzz/${t}_fuzz" "${args[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1; then
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz: $t ok (${runs:-?} runs, ${rate:-?}/s)"
  else
    echo "fuzz: $t FAILED, log $log:" >&2
    grep -E 'ERROR|FUZZ_CHECK|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
    return 1
  fi
}

jobs_max=$(nproc)
declare -A pid_of=()
failed=()
reap() {  # waits for one finished target
  local done_pid= rc=0 t
  wait -n -p done_pid || rc=$?
  for t in "${!pid_of[@]}"; do
    if [ "${pid_of[$t]}" = "$done_pid" ]; then
      [ "$rc" -eq 0 ] || failed+=("$t")
      unset "pid_of[$t]"
    fi
  done
}
for t in "${targets[@]}"; do
  while [ ${#pid_of[@]} -ge "$jobs_max" ]; do reap; done
  run_one "$t" &
  pid_of[$t]=$!
done
while [ ${#pid_of[@]} -gt 0 ]; do reap; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
