#pragma once
// What the coordinator and its workers share: an anonymous MAP_SHARED
// mapping made before fork. Counters are atomics (read live for progress);
// each worker's histograms are its own, read by the coordinator after the
// worker has exited.
#include <atomic>
#include <cstdint>

#include "bench/histogram.h"

namespace parley::bench {

constexpr int kMaxProcs = 64;

enum Phase : int { kConnect = 0, kGo = 1, kStop = 2, kExit = 3 };

struct Slot {
  std::atomic<std::uint64_t> started{0}, live{0}, sent{0}, acked{0}, delivered{0},
      delivered_window{0}, acked_window{0}, errors{0}, disconnects{0}, resumed{0},
      failed_attempts{0};  // connection attempts that ended before live (retried)
  std::atomic<std::int64_t> last_resume_ns{0};
  std::atomic<int> ready{0};
  Histogram latency;  // fanout: send->receive; durable: send->ack; reconnect: go->live
};

struct Shared {
  std::atomic<int> phase{kConnect};
  std::atomic<std::int64_t> go_ns{0};  // steady clock (CLOCK_MONOTONIC, system-wide)
  Slot slots[kMaxProcs];
};

std::int64_t steady_ns();

}  // namespace parley::bench
