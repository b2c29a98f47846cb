#include "client/backoff.h"

#include <algorithm>

namespace parley::client {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max) noexcept
    : base_ms_(std::max<std::int64_t>(1, base.count())),
      max_ms_(std::max<std::int64_t>(std::max<std::int64_t>(1, base.count()), max.count())) {}

std::chrono::milliseconds Backoff::ceiling() const noexcept {
  std::int64_t cap = base_ms_;
  // Doubling stops at max, so this cannot overflow.
  for (int i = 0; i < attempts_ && cap < max_ms_; ++i) cap *= 2;
  return std::chrono::milliseconds(std::min(cap, max_ms_));
}

std::chrono::milliseconds Backoff::next(std::uint64_t random) noexcept {
  auto cap = static_cast<std::uint64_t>(ceiling().count());
  if (attempts_ < 64) ++attempts_;
  return std::chrono::milliseconds(static_cast<std::int64_t>(random % (cap + 1)));
}

}  // namespace parley::client
