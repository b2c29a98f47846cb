#include "presence/local/local_presence.h"

#include <gtest/gtest.h>

namespace parley::presence {

TEST(LocalPresence, UnknownUserIsOfflineNeverSeen) {
  LocalPresence p;
  auto s = p.query({"ghost"});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_FALSE(s[0].online);
  EXPECT_EQ(s[0].last_seen, 0);
}

TEST(LocalPresence, OnlineThenOfflineKeepsLastSeen) {
  LocalPresence p;
  EXPECT_TRUE(p.set_online("a", 100));   // a transition
  EXPECT_FALSE(p.set_online("a", 120));  // already online
  EXPECT_TRUE(p.query({"a"})[0].online);
  EXPECT_TRUE(p.set_offline("a", 250));
  auto s = p.query({"a"})[0];
  EXPECT_FALSE(s.online);
  EXPECT_EQ(s.last_seen, 250);
}

}  // namespace parley::presence
