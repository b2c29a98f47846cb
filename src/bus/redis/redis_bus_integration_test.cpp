// Two RedisBus instances ("gateways") over the nodes in PARLEY_REDIS_URLS
// (scripts/services/redis.sh start); skipped without it.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>

#include "bus/redis/envelope_codec.h"
#include "bus/redis/node_ring.h"
#include "bus/redis/redis_bus.h"
#include "bus/redis/redis_endpoint.h"

namespace parley::bus {
namespace {

using namespace std::chrono_literals;
using Scope = Envelope::Scope;

std::vector<std::string> env_urls() {
  std::vector<std::string> out;
  const char* v = std::getenv("PARLEY_REDIS_URLS");
  if (!v) return out;
  std::stringstream ss(v);
  for (std::string u; std::getline(ss, u, ',');)
    if (!u.empty()) out.push_back(u);
  return out;
}

// Unique per run: several runs may share the nodes.
std::string unique(const std::string& prefix) {
  static const auto run = std::to_string(std::random_device{}());
  static int n = 0;
  return prefix + run + "_" + std::to_string(++n);
}

Envelope make(Scope scope, const std::string& target, std::int64_t seq) {
  Envelope e;
  e.scope = scope;
  e.target = target;
  e.seq = seq;
  e.frame = std::make_shared<const std::string>("frame-" + std::to_string(seq));
  return e;
}

class RedisBusIT : public ::testing::Test {
 protected:
  void SetUp() override {
    urls_ = env_urls();
    if (urls_.empty()) GTEST_SKIP() << "PARLEY_REDIS_URLS not set";
    a_ = std::make_unique<RedisBus>(ioa_.get_executor(), urls_);
    b_ = std::make_unique<RedisBus>(iob_.get_executor(), urls_);
    a_->set_handler([this](const Envelope& e) { got_a_.push_back(e); });
    b_->set_handler([this](const Envelope& e) { got_b_.push_back(e); });
    ASSERT_TRUE(pump_until([&] { return a_->healthy() && b_->healthy(); }));
  }

  // Runs both gateways' loops until pred holds or the deadline passes.
  template <class Pred>
  bool pump_until(Pred pred, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioa_.run_for(1ms);
      iob_.run_for(1ms);
    }
    return true;
  }

  // For checks that something does NOT arrive: a grace period, not a sync.
  void pump_for(std::chrono::milliseconds d) {
    pump_until([] { return false; }, d);
  }

  boost::asio::io_context ioa_, iob_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> wa_{ioa_.get_executor()},
      wb_{iob_.get_executor()};
  std::vector<std::string> urls_;
  std::unique_ptr<RedisBus> a_, b_;
  std::vector<Envelope> got_a_, got_b_;
};

TEST_F(RedisBusIT, ThousandEnvelopesArriveInOrder) {
  auto conv = unique("c_");
  b_->subscribe(Scope::conversation, conv);
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == 1; }));
  for (int i = 1; i <= 1000; ++i) {
    auto e = make(Scope::conversation, conv, i);
    e.skip_user = "u_typist";
    a_->publish(std::move(e));
  }
  ASSERT_TRUE(pump_until([&] { return got_b_.size() >= 1000; })) << got_b_.size();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(got_b_[i].seq, i + 1);
    EXPECT_EQ(got_b_[i].target, conv);
    EXPECT_EQ(*got_b_[i].frame, "frame-" + std::to_string(i + 1));
    EXPECT_EQ(got_b_[i].skip_user, "u_typist");
  }
  EXPECT_TRUE(got_a_.empty());  // A never subscribed
}

// The publisher wakes its link only when its queue was empty. Bursts of
// varying size with varying gaps land at every point of the link's cycle
// (asleep, filling, writing); a wake lost in any of them would leave the
// tail of a burst in the queue and this count short.
TEST_F(RedisBusIT, BurstsWithGapsAllArrive) {
  auto conv = unique("c_");
  b_->subscribe(Scope::conversation, conv);
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == 1; }));
  std::mt19937 rng(7);
  int seq = 0;
  for (int burst = 0; burst < 300; ++burst) {
    const int size = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < size; ++i) a_->publish(make(Scope::conversation, conv, ++seq));
    // A gap of 0 to 50 us, spun: varies where the link's thread is when the next
    // burst comes (not a synchronisation: nothing waits for anything here).
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(rng() % 50);
    while (std::chrono::steady_clock::now() < until) {
    }
  }
  ASSERT_TRUE(pump_until([&] { return static_cast<int>(got_b_.size()) >= seq; }))
      << got_b_.size() << " of " << seq;
  for (int i = 0; i < seq; ++i) ASSERT_EQ(got_b_[i].seq, i + 1);
  // And one at a time into an idle link: each is the first of its burst.
  for (int i = 0; i < 20; ++i) {
    a_->publish(make(Scope::conversation, conv, ++seq));
    ASSERT_TRUE(pump_until([&] { return static_cast<int>(got_b_.size()) >= seq; }, 2s))
        << "single publish " << i << " stuck";
  }
}

