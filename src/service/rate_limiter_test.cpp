#include "service/rate_limiter.h"

#include <gtest/gtest.h>

namespace parley::service {
namespace {

TEST(RateLimiter, AllowsBurstThenRefusesWithRetryAfter) {
  RateLimiter l({/*per_second=*/10, /*burst=*/3});
  EXPECT_EQ(l.acquire("alice", 1000), 0);
  EXPECT_EQ(l.acquire("alice", 1000), 0);
  EXPECT_EQ(l.acquire("alice", 1000), 0);
  // Empty: one token comes back every 100 ms.
  EXPECT_EQ(l.acquire("alice", 1000), 100);
  EXPECT_EQ(l.acquire("alice", 1040), 60);
  EXPECT_EQ(l.acquire("alice", 1100), 0);
  EXPECT_EQ(l.acquire("alice", 1100), 100);
}

TEST(RateLimiter, RefusalSpendsNothing) {
  RateLimiter l({1, 1});
  EXPECT_EQ(l.acquire("k", 0), 0);
  for (int i = 0; i < 10; ++i) EXPECT_GT(l.acquire("k", 500), 0);
  // Refusals did not push the next token further away.
  EXPECT_EQ(l.acquire("k", 1000), 0);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter l({1, 1});
  EXPECT_EQ(l.acquire("alice", 0), 0);
  EXPECT_GT(l.acquire("alice", 0), 0);
  EXPECT_EQ(l.acquire("bob", 0), 0);
}

TEST(RateLimiter, RefillsNoFurtherThanBurst) {
  RateLimiter l({100, 2});
  EXPECT_EQ(l.acquire("k", 0), 0);
  // An hour idle earns two tokens, not 360,000.
  const std::int64_t later = 3'600'000;
  EXPECT_EQ(l.acquire("k", later), 0);
  EXPECT_EQ(l.acquire("k", later), 0);
  EXPECT_GT(l.acquire("k", later), 0);
}

TEST(RateLimiter, RetryAfterIsNeverZeroAndRoundsUp) {
  RateLimiter l({3, 1});
  EXPECT_EQ(l.acquire("k", 0), 0);
  EXPECT_EQ(l.acquire("k", 0), 334);  // 333.3 ms rounded up
  EXPECT_EQ(l.acquire("k", 333), 1);
  EXPECT_EQ(l.acquire("k", 334), 0);
}

TEST(RateLimiter, RefundReturnsOneToken) {
  RateLimiter l({1, 1});
  EXPECT_EQ(l.acquire("k", 0), 0);
  l.refund("k");
  EXPECT_EQ(l.acquire("k", 0), 0);
  EXPECT_GT(l.acquire("k", 0), 0);
  l.refund("unknown");  // no bucket: nothing to give back
  EXPECT_EQ(l.size(), 1u);
}

TEST(RateLimiter, ZeroRateIsUnlimited) {
  RateLimiter l({0, 0});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(l.acquire("k", 0), 0);
  EXPECT_EQ(l.size(), 0u);
}

TEST(RateLimiter, ClockGoingBackwardsGrantsNothing) {
  RateLimiter l({1, 1});
  EXPECT_EQ(l.acquire("k", 10'000), 0);
  EXPECT_GT(l.acquire("k", 5'000), 0);
  EXPECT_GT(l.acquire("k", 10'500), 0);
  EXPECT_EQ(l.acquire("k", 11'000), 0);
}

}  // namespace
}  // namespace parley::service
