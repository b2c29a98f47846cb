// Collapsing, mutes, gone devices, retries, the queue bound, and a slow
// provider that must not hold up anyone else.
#include "push/push_dispatcher.h"

#include <gtest/gtest.h>

#include <set>

#include "push/curl_http_client.h"
#include "push/memory/memory_device_registry.h"
#include "push/push_metrics.h"
#include "push/testing/fake_push_server.h"
#include "push/testing/recording_provider.h"
#include "push/unifiedpush_provider.h"

namespace parley::push {
namespace {

using namespace std::chrono_literals;
using testing::RecordingProvider;

PushMessage msg(std::string user, std::string conversation, std::int64_t seq) {
  PushMessage m;
  m.user_id = std::move(user);
  m.conversation_id = std::move(conversation);
  m.sender_id = "alice";
  m.seq = seq;
  return m;
}

Device device(std::string id, std::string user, Platform p = Platform::unifiedpush,
              std::string endpoint = {}) {
  Device d;
  d.id = std::move(id);
  d.user_id = std::move(user);
  d.platform = p;
  d.endpoint = endpoint.empty() ? "https://push.example/" + d.id : std::move(endpoint);
  return d;
}

class Dispatcher : public ::testing::Test {
 protected:
  std::unique_ptr<PushDispatcher> make(DispatcherOptions o) {
    return std::make_unique<PushDispatcher>(
        registry_, PushDispatcher::Providers{&provider_, &provider_, nullptr, nullptr}, o);
  }
  MemoryDeviceRegistry registry_;
  RecordingProvider provider_;
};

TEST_F(Dispatcher, SendsToEveryDeviceOfTheUser) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  ASSERT_TRUE(registry_.add(device("d2", "bob", Platform::webpush)));
  ASSERT_TRUE(registry_.add(device("d3", "carol")));
  auto d = make({2, 100, 0ms, 1, 10ms});
  auto sent_before = metric::sent.value();
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));
  ASSERT_TRUE(d->wait_idle(5s));
  auto calls = provider_.calls();
  ASSERT_EQ(calls.size(), 2u);
  std::set<std::string> ids{calls[0].device.id, calls[1].device.id};
  EXPECT_EQ(ids, (std::set<std::string>{"d1", "d2"}));
  EXPECT_EQ(metric::sent.value() - sent_before, 2u);
}

TEST_F(Dispatcher, ABurstCollapsesIntoOneLaterPushOfTheLatest) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  auto d = make({1, 100, 400ms, 1, 10ms});
  auto collapsed_before = metric::collapsed.value();
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));  // goes at once
  ASSERT_EQ(provider_.wait_for(1, 5s).size(), 1u);
  for (int seq = 2; seq <= 5; ++seq) ASSERT_TRUE(d->submit(msg("bob", "c1", seq)));
  ASSERT_TRUE(d->submit(msg("bob", "c2", 1)));  // another conversation: its own window
  ASSERT_TRUE(d->wait_idle(5s));
  auto calls = provider_.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].message.seq, 1);
  EXPECT_EQ(calls[1].message.conversation_id, "c2") << "c2 is not held back by c1's window";
  EXPECT_EQ(calls[2].message.conversation_id, "c1");
  EXPECT_EQ(calls[2].message.seq, 5) << "the latest wins";
  EXPECT_EQ(metric::collapsed.value() - collapsed_before, 3u);
}

TEST_F(Dispatcher, MutedConversationsAreSkipped) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  ASSERT_TRUE(registry_.set_muted("bob", "c1", true));
  auto d = make({1, 100, 0ms, 1, 10ms});
  auto muted_before = metric::muted.value();
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));
  ASSERT_TRUE(d->submit(msg("bob", "c2", 1)));
  ASSERT_TRUE(d->wait_idle(5s));
  auto calls = provider_.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].message.conversation_id, "c2");
  EXPECT_EQ(metric::muted.value() - muted_before, 1u);
}

