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
  using P = OutboundQueue::Push;
  OutboundQueue q(2, 10);
  auto f = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  EXPECT_EQ(q.push(f(4), false, false), P::queued);
  EXPECT_EQ(q.push(f(4), false, false), P::queued);
  EXPECT_EQ(q.push(f(1), false, false), P::overflow);  // frames
  q.pop();
  EXPECT_EQ(q.push(f(7), false, false), P::overflow);  // bytes: 4 + 7 > 10
  EXPECT_EQ(q.push(f(6), false, false), P::queued);
  EXPECT_EQ(q.bytes(), 10u);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, EphemeralFramesGiveWayToMessages) {
  using P = OutboundQueue::Push;
  OutboundQueue q(3, 100);
  auto f = [](char c) { return std::make_shared<const std::string>(1, c); };
  EXPECT_EQ(q.push(f('t'), true, false), P::queued);   // typing, being written
  EXPECT_EQ(q.push(f('p'), true, true), P::queued);    // presence
  EXPECT_EQ(q.push(f('m'), false, true), P::queued);   // message
  EXPECT_EQ(q.push(f('x'), true, true), P::dropped);   // full: ephemeral dropped
  EXPECT_EQ(q.push(f('n'), false, true), P::queued);   // evicts 'p', keeps 't' in flight
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(*q.front(), "t");
  q.pop();
  EXPECT_EQ(*q.front(), "m");
  q.pop();
  EXPECT_EQ(*q.front(), "n");
  EXPECT_EQ(q.push(f('o'), false, true), P::queued);
  EXPECT_EQ(q.push(f('q'), false, true), P::queued);
  EXPECT_EQ(q.push(f('r'), false, true), P::overflow);  // only messages left
}

}  // namespace parley::gateway
