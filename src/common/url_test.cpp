#include "common/url.h"

#include <gtest/gtest.h>

namespace parley {

TEST(Url, SegmentsAndQuery) {
  auto t = parse_target("/api/conversations/c%201/messages?limit=5&before_seq=9&x=a+b");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->segments.size(), 4u);
  EXPECT_EQ(t->segments[2], "c 1");
  ASSERT_TRUE(t->param("limit"));
  EXPECT_EQ(*t->param("limit"), "5");
  EXPECT_EQ(*t->param("x"), "a b");
  EXPECT_EQ(t->param("nope"), nullptr);
}

TEST(Url, BadInputs) {
  EXPECT_FALSE(parse_target(""));
  EXPECT_FALSE(parse_target("http://x/"));
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/a?b=%"));
  auto root = parse_target("/");
  ASSERT_TRUE(root);
  EXPECT_TRUE(root->segments.empty());
}

}  // namespace parley
