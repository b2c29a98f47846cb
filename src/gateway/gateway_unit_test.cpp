#include <gtest/gtest.h>

#include "gateway/origin_check.h"
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

TEST(OriginCheck, SameHostListedOrNoOriginOnly) {
  std::vector<std::string> none;
  EXPECT_TRUE(origin_allowed("", "chat.example", none));  // not a browser
  EXPECT_TRUE(origin_allowed("https://chat.example", "chat.example", none));
  EXPECT_TRUE(origin_allowed("https://chat.example", "chat.example:443", none));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", none));
  EXPECT_TRUE(origin_allowed("HTTP://Chat.Example", "chat.example", none));
  EXPECT_FALSE(origin_allowed("https://evil.example", "chat.example", none));
  EXPECT_FALSE(origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080", none));
  EXPECT_FALSE(origin_allowed("null", "chat.example", none));
  EXPECT_FALSE(origin_allowed("https://chat.example.evil.example", "chat.example", none));
  std::vector<std::string> listed{"https://app.example"};
  EXPECT_TRUE(origin_allowed("https://app.example", "api.example", listed));
  EXPECT_FALSE(origin_allowed("https://other.example", "api.example", listed));
}

TEST(UpgradeToken, BearerIsCaseInsensitive) {
  EXPECT_EQ(bearer_token("bearer x.y.z"), "x.y.z");
  EXPECT_EQ(bearer_token("BEARER   x.y.z  "), "x.y.z");
  EXPECT_EQ(bearer_token("Bearer"), "");
}

std::vector<std::string> drain(OutboundQueue& q) {
  std::vector<OutboundQueue::Entry> taken;
  q.take(1000, taken);
  std::vector<std::string> out;
  for (auto& e : taken) out.push_back(*e.frame);
  return out;
}

TEST(OutboundQueue, BoundedByFramesAndBytes) {
  using P = OutboundQueue::Push;
  OutboundQueue q(2, 10);
  auto f = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  EXPECT_EQ(q.push(f(4), false), P::queued);
  EXPECT_EQ(q.push(f(4), false), P::queued);
  EXPECT_EQ(q.push(f(1), false), P::overflow);  // frames
  std::vector<OutboundQueue::Entry> taken;
  q.take(1, taken);
  EXPECT_EQ(q.push(f(7), false), P::overflow);  // bytes: 4 + 7 > 10
  EXPECT_EQ(q.push(f(6), false), P::queued);
  EXPECT_EQ(q.bytes(), 10u);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutboundQueue, EphemeralFramesGiveWayToMessages) {
  using P = OutboundQueue::Push;
  OutboundQueue q(3, 100);
  auto f = [](char c) { return std::make_shared<const std::string>(1, c); };
  EXPECT_EQ(q.push(f('t'), true), P::queued);   // typing
  EXPECT_EQ(q.push(f('m'), false), P::queued);  // message
  EXPECT_EQ(q.push(f('p'), true), P::queued);   // presence
  EXPECT_EQ(q.push(f('x'), true), P::dropped);  // full: ephemeral dropped
  EXPECT_EQ(q.push(f('n'), false), P::queued);  // evicts 't'
  EXPECT_EQ(drain(q), (std::vector<std::string>{"m", "p", "n"}));
  EXPECT_EQ(q.push(f('o'), false), P::queued);
  EXPECT_EQ(q.push(f('q'), false), P::queued);
  EXPECT_EQ(q.push(f('r'), false), P::queued);
  EXPECT_EQ(q.push(f('s'), false), P::overflow);  // only messages left
  q.push_unbounded(f('c'));                       // a close always fits
  EXPECT_EQ(drain(q), (std::vector<std::string>{"o", "q", "r", "c"}));
}

TEST(OutboundQueue, TakesInOrderAcrossManyPushes) {
  OutboundQueue q(10'000, 1 << 20);
  for (int i = 0; i < 500; ++i) q.push(std::make_shared<const std::string>(std::to_string(i)), false);
  std::vector<OutboundQueue::Entry> taken;
  for (int round = 0; round < 10; ++round) q.take(50, taken);
  ASSERT_EQ(taken.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(*taken[i].frame, std::to_string(i));
  EXPECT_TRUE(q.empty());
}

}  // namespace parley::gateway
