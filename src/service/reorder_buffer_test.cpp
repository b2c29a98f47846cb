#include "service/reorder_buffer.h"

#include <gtest/gtest.h>

namespace parley::service {
namespace {

bus::Envelope msg(const std::string& conversation, std::int64_t seq) {
  bus::Envelope e;
  e.target = conversation;
  e.seq = seq;
  return e;
}

std::vector<std::int64_t> seqs(const std::vector<bus::Envelope>& out) {
  std::vector<std::int64_t> s;
  for (const auto& e : out) s.push_back(e.seq);
  return s;
}

TEST(ReorderBuffer, InOrderPassesStraightThrough) {
  ReorderBuffer b({50});
  EXPECT_EQ(seqs(b.push(msg("c", 7), 0)), std::vector<std::int64_t>{7});  // first seen
  EXPECT_EQ(seqs(b.push(msg("c", 8), 0)), std::vector<std::int64_t>{8});
  EXPECT_EQ(b.next_deadline(), 0);
}

TEST(ReorderBuffer, HoldsUntilTheMissingSeqArrives) {
  ReorderBuffer b({50});
  b.push(msg("c", 1), 0);
  EXPECT_TRUE(b.push(msg("c", 3), 10).empty());
  EXPECT_TRUE(b.push(msg("c", 4), 11).empty());
  EXPECT_EQ(b.held(), 2u);
  EXPECT_EQ(b.next_deadline(), 60);
  EXPECT_EQ(seqs(b.push(msg("c", 2), 12)), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_EQ(b.held(), 0u);
  EXPECT_EQ(b.next_deadline(), 0);
}

TEST(ReorderBuffer, ReleasesAfterTheWindowAndLeavesTheGap) {
  ReorderBuffer b({50});
  b.push(msg("c", 1), 0);
  b.push(msg("c", 4), 100);
  b.push(msg("c", 3), 120);
  EXPECT_TRUE(b.expire(149).empty());
  EXPECT_EQ(seqs(b.expire(150)), (std::vector<std::int64_t>{3, 4}));
  // The straggler still goes out (the delivery tracker decides per device),
  // and what follows flows again.
  EXPECT_EQ(seqs(b.push(msg("c", 2), 151)), std::vector<std::int64_t>{2});
  EXPECT_EQ(seqs(b.push(msg("c", 5), 152)), std::vector<std::int64_t>{5});
}

TEST(ReorderBuffer, ConversationsAreIndependent) {
  ReorderBuffer b({50});
  b.push(msg("a", 1), 0);
  b.push(msg("b", 1), 0);
  EXPECT_TRUE(b.push(msg("a", 3), 1).empty());
  EXPECT_EQ(seqs(b.push(msg("b", 2), 1)), std::vector<std::int64_t>{2});
}

TEST(ReorderBuffer, NonMessagesAndUserScopePassThrough) {
  ReorderBuffer b({50});
  b.push(msg("c", 1), 0);
  bus::Envelope typing;
  typing.target = "c";
  EXPECT_EQ(b.push(typing, 0).size(), 1u);
  auto user = msg("u", 9);
  user.scope = bus::Envelope::Scope::user;
  EXPECT_EQ(b.push(user, 0).size(), 1u);
}

TEST(ReorderBuffer, BoundedPerConversation) {
  ReorderBuffer b({50, 3});
  b.push(msg("c", 1), 0);
  b.push(msg("c", 3), 0);
  b.push(msg("c", 4), 0);
  b.push(msg("c", 5), 0);
  EXPECT_EQ(seqs(b.push(msg("c", 6), 0)), (std::vector<std::int64_t>{3, 4, 5, 6}));
  EXPECT_EQ(b.held(), 0u);
}

}  // namespace
}  // namespace parley::service
