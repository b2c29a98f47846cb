#include "client/backoff.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace parley::client {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesFromBaseUpToMax) {
  Backoff b(milliseconds(100), milliseconds(1000));
  std::vector<long> ceilings;
  for (int i = 0; i < 7; ++i) {
    ceilings.push_back(b.ceiling().count());
    (void)b.next(0);
  }
  EXPECT_EQ(ceilings, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000}));
}

TEST(Backoff, FullJitterSpansZeroToCeiling) {
  Backoff b(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(b.next(0).count(), 0);      // the lowest draw waits not at all
  EXPECT_EQ(b.next(200).count(), 200);  // attempt 1: cap 200, inclusive
  EXPECT_EQ(b.next(401).count(), 0);    // attempt 2: cap 400, 401 % 401
  EXPECT_EQ(b.next(std::numeric_limits<std::uint64_t>::max()).count(),
            static_cast<long>(std::numeric_limits<std::uint64_t>::max() % 801));
}

TEST(Backoff, RandomDelaysStayWithinBoundsAndUseTheRange) {
  std::mt19937_64 rng(42);
  Backoff b(milliseconds(50), milliseconds(5000));
  for (int attempt = 0; attempt < 30; ++attempt) {
    auto cap = b.ceiling();
    auto lo = cap, hi = milliseconds(0);
    // Same attempt many times: reset and replay up to it.
    for (int k = 0; k < 2000; ++k) {
      Backoff probe(milliseconds(50), milliseconds(5000));
      for (int i = 0; i < attempt; ++i) (void)probe.next(0);
      auto d = probe.next(rng());
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d, cap);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter: draws come near both ends, not just near the cap.
    EXPECT_LE(lo.count(), cap.count() / 10 + 1) << "attempt " << attempt;
    EXPECT_GE(hi.count(), cap.count() * 9 / 10) << "attempt " << attempt;
    (void)b.next(0);
  }
  EXPECT_EQ(b.ceiling(), milliseconds(5000));
}

TEST(Backoff, ResetStartsOverAtBase) {
  Backoff b(milliseconds(100), milliseconds(10'000));
  for (int i = 0; i < 5; ++i) (void)b.next(0);
  EXPECT_EQ(b.ceiling(), milliseconds(3200));
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.ceiling(), milliseconds(100));
}

TEST(Backoff, ManyAttemptsDoNotOverflow) {
  Backoff b(milliseconds(1000), milliseconds(60'000));
  for (int i = 0; i < 1000; ++i) ASSERT_LE(b.next(~0ULL), milliseconds(60'000));
  EXPECT_EQ(b.ceiling(), milliseconds(60'000));
}

TEST(Backoff, MaxBelowBaseIsRaisedToBase) {
  Backoff b(milliseconds(500), milliseconds(100));
  EXPECT_EQ(b.ceiling(), milliseconds(500));
  (void)b.next(0);
  EXPECT_EQ(b.ceiling(), milliseconds(500));
}

}  // namespace
}  // namespace parley::client
