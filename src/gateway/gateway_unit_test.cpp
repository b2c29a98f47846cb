#include <gtest/gtest.h>

#include "gateway/outbound_queue.h"
#include "gateway/upgrade_token.h"

namespace parley::gateway {

TEST(UpgradeToken, HeaderWinsThenQueryThenSubprotocol) {
  auto h = find_upgrade_token("Bearer aaa.bbb.ccc", "/ws?token=q.q.q", "parley, s.s.s");
  EXPECT_EQ(h.token, "aaa.bbb.ccc");
  EXPECT_TRUE(h.offered_parley);
  auto q = find_upgrade_token("", "/ws?token=q.q.q", "");
  EXPECT_EQ(q.token, "q.q.q");
  EXPECT_FALSE(q.offered_parley);
  auto s = find_upgrade_token("", "/ws", "parley, s.s.s");
  EXPECT_EQ(s.token, "s.s.s");
  EXPECT_TRUE(find_upgrade_token("", "/ws", "").token.empty());
  EXPECT_TRUE(find_upgrade_token("Basic abc", "/ws", "parley").token.empty());
}

TEST(UpgradeToken, BearerIsCaseInsensitive) {
  EXPECT_EQ(bearer_token("bearer x.y.z"), "x.y.z");
  EXPECT_EQ(bearer_token("BEARER   x.y.z  "), "x.y.z");
  EXPECT_EQ(bearer_token("Bearer"), "");
}

TEST(OutboundQueue, BoundedByFramesAndBytes) {
  OutboundQueue q(2, 10);
  auto f = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  EXPECT_TRUE(q.push(f(4)));
  EXPECT_TRUE(q.push(f(4)));
  EXPECT_FALSE(q.push(f(1)));  // frames
  q.pop();
  EXPECT_FALSE(q.push(f(7)));  // bytes: 4 + 7 > 10
  EXPECT_TRUE(q.push(f(6)));
  EXPECT_EQ(q.bytes(), 10u);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace parley::gateway
