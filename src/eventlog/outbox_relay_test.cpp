#include "eventlog/outbox_relay.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "eventlog/memory/memory_event_log.h"
#include "eventlog/notifying_store.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::eventlog {
namespace {

using namespace std::chrono_literals;
using store::test_support::new_group;
using store::test_support::text;

// Polls cond until it holds or the deadline passes (awaiting, not sleeping).
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

OutboxRelayOptions fast() {
  OutboxRelayOptions o;
  o.batch = 7;  // several rounds per test
  o.min_backoff = 1ms;
  o.max_backoff = 20ms;
  o.idle_poll = 20ms;
  return o;
}

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.create_conversation(new_group("c1", "alice", {"bob"})).ok());
    ASSERT_TRUE(store_.create_conversation(new_group("c2", "alice", {"bob"})).ok());
  }
  // n appends alternating between c1 and c2, in batches of 5; the expected
  // event ids in commit order.
  std::vector<std::string> send(int n) {
    std::vector<std::string> ids;
    std::vector<store::WriteOp> batch;
    auto flush = [&] {
      for (auto& r : store_.apply(batch)) {
        EXPECT_TRUE(r.ok());
        auto& m = std::get<store::AppendResult>(r.value()).message;
        ids.push_back(m.conversation_id + "/" + std::to_string(m.seq) + "/v1");
      }
      batch.clear();
    };
    for (int i = 0; i < n; ++i) {
      batch.push_back(text(i % 2 ? "c2" : "c1", "alice", "k" + std::to_string(sent_++)));
      if (batch.size() == 5) flush();
    }
    flush();
    return ids;
  }
  std::size_t outbox_size() { return store_.outbox_read(0, 100000)->size(); }

  store::MemoryStore store_{store::StoreOptions{.outbox = true}};
  int sent_ = 0;
};

std::vector<std::string> ids_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

TEST_F(OutboxRelayTest, PublishesEveryRowOnceInOrderAndRemovesIt) {
  auto expected = send(40);
  MemoryEventLog log;
  OutboxRelay relay(store_, log, fast());
  ASSERT_TRUE(eventually([&] { return log.events().size() == expected.size(); }));
  EXPECT_EQ(ids_of(log.events()), expected);
  EXPECT_TRUE(eventually([&] { return outbox_size() == 0; }));
  EXPECT_EQ(log.events()[0].type, kMessageCreated);
  EXPECT_EQ(log.events()[0].conversation_id, "c1");
  EXPECT_EQ(log.events()[0].seq, 1);
}

TEST_F(OutboxRelayTest, HoldsEventsWhileTheLogIsDownAndDrainsThemInOrder) {
  MemoryEventLog log;
  log.set_available(false);
  auto expected = send(12);
  OutboxRelay relay(store_, log, fast());
  // Failing and retrying: the rows stay where they are.
  ASSERT_TRUE(eventually([&] { return log.publish_calls() >= 3; }));
  EXPECT_FALSE(relay.healthy());
  EXPECT_EQ(outbox_size(), 12u);
  EXPECT_GT(relay.depth(), 0);
  // More commits while it is down join the queue behind the held ones.
  auto more = send(9);
  expected.insert(expected.end(), more.begin(), more.end());
  log.set_available(true);
  ASSERT_TRUE(eventually([&] { return log.events().size() == expected.size(); }));
  EXPECT_EQ(ids_of(log.events()), expected);
  EXPECT_TRUE(eventually([&] { return outbox_size() == 0 && relay.healthy(); }));
}

// The log stored the events but the answer was lost: the relay publishes the
// same rows again, and the log's de-duplication by id keeps one copy.
class LostAnswerLog final : public EventLog {
 public:
  Status publish(const std::vector<Event>& events) override {
    (void)inner_.publish(events);
    if (lose_next_.exchange(false)) return make_error(Errc::unavailable, "answer lost");
    return ok_status();
  }
  Result<std::unique_ptr<Consumer>> consume(const std::string& n, Handler h,
                                            Flush f) override {
    return inner_.consume(n, std::move(h), std::move(f));
  }
  bool healthy() const override { return true; }
  MemoryEventLog inner_;
  std::atomic<bool> lose_next_{true};
};

TEST_F(OutboxRelayTest, ARepublishAfterALostAnswerIsStoredOnce) {
  auto expected = send(5);
  LostAnswerLog log;
  OutboxRelay relay(store_, log, fast());
  ASSERT_TRUE(eventually([&] { return outbox_size() == 0; }));
  EXPECT_GE(log.inner_.publish_calls(), 2u);
  EXPECT_EQ(ids_of(log.inner_.events()), expected);
}

TEST_F(OutboxRelayTest, NotifyPublishesWithoutWaitingForThePoll) {
  MemoryEventLog log;
  OutboxRelayOptions o = fast();
  o.idle_poll = std::chrono::hours(1);
  OutboxRelay relay(store_, log, o);
  ASSERT_TRUE(eventually([&] { return log.publish_calls() == 0 && relay.depth() == 0; }));
  auto expected = send(3);
  relay.notify();
  ASSERT_TRUE(eventually([&] { return log.events().size() == 3; }, 5s));
  EXPECT_EQ(ids_of(log.events()), expected);
}

TEST_F(OutboxRelayTest, StopLeavesUnpublishedRowsForTheNextStart) {
  MemoryEventLog log;
  log.set_available(false);
  send(4);
  {
    OutboxRelay relay(store_, log, fast());
    ASSERT_TRUE(eventually([&] { return log.publish_calls() >= 1; }));
  }  // stopped
  EXPECT_EQ(outbox_size(), 4u);
  log.set_available(true);
  OutboxRelay again(store_, log, fast());
  ASSERT_TRUE(eventually([&] { return log.events().size() == 4; }));
}

}  // namespace
}  // namespace parley::eventlog

namespace parley::eventlog {
namespace {

TEST(NotifyingStore, CallsBackAfterEachApplyAndSharesTheOutbox) {
  store::MemoryStore inner{store::StoreOptions{.outbox = true}};
  int calls = 0;
  NotifyingStore s(inner, [&] { ++calls; });
  ASSERT_TRUE(s.create_conversation(new_group("c1", "alice", {"bob"})).ok());
  EXPECT_EQ(calls, 0);
  store::WriteOp op = text("c1", "alice", "k1");
  ASSERT_TRUE(s.apply({&op, 1})[0].ok());
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(s.outboxes().size(), 1u);
  EXPECT_EQ(s.outboxes()[0], &inner);
  EXPECT_EQ(s.outbox_read(0, 10)->size(), 1u);
}

}  // namespace
}  // namespace parley::eventlog