TEST_F(Dispatcher, AGoneDeviceIsRemoved) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  ASSERT_TRUE(registry_.add(device("d2", "bob")));
  provider_.script({{Outcome::gone, {}, "HTTP 410"}});
  auto d = make({1, 100, 0ms, 1, 10ms});
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));
  ASSERT_TRUE(d->wait_idle(5s));
  auto left = registry_.list("bob");
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, "d2");
}

TEST_F(Dispatcher, RetriesWithBackoffThenGivesUp) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  provider_.script({{Outcome::retry, {}, "HTTP 503"}, {Outcome::retry, {}, "HTTP 429"}});
  auto d = make({1, 100, 0ms, 3, 20ms});
  auto retries_before = metric::retries.value();
  auto sent_before = metric::sent.value();
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));
  ASSERT_TRUE(d->wait_idle(5s));
  EXPECT_EQ(provider_.calls().size(), 3u);
  EXPECT_EQ(metric::retries.value() - retries_before, 2u);
  EXPECT_EQ(metric::sent.value() - sent_before, 1u);

  provider_.script({{Outcome::retry, {}, "1"}, {Outcome::retry, {}, "2"}, {Outcome::retry, {}, "3"}});
  auto failed_before = metric::failed.value();
  ASSERT_TRUE(d->submit(msg("bob", "c2", 1)));
  ASSERT_TRUE(d->wait_idle(5s));
  EXPECT_EQ(provider_.calls().size(), 6u) << "three attempts, then given up";
  EXPECT_EQ(metric::failed.value() - failed_before, 1u);
  EXPECT_EQ(registry_.list("bob")->size(), 1u) << "a failing device is not removed";
}

TEST_F(Dispatcher, AFullQueueDropsInsteadOfWaiting) {
  ASSERT_TRUE(registry_.add(device("d1", "bob")));
  provider_.close_gate();
  auto d = make({1, 2, 0ms, 1, 10ms});
  ASSERT_TRUE(d->submit(msg("bob", "c1", 1)));
  ASSERT_EQ(provider_.wait_for(1, 5s).size(), 1u);  // the worker is busy now
  auto dropped_before = metric::dropped.value();
  EXPECT_TRUE(d->submit(msg("bob", "c2", 1)));
  EXPECT_TRUE(d->submit(msg("bob", "c3", 1)));
  EXPECT_FALSE(d->submit(msg("bob", "c4", 1)));
  EXPECT_TRUE(d->submit(msg("bob", "c2", 2))) << "folds into the waiting push: no room needed";
  EXPECT_EQ(metric::dropped.value() - dropped_before, 1u);
  provider_.open_gate();
  ASSERT_TRUE(d->wait_idle(5s));
  EXPECT_EQ(provider_.calls().size(), 3u);
}

// Over real HTTP: bob's push service hangs; carol's must still get hers at once.
TEST(DispatcherOverHttp, ASlowProviderDoesNotHoldUpOthers) {
  testing::FakePushServer slow, fast;
  slow.respond_with([](const testing::RecordedRequest&) {
    testing::FakeAnswer a;
    a.hold = true;
    return a;
  });
  CurlHttpClient http{EndpointPolicy{true}};
  UnifiedPushProvider up(http, {60, 30s});
  MemoryDeviceRegistry registry;
  ASSERT_TRUE(registry.add(device("d_bob", "bob", Platform::unifiedpush, slow.url("/bob"))));
  ASSERT_TRUE(registry.add(device("d_carol", "carol", Platform::unifiedpush, fast.url("/carol"))));
  PushDispatcher d(registry, {nullptr, &up, nullptr, nullptr}, {2, 100, 0ms, 1, 10ms});
  ASSERT_TRUE(d.submit(msg("bob", "c1", 1)));
  ASSERT_EQ(slow.wait_for(1, 5s).size(), 1u);  // bob's call is in flight and hanging
  ASSERT_TRUE(d.submit(msg("carol", "c1", 1)));
  auto got = fast.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u) << "carol's push waited for bob's slow provider";
  EXPECT_EQ(got[0].target, "/carol");
  slow.release_held();
  EXPECT_TRUE(d.wait_idle(5s));
}

}  // namespace
}  // namespace parley::push
