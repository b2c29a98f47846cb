// The staging both search backends share: batches written in order, and a
// full batch whose write failed inside stage() reported by the next flush.
#include "search/staged_messages.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::search {
namespace {

IndexedMessage message(std::int64_t seq) {
  return IndexedMessage{"c1", seq, "m" + std::to_string(seq), 1, false, "text"};
}

struct RecordingWrite {
  std::vector<std::vector<std::int64_t>> batches;
  int failures_left = 0;
  StagedMessages::Write write() {
    return [this](std::span<const IndexedMessage> batch) -> Status {
      if (failures_left > 0) {
        --failures_left;
        return make_error(Errc::unavailable, "refused by the test");
      }
      std::vector<std::int64_t> seqs;
      for (const auto& m : batch) seqs.push_back(m.seq);
      batches.push_back(seqs);
      return ok_status();
    };
  }
};

TEST(StagedMessages, AFlushWritesWhatWaitsInOrderAndAFullBatchWritesItself) {
  RecordingWrite w;
  StagedMessages staged(3, w.write());
  ASSERT_TRUE(staged.add(message(1)));
  ASSERT_TRUE(staged.add(message(2)));
  EXPECT_TRUE(w.batches.empty());
  ASSERT_TRUE(staged.add(message(3)));  // full
  ASSERT_TRUE(staged.add(message(4)));
  ASSERT_TRUE(staged.flush());
  ASSERT_TRUE(staged.flush());  // nothing waits: no empty write
  EXPECT_EQ(w.batches, (std::vector<std::vector<std::int64_t>>{{1, 2, 3}, {4}}));
}

// The consumer records its position only after an ok flush, so the lost
// batch is delivered again: the flush after the loss must fail, once.
TEST(StagedMessages, AFullBatchLostInsideAddFailsTheNextFlushOnce) {
  RecordingWrite w;
  StagedMessages staged(2, w.write());
  w.failures_left = 1;
  ASSERT_TRUE(staged.add(message(1)));
  EXPECT_TRUE(staged.add(message(2))) << "the event in hand is fine; the loss is the flush's";
  ASSERT_TRUE(staged.add(message(3)));
  auto flushed = staged.flush();
  ASSERT_FALSE(flushed);
  EXPECT_EQ(flushed.error().code, Errc::unavailable);
  EXPECT_EQ(w.batches, (std::vector<std::vector<std::int64_t>>{{3}}));
  EXPECT_TRUE(staged.flush());
}

TEST(StagedMessages, AFailedFlushReportsItsOwnWrite) {
  RecordingWrite w;
  StagedMessages staged(10, w.write());
  ASSERT_TRUE(staged.add(message(1)));
  w.failures_left = 1;
  EXPECT_FALSE(staged.flush());
  EXPECT_TRUE(staged.flush()) << "the failed batch is the consumer's to deliver again";
  EXPECT_TRUE(w.batches.empty());
}

}  // namespace
}  // namespace parley::search
