#include "client/conversation_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace parley::client {
namespace {

using Verdict = ConversationBuffer::Verdict;

Message msg(std::int64_t seq, std::string id = {}) {
  Message m;
  m.conversation_id = "c_1";
  m.seq = seq;
  m.message_id = id.empty() ? "m_" + std::to_string(seq) : std::move(id);
  return m;
}

std::vector<std::int64_t> seqs(const std::vector<Message>& ms) {
  std::vector<std::int64_t> out;
  for (auto& m : ms) out.push_back(m.seq);
  return out;
}

TEST(ConversationBuffer, InOrderIsDeliveredAtOnce) {
  ConversationBuffer b;
  std::vector<Message> ready;
  EXPECT_EQ(b.push(msg(1), ready), Verdict::delivered);
  EXPECT_EQ(b.push(msg(2), ready), Verdict::delivered);
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(b.last_seq(), 2);
  EXPECT_FALSE(b.has_gap());
}

TEST(ConversationBuffer, StartsAfterTheTrackedSeq) {
  ConversationBuffer b(10);
  std::vector<Message> ready;
  EXPECT_EQ(b.push(msg(10), ready), Verdict::duplicate);
  EXPECT_EQ(b.push(msg(11), ready), Verdict::delivered);
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{11}));
}

TEST(ConversationBuffer, OutOfOrderWaitsForTheGap) {
  ConversationBuffer b;
  std::vector<Message> ready;
  EXPECT_EQ(b.push(msg(1), ready), Verdict::delivered);
  EXPECT_EQ(b.push(msg(3), ready), Verdict::buffered);
  EXPECT_EQ(b.push(msg(4), ready), Verdict::buffered);
  EXPECT_TRUE(b.has_gap());
  EXPECT_EQ(b.pending(), 2u);
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(b.push(msg(2), ready), Verdict::delivered);
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_FALSE(b.has_gap());
  EXPECT_EQ(b.last_seq(), 4);
}

TEST(ConversationBuffer, DuplicatesBySeqAreDroppedDeliveredOrHeld) {
  ConversationBuffer b;
  std::vector<Message> ready;
  (void)b.push(msg(1), ready);
  (void)b.push(msg(3), ready);
  EXPECT_EQ(b.push(msg(1), ready), Verdict::duplicate);
  EXPECT_EQ(b.push(msg(3), ready), Verdict::duplicate);
  (void)b.push(msg(2), ready);
  EXPECT_EQ(b.push(msg(2), ready), Verdict::duplicate);
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(ConversationBuffer, DuplicatesByMessageIdUnderAnotherSeqAreDropped) {
  ConversationBuffer b;
  std::vector<Message> ready;
  (void)b.push(msg(1, "m_a"), ready);
  EXPECT_EQ(b.push(msg(2, "m_a"), ready), Verdict::duplicate);  // delivered id
  EXPECT_EQ(b.push(msg(5, "m_b"), ready), Verdict::buffered);
  EXPECT_EQ(b.push(msg(6, "m_b"), ready), Verdict::duplicate);  // held id
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{1}));
}

TEST(ConversationBuffer, AdvanceSkipsAheadAndReleasesWhatFollows) {
  ConversationBuffer b;
  std::vector<Message> ready;
  (void)b.push(msg(3), ready);
  (void)b.push(msg(6), ready);
  (void)b.push(msg(7), ready);
  b.advance_to(5, ready);  // the application holds 1..5 (3 is dropped, never delivered)
  EXPECT_EQ(seqs(ready), (std::vector<std::int64_t>{6, 7}));
  EXPECT_EQ(b.last_seq(), 7);
  b.advance_to(2, ready);  // never backwards
  EXPECT_EQ(b.last_seq(), 7);
}

TEST(ConversationBuffer, ShuffledWithRepeatsDeliversEachOnceInOrder) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<Message> input;
    for (int s = 1; s <= 200; ++s) {
      input.push_back(msg(s));
      if (rng() % 3 == 0) input.push_back(msg(s));  // retransmits
    }
    std::shuffle(input.begin(), input.end(), rng);
    ConversationBuffer b;
    std::vector<Message> ready;
    for (auto& m : input) (void)b.push(m, ready);
    ASSERT_EQ(ready.size(), 200u);
    for (std::size_t i = 0; i < ready.size(); ++i)
      ASSERT_EQ(ready[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_FALSE(b.has_gap());
  }
}

TEST(ConversationBuffer, HoldsAtMostTheCap) {
  ConversationBuffer b;
  std::vector<Message> ready;
  for (std::size_t i = 0; i < ConversationBuffer::kMaxPending; ++i)
    ASSERT_EQ(b.push(msg(static_cast<std::int64_t>(i) + 2), ready), Verdict::buffered);
  EXPECT_EQ(b.push(msg(100'000), ready), Verdict::dropped);
  EXPECT_EQ(b.push(msg(1), ready), Verdict::delivered);
  EXPECT_EQ(ready.size(), ConversationBuffer::kMaxPending + 1);
}

}  // namespace
}  // namespace parley::client
