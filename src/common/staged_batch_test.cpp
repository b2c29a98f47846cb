// The staging batching consumers share: batches written in order, and a
// full batch whose write failed inside add() reported by the next flush.
#include "common/staged_batch.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace parley {
namespace {

using Staged = StagedBatch<std::int64_t>;

struct RecordingWrite {
  std::vector<std::vector<std::int64_t>> batches;
  int failures_left = 0;
  Staged::Write write() {
    return [this](std::span<const std::int64_t> batch) -> Status {
      if (failures_left > 0) {
        --failures_left;
        return make_error(Errc::unavailable, "refused by the test");
      }
      batches.emplace_back(batch.begin(), batch.end());
      return ok_status();
    };
  }
};

TEST(StagedBatch, AFlushWritesWhatWaitsInOrderAndAFullBatchWritesItself) {
  RecordingWrite w;
  Staged staged(3, w.write());
  ASSERT_TRUE(staged.add(1));
  ASSERT_TRUE(staged.add(2));
  EXPECT_TRUE(w.batches.empty());
  ASSERT_TRUE(staged.add(3));  // full
  ASSERT_TRUE(staged.add(4));
  ASSERT_TRUE(staged.flush());
  ASSERT_TRUE(staged.flush());  // nothing waits: no empty write
  EXPECT_EQ(w.batches, (std::vector<std::vector<std::int64_t>>{{1, 2, 3}, {4}}));
}

// The consumer records its position only after an ok flush, so the lost
// batch is delivered again: the flush after the loss must fail, once.
TEST(StagedBatch, AFullBatchLostInsideAddFailsTheNextFlushOnce) {
  RecordingWrite w;
  Staged staged(2, w.write());
  w.failures_left = 1;
  ASSERT_TRUE(staged.add(1));
  EXPECT_TRUE(staged.add(2)) << "the event in hand is fine; the loss is the flush's";
  ASSERT_TRUE(staged.add(3));
  auto flushed = staged.flush();
  ASSERT_FALSE(flushed);
  EXPECT_EQ(flushed.error().code, Errc::unavailable);
  EXPECT_EQ(w.batches, (std::vector<std::vector<std::int64_t>>{{3}}));
  EXPECT_TRUE(staged.flush());
}

TEST(StagedBatch, AFailedFlushReportsItsOwnWrite) {
  RecordingWrite w;
  Staged staged(10, w.write());
  ASSERT_TRUE(staged.add(1));
  w.failures_left = 1;
  EXPECT_FALSE(staged.flush());
  EXPECT_TRUE(staged.flush()) << "the failed batch is the consumer's to deliver again";
  EXPECT_TRUE(w.batches.empty());
}

}  // namespace
}  // namespace parley
