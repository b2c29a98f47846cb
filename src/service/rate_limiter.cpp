#include "service/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace parley::service {
namespace {

// Beyond this many keys, full buckets are dropped: a full bucket is what a
// new key gets anyway, so forgetting it changes nothing.
constexpr std::size_t kPruneAbove = 50'000;

}  // namespace

void RateLimiter::refill(Bucket& b, std::int64_t now_ms) const {
  const double burst = std::max(1.0, limit_.burst);
  if (now_ms > b.updated_ms) {
    b.tokens = std::min(burst, b.tokens + static_cast<double>(now_ms - b.updated_ms) *
                                              limit_.per_second / 1000.0);
    b.updated_ms = now_ms;
  }
}

std::int64_t RateLimiter::acquire(std::string_view key, std::int64_t now_ms) {
  if (unlimited()) return 0;
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= kPruneAbove) prune(now_ms);
    it = buckets_.emplace(std::string(key), Bucket{std::max(1.0, limit_.burst), now_ms}).first;
  }
  Bucket& b = it->second;
  refill(b, now_ms);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  // Round up, and never 0: "retry after 0 ms" would invite a busy loop.
  const double wait_ms = (1.0 - b.tokens) * 1000.0 / limit_.per_second;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_ms)));
}

void RateLimiter::refund(std::string_view key) {
  if (unlimited()) return;
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return;
  it->second.tokens = std::min(std::max(1.0, limit_.burst), it->second.tokens + 1.0);
}

void RateLimiter::prune(std::int64_t now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now_ms);
    if (it->second.tokens >= std::max(1.0, limit_.burst)) it = buckets_.erase(it);
    else ++it;
  }
}

}  // namespace parley::service
