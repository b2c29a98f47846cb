#include "service/presence_once.h"

#include <gtest/gtest.h>

namespace parley::service {
namespace {

TEST(PresenceOnce, EachRecipientHearsAChangeOnce) {
  PresenceOnce once;
  const std::string online = R"({"type":"presence","user_id":"bob","online":true})";
  EXPECT_TRUE(once.first("bob", online, "alice"));
  EXPECT_TRUE(once.first("bob", online, "carol"));
  EXPECT_FALSE(once.first("bob", online, "alice")) << "the same change over a second channel";
  EXPECT_TRUE(once.first("dan", online, "alice")) << "another user's change";
}

TEST(PresenceOnce, ANewChangeOfTheUserIsHeardAgain) {
  PresenceOnce once;
  const std::string online = R"({"online":true,"last_seen":1})";
  const std::string offline = R"({"online":false,"last_seen":2})";
  EXPECT_TRUE(once.first("bob", online, "alice"));
  EXPECT_TRUE(once.first("bob", offline, "alice"));
  EXPECT_FALSE(once.first("bob", offline, "alice"));
  // The older change late over another channel is heard (then the newer one
  // still on that channel): the last heard is the newest.
  EXPECT_TRUE(once.first("bob", online, "alice"));
  EXPECT_TRUE(once.first("bob", offline, "alice"));
}

TEST(PresenceOnce, BoundedByRecipientsOverAllUsers) {
  PresenceOnce once(100, /*max_recipients=*/3);
  EXPECT_TRUE(once.first("a", "f", "x"));
  EXPECT_TRUE(once.first("a", "f", "y"));
  EXPECT_TRUE(once.first("b", "f", "x"));
  EXPECT_FALSE(once.first("a", "f", "x"));  // still remembered: 3 held
  EXPECT_TRUE(once.first("b", "f", "y"));   // a fourth: starts over
  EXPECT_TRUE(once.first("a", "f", "x")) << "forgotten: heard twice, never lost";
}

TEST(PresenceOnce, BoundedByUsers) {
  PresenceOnce once(2);
  EXPECT_TRUE(once.first("a", "f", "x"));
  EXPECT_TRUE(once.first("b", "f", "x"));
  EXPECT_TRUE(once.first("c", "f", "x"));  // starts over
  EXPECT_TRUE(once.first("a", "f", "x")) << "forgotten: heard twice, never lost";
}

}  // namespace
}  // namespace parley::service
