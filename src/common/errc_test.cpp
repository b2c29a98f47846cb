#include "common/errc.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "common/result.h"

namespace parley {

TEST(Errc, WireNamesAndStatuses) {
  EXPECT_EQ(wire_name(Errc::not_member), "not_member");
  EXPECT_EQ(http_status(Errc::not_member), 403);
  EXPECT_EQ(http_status(Errc::not_found), 404);
  EXPECT_EQ(wire_name(std::make_error_code(std::errc::io_error)), "internal");
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = 3;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = make_error(Errc::forbidden, "no");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::forbidden);
}

TEST(Ids, UniqueAndValid) {
  auto a = new_id("m_"), b = new_id("m_");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 26u);
  EXPECT_TRUE(valid_user_id("alice@example.com"));
  EXPECT_FALSE(valid_user_id(""));
  EXPECT_FALSE(valid_user_id("a b"));
  EXPECT_FALSE(valid_user_id(std::string(129, 'a')));
}

TEST(Ids, TimeOrderedIdsSortByCreation) {
  auto a = new_time_ordered_id("m_");
  auto b = new_time_ordered_id("m_");
  EXPECT_EQ(a.size(), 26u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 8), b.substr(0, 8));  // same time prefix within a ms-ish window
  EXPECT_TRUE(valid_user_id(a));
}

TEST(Ids, DirectConversationIdIsThePairs) {
  auto ab = direct_conversation_id("alice", "bob");
  EXPECT_EQ(ab, direct_conversation_id("bob", "alice"));
  EXPECT_NE(ab, direct_conversation_id("alice", "carol"));
  EXPECT_EQ(ab.size(), 26u);
  EXPECT_EQ(ab.substr(0, 2), "d_");
}

}  // namespace parley
