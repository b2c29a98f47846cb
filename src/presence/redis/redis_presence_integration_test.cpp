// Two RedisPresence instances (gateways "A" and "B") on the first node of
// PARLEY_REDIS_URLS (scripts/services/redis.sh start); skipped without it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "common/clock.h"
#include "presence/redis/redis_presence.h"

namespace parley::presence {
namespace {

using namespace std::chrono_literals;

std::string first_url() {
  const char* v = std::getenv("PARLEY_REDIS_URLS");
  if (!v) return {};
  std::string s(v);
  return s.substr(0, s.find(','));
}

// Unique per run: runs may share the node, and keys outlive a run.
std::string unique(const std::string& prefix) {
  static const auto run = std::to_string(std::random_device{}());
  static int n = 0;
  return prefix + run + "_" + std::to_string(++n);
}

// Polls a condition until it holds or the deadline passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class RedisPresenceIT : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = first_url();
    if (url_.empty()) GTEST_SKIP() << "PARLEY_REDIS_URLS not set";
  }
  std::string url_;
};

TEST_F(RedisPresenceIT, TwoGatewaysOnlineAndOffline) {
  RedisPresence a(unique("gw_a_"), url_), b(unique("gw_b_"), url_);
  auto u = unique("u_");
  auto s = a.query({u})[0];
  EXPECT_FALSE(s.online);
  EXPECT_EQ(s.last_seen, 0);

  EXPECT_TRUE(a.set_online(u, now_ms()));    // offline everywhere before
  EXPECT_FALSE(b.set_online(u, now_ms()));   // A still has them
  EXPECT_FALSE(a.set_offline(u, now_ms()));  // B still has them
  EXPECT_TRUE(b.query({u})[0].online);

  auto gone = now_ms();
  EXPECT_TRUE(b.set_offline(u, gone));  // now offline everywhere
  s = a.query({u})[0];
  EXPECT_FALSE(s.online);
  EXPECT_EQ(s.last_seen, gone);
  EXPECT_TRUE(a.set_online(u, now_ms()));  // and back: a transition again
}

TEST_F(RedisPresenceIT, QueryManyInOrder) {
  RedisPresence a(unique("gw_a_"), url_);
  auto on = unique("u_"), off = unique("u_"), never = unique("u_");
  a.set_online(on, now_ms());
  a.set_online(off, now_ms());
  a.set_offline(off, 1234);
  auto s = a.query({on, off, never});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].user_id, on);
  EXPECT_TRUE(s[0].online);
  EXPECT_FALSE(s[1].online);
  EXPECT_EQ(s[1].last_seen, 1234);
  EXPECT_FALSE(s[2].online);
  EXPECT_EQ(s[2].last_seen, 0);
  EXPECT_TRUE(a.query({}).empty());
}

TEST_F(RedisPresenceIT, RefreshedEntriesOutliveTheTtl) {
  RedisPresenceOptions short_ttl{.ttl = 300ms};
  RedisPresence a(unique("gw_a_"), url_, short_ttl), b(unique("gw_b_"), url_, short_ttl);
  auto u = unique("u_");
  ASSERT_TRUE(a.set_online(u, now_ms()));
  // Four ttls pass; A's refresher (every 100 ms) keeps the user online.
  auto until = std::chrono::steady_clock::now() + 1200ms;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(b.query({u})[0].online);
    std::this_thread::sleep_for(50ms);
  }
}

TEST_F(RedisPresenceIT, AGatewayThatStopsRefreshingExpires) {
  RedisPresenceOptions short_ttl{.ttl = 300ms};
  RedisPresence b(unique("gw_b_"), url_, short_ttl);
  auto u = unique("u_");
  auto start = std::chrono::steady_clock::now();
  {
    RedisPresence a(unique("gw_a_"), url_, short_ttl);
    ASSERT_TRUE(a.set_online(u, now_ms()));
    EXPECT_TRUE(b.query({u})[0].online);
  }  // A dies without set_offline: its entry only expires
  EXPECT_TRUE(eventually([&] { return !b.query({u})[0].online; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  // The expired gateway no longer counts: B's arrival is a transition.
  EXPECT_TRUE(b.set_online(u, now_ms()));
}

TEST(RedisPresenceDown, KeepsTheServiceWorking) {
  // Port 1 on loopback refuses at once; the answers keep the service going.
  RedisPresence p("gw_down", "redis://127.0.0.1:1", {.ttl = 300ms});
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(p.set_online("u_1", now_ms()));
  EXPECT_TRUE(p.set_online("u_1", now_ms()));
  EXPECT_TRUE(p.set_offline("u_1", now_ms()));
  auto s = p.query({"u_1", "u_2"});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[0].online);
  EXPECT_FALSE(p.healthy());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST(RedisPresenceConfig, MalformedUrlOrIdIsAStartUpError) {
  EXPECT_THROW(RedisPresence("gw", "redis://h:x"), std::invalid_argument);
  EXPECT_THROW(RedisPresence("", "redis://127.0.0.1:1"), std::invalid_argument);
}

}  // namespace
}  // namespace parley::presence
