#pragma once
// Token buckets by key (a user, a conversation): each key may spend `burst`
// sends at once and earns them back at `per_second`. Event-loop only.
// A refusal says when the next send would pass, so clients back off by the
// server's clock rather than guessing.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::service {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 1;       // bucket size, at least one send
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // 0 when the key may act now (and one token is spent); otherwise the
  // milliseconds until it may (nothing is spent). now_ms is monotonic.
  std::int64_t acquire(std::string_view key, std::int64_t now_ms);
  // Gives back the token a refused operation spent elsewhere (a send that
  // passed the user's bucket but not the conversation's is not counted).
  void refund(std::string_view key);

  bool unlimited() const { return limit_.per_second <= 0; }
  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
  };
  void refill(Bucket& b, std::int64_t now_ms) const;
  void prune(std::int64_t now_ms);

  RateLimit limit_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace parley::service
