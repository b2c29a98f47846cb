#pragma once
// Exponential backoff with full jitter: the n-th delay is uniform in
// [0, min(max, base * 2^n)], so clients cut off together do not return
// together. Pure: the caller supplies the randomness.
#include <chrono>
#include <cstdint>

namespace parley::client {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max) noexcept;

  // The cap of the next delay: min(max, base * 2^attempts()).
  std::chrono::milliseconds ceiling() const noexcept;
  // The next delay for a uniformly random 64-bit value; counts one attempt.
  std::chrono::milliseconds next(std::uint64_t random) noexcept;
  // After a successful session: the next delay is at most base again.
  void reset() noexcept { attempts_ = 0; }
  int attempts() const noexcept { return attempts_; }

 private:
  std::int64_t base_ms_;
  std::int64_t max_ms_;
  int attempts_ = 0;
};

}  // namespace parley::client