TEST_F(RedisBusIT, UnsubscribeStopsDeliveryAfterTheLastReference) {
  auto conv = unique("c_"), marker = unique("c_marker_");
  b_->subscribe(Scope::conversation, conv);
  b_->subscribe(Scope::conversation, conv);  // a second device
  b_->subscribe(Scope::conversation, marker);
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == 2; }));

  b_->unsubscribe(Scope::conversation, conv);  // one reference left
  a_->publish(make(Scope::conversation, conv, 1));
  ASSERT_TRUE(pump_until([&] { return got_b_.size() == 1; }));

  b_->unsubscribe(Scope::conversation, conv);
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == 1; }));
  a_->publish(make(Scope::conversation, conv, 2));
  a_->publish(make(Scope::conversation, marker, 3));
  ASSERT_TRUE(pump_until([&] { return got_b_.size() >= 2; }));
  pump_for(100ms);  // a stray envelope would show up here
  ASSERT_EQ(got_b_.size(), 2u);
  EXPECT_EQ(got_b_[1].target, marker);
}

TEST_F(RedisBusIT, UserChannel) {
  auto user = unique("u_");
  b_->subscribe(Scope::user, user);
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == 1; }));
  auto e = make(Scope::user, user, 7);
  e.skip_session = "s_phone";
  e.ephemeral = true;
  a_->publish(std::move(e));
  a_->publish(make(Scope::conversation, user, 8));  // same id, other scope: not ours
  ASSERT_TRUE(pump_until([&] { return !got_b_.empty(); }));
  pump_for(100ms);  // the conversation-scope one must not show up
  ASSERT_EQ(got_b_.size(), 1u);
  EXPECT_EQ(got_b_[0].scope, Scope::user);
  EXPECT_EQ(got_b_[0].skip_session, "s_phone");
  EXPECT_TRUE(got_b_[0].ephemeral);
}

TEST_F(RedisBusIT, ResubscribesAfterANodeRestarts) {
  // Channels on every node, and one known to live on the node we restart.
  NodeRing ring([&] {
    std::vector<std::string> names;
    for (const auto& u : urls_) names.push_back(redis::parse_endpoint(u)->url());
    return names;
  }());
  std::vector<std::string> convs;
  std::string on_first;
  for (int i = 0; i < 20 || on_first.empty(); ++i) {
    auto c = unique("c_");
    if (on_first.empty() && ring.node_for(channel_of(Scope::conversation, c)) == 0) on_first = c;
    convs.push_back(c);
    b_->subscribe(Scope::conversation, c);
  }
  ASSERT_TRUE(pump_until([&] { return b_->confirmed_subscriptions() == convs.size(); }));

  auto port = redis::parse_endpoint(urls_[0])->port;
  const char* dir = std::getenv("PARLEY_REDIS_DIR");
  std::string cmd = std::string(PARLEY_SOURCE_DIR) + "/scripts/services/redis.sh restart-one " +
                    (dir ? dir : "/tmp/parley-redis") + " " + std::to_string(port) +
                    " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  ASSERT_TRUE(pump_until([&] {
    return a_->healthy() && b_->healthy() && b_->confirmed_subscriptions() == convs.size();
  }));
  // Best-effort bus: probe until one gets through, then expect order again.
  std::int64_t seq = 0;
  ASSERT_TRUE(pump_until([&] {
    a_->publish(make(Scope::conversation, on_first, ++seq));
    return pump_until([&] { return !got_b_.empty(); }, 200ms);
  }));
  got_b_.clear();
  for (int i = 0; i < 100; ++i) a_->publish(make(Scope::conversation, on_first, 1000 + i));
  ASSERT_TRUE(pump_until([&] { return got_b_.size() >= 100; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got_b_[i].seq, 1000 + i);
}

TEST(RedisBusDown, PublishesToANodeThatIsDownAreDroppedQuietly) {
  boost::asio::io_context io;
  // Port 1 on loopback: refused at once. Nothing may throw or block.
  RedisBus bus(io.get_executor(), {"redis://127.0.0.1:1"}, {.max_queued_publishes = 10});
  bus.set_handler([](const Envelope&) {});
  bus.subscribe(Scope::conversation, "c_1");
  for (int i = 0; i < 100; ++i) bus.publish(make(Scope::conversation, "c_1", i));
  EXPECT_FALSE(bus.healthy());
  bus.unsubscribe(Scope::conversation, "c_1");
}

TEST(RedisBusConfig, MalformedUrlIsAStartUpError) {
  boost::asio::io_context io;
  EXPECT_THROW(RedisBus(io.get_executor(), {"redis://h:x"}), std::invalid_argument);
  EXPECT_THROW(RedisBus(io.get_executor(), {}), std::invalid_argument);
}

}  // namespace
}  // namespace parley::bus
