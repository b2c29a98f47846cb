// Against a real NATS with JetStream: PARLEY_NATS_URL (scripts/services/nats.sh
// start). Skips without it. Each test uses a stream and subjects of its own,
// deleted afterwards. The outage test starts a NATS of its own (nats.sh, a
// private directory and port) and stops it.
#include "eventlog/jetstream/jetstream_event_log.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "eventlog/eventlog_test_support.h"
#include "eventlog/outbox_relay.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::eventlog {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

std::string nats_url() {
  const char* url = std::getenv("PARLEY_NATS_URL");
  return url ? url : "";
}

// A loopback port nothing listens on (the kernel's pick): a port derived
// from the pid could be any client socket's ephemeral port.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) ::close(fd);
  return ok ? ntohs(a.sin_port) : 0;
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

JetStreamOptions private_stream() {
  static std::atomic<int> counter{0};
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  JetStreamOptions o;
  o.stream = "PARLEY_TEST_" + tag;
  o.subject_prefix = "parleytest." + tag;
  o.partitions = 4;
  o.fetch_wait = 200ms;
  o.max_backoff = 200ms;
  o.publish_timeout = 2000ms;
  o.reconnect_wait = 100ms;
  return o;
}

class JetStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_url().empty()) {
      GTEST_SKIP() << "set PARLEY_NATS_URL (scripts/services/nats.sh start)";
    }
    options_ = private_stream();
    log_ = open();
  }
  void TearDown() override {
    if (log_) {
      EXPECT_TRUE(log_->delete_stream().ok());
    }
  }
  std::unique_ptr<JetStreamEventLog> open(std::string url = nats_url()) {
    auto log = JetStreamEventLog::open(url, options_);
    EXPECT_TRUE(log.ok()) << log.error().message;
    return log.ok() ? std::move(log).value() : nullptr;
  }

  JetStreamOptions options_;
  std::unique_ptr<JetStreamEventLog> log_;
};

TEST_F(JetStreamTest, ConsumersGetEveryEventInPerConversationOrder) {
  ASSERT_TRUE(eventually([&] { return log_->healthy(); }));
  std::vector<Event> events;
  for (int i = 1; i <= 30; ++i) events.push_back(message_event("c" + std::to_string(i % 3), i));
  ASSERT_TRUE(log_->publish(events).ok());
  Recorder got;
  auto consumer = log_->consume("orders", got.handler());
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(got.await(30, 20s));
  (*consumer)->stop();
  std::vector<std::string> want;
  for (const auto& e : events) want.push_back(e.id);
  EXPECT_EQ(got.ids(), want);  // one consumer over every partition: stream order
  EXPECT_EQ(got.events()[4].body, events[4].body);
  EXPECT_EQ(log_->subject_of(events[0]).rfind(options_.subject_prefix + ".", 0), 0u);
}

TEST_F(JetStreamTest, AnEventIdIsStoredOnce) {
  ASSERT_TRUE(log_->publish({message_event("a", 1)}).ok());
  ASSERT_TRUE(log_->publish({message_event("a", 1), message_event("a", 2)}).ok());
  Recorder got;
  auto consumer = log_->consume("dedup", got.handler());
  ASSERT_TRUE(got.await(2));
  // The sentinel comes after anything a second copy could be.
  ASSERT_TRUE(log_->publish({message_event("a", 3)}).ok());
  ASSERT_TRUE(got.await(3));
  (*consumer)->stop();
  EXPECT_EQ(got.ids(), (std::vector<std::string>{"a/1/v1", "a/2/v1", "a/3/v1"}));
}

TEST_F(JetStreamTest, AnUnacknowledgedEventComesAgain) {
  ASSERT_TRUE(log_->publish({message_event("a", 1), message_event("a", 2)}).ok());
  Recorder refusing(/*refuse_first=*/1000000);
  auto first = log_->consume("redeliver", refusing.handler());
  ASSERT_TRUE(eventually([&] { return refusing.calls() >= 2; }));  // retried, never acked
  (*first)->stop();
  Recorder second;
  auto again = log_->consume("redeliver", second.handler());
  ASSERT_TRUE(second.await(2));
  (*again)->stop();
  EXPECT_EQ(second.ids(), (std::vector<std::string>{"a/1/v1", "a/2/v1"}));
}

// With a flush, a fetched batch is handled, flushed once and only then
// acked: a batching handler writes once per fetch, not once per event.
TEST_F(JetStreamTest, AFetchedBatchIsFlushedOnceThenAcked) {
  std::vector<Event> events;
  for (int i = 1; i <= 10; ++i) events.push_back(message_event("a", i));
  ASSERT_TRUE(log_->publish(events).ok());
  std::atomic<int> flushes{0};
  {
    Recorder got;
    auto consumer = log_->consume("batching", got.handler(), [&]() -> Status {
      flushes.fetch_add(1);
      return ok_status();
    });
    ASSERT_TRUE(consumer.ok());
    ASSERT_TRUE(got.await(10));
    ASSERT_TRUE(eventually([&] { return flushes.load() >= 1; }));
    (*consumer)->stop();
  }
  EXPECT_LT(flushes.load(), 10) << "one flush per event, not per batch";
  // All ten were acked: the next consumer of the name starts after them.
  ASSERT_TRUE(log_->publish({message_event("a", 11)}).ok());
  Recorder next;
  auto again = log_->consume("batching", next.handler());
  ASSERT_TRUE(next.await(1));
  (*again)->stop();
  EXPECT_EQ(next.ids(), (std::vector<std::string>{"a/11/v1"}));
}

// A failed flush may have lost what the handler staged: the batch is handled
// again, in order, before the next flush.
TEST_F(JetStreamTest, AFailedFlushHandlesTheBatchAgainInOrder) {
  ASSERT_TRUE(log_->publish({message_event("a", 1), message_event("a", 2)}).ok());
  std::atomic<int> flushes{0};
  Recorder got;
  auto consumer = log_->consume("reflushing", got.handler(), [&]() -> Status {
    if (flushes.fetch_add(1) == 0) return make_error(Errc::unavailable, "refused by the test");
    return ok_status();
  });
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(got.await(3));
  ASSERT_TRUE(eventually([&] {
    auto ids = got.ids();
    return ids.size() >= 3 && ids.back() == "a/2/v1" && flushes.load() >= 2;
  }));
  (*consumer)->stop();
  // The first fetch held a/1 or both: that prefix twice, then the rest.
  const auto ids = got.ids();
  const std::vector<std::string> both{"a/1/v1", "a/2/v1"};
  const bool one_then_two = ids == std::vector<std::string>{"a/1/v1", "a/1/v1", "a/2/v1"};
  const bool both_twice = ids == std::vector<std::string>{"a/1/v1", "a/2/v1", "a/1/v1", "a/2/v1"};
  EXPECT_TRUE(one_then_two || both_twice) << testing::PrintToString(ids);
}

// Nothing is acked while the flush fails: stopped, the consumer hands the
// batch back, and the next one of the name gets all of it.
TEST_F(JetStreamTest, NothingIsAckedWhileTheFlushFails) {
  ASSERT_TRUE(log_->publish({message_event("a", 1), message_event("a", 2)}).ok());
  std::atomic<int> flushes{0};
  Recorder failing;
  auto first = log_->consume("unflushed", failing.handler(), [&]() -> Status {
    flushes.fetch_add(1);
    return make_error(Errc::unavailable, "refused by the test");
  });
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(eventually([&] { return flushes.load() >= 2; }));
  (*first)->stop();
  Recorder second;
  auto again = log_->consume("unflushed", second.handler());
  ASSERT_TRUE(second.await(2));
  (*again)->stop();
  EXPECT_EQ(second.ids(), (std::vector<std::string>{"a/1/v1", "a/2/v1"}));
}

TEST_F(JetStreamTest, ADurableConsumerResumesAfterReopening) {
  ASSERT_TRUE(log_->publish({message_event("a", 1), message_event("a", 2)}).ok());
  {
    Recorder got;
    auto consumer = log_->consume("resume", got.handler());
    ASSERT_TRUE(got.await(2));
    (*consumer)->stop();
  }
  log_ = open();  // a new connection, as after a restart
  ASSERT_TRUE(eventually([&] { return log_->healthy(); }));
  ASSERT_TRUE(log_->publish({message_event("a", 3)}).ok());
  Recorder got;
  auto consumer = log_->consume("resume", got.handler());
  ASSERT_TRUE(got.await(1));
  (*consumer)->stop();
  EXPECT_EQ(got.ids(), (std::vector<std::string>{"a/3/v1"}));
}

// Not a benchmark with a bar: prints what one-at-a-time publishing (each
// waiting for its ack) gives on this machine, for eventlog/README.md.
TEST_F(JetStreamTest, PublishRate) {
  ASSERT_TRUE(eventually([&] { return log_->healthy(); }));
  std::vector<Event> events;
  for (int i = 1; i <= 2000; ++i) events.push_back(message_event("c" + std::to_string(i % 50), i));
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < events.size(); i += 250) {
    std::vector<Event> batch(events.begin() + i, events.begin() + std::min(i + 250, events.size()));
    ASSERT_TRUE(log_->publish(batch).ok());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("published %zu events in %.3f s: %.0f events/s\n", events.size(), s,
              events.size() / s);
  Recorder got;
  auto consumer = log_->consume("rate", got.handler());
  const auto consume_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(got.await(events.size(), 60s));
  const double c =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - consume_start).count();
  std::printf("consumed %zu events in %.3f s: %.0f events/s\n", events.size(), c,
              events.size() / c);
  (*consumer)->stop();
}

// Closing waits for libnats' closed callback (so that no callback runs after
// the log is gone); it must come at once even when NATS was never reached.
TEST(JetStreamClose, IsQuickWhenNatsWasNeverReached) {
  auto opened = JetStreamEventLog::open("nats://127.0.0.1:9", private_stream());  // discard port
  ASSERT_TRUE(opened.ok());
  const auto start = std::chrono::steady_clock::now();
  opened->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// NATS stops: the relay keeps the rows and retries; committed events wait in
// the outbox. NATS comes back (same storage): they drain, in order, once.
TEST(JetStreamOutage, TheRelayHoldsEventsAndDrainsThemInOrder) {
  if (nats_url().empty()) GTEST_SKIP() << "set PARLEY_NATS_URL (scripts/services/nats.sh start)";
  const std::string script = std::string(PARLEY_SOURCE_DIR) + "/scripts/services/nats.sh";
  const std::string dir = "/tmp/parley-nats-outage-" + std::to_string(::getpid());
  const std::string port = std::to_string(free_port());
  auto nats = [&](const std::string& cmd) {
    return std::system((script + " " + cmd + " " + dir + " " + port + " >/dev/null").c_str());
  };
  ASSERT_EQ(nats("start"), 0);
  struct Cleanup {
    std::function<void()> f;
    ~Cleanup() { f(); }
  } cleanup{[&] { nats("stop"); }};

  JetStreamOptions o = private_stream();
  auto opened = JetStreamEventLog::open("nats://127.0.0.1:" + port, o);
  ASSERT_TRUE(opened.ok());
  auto& log = **opened;
  store::MemoryStore store(store::StoreOptions{.outbox = true});
  ASSERT_TRUE(store.create_conversation(store::test_support::new_group("c1", "alice", {"bob"})).ok());
  ASSERT_TRUE(store.create_conversation(store::test_support::new_group("c2", "alice", {"bob"})).ok());
  std::vector<std::string> expected;
  int n = 0;
  auto send = [&](int count) {
    for (int i = 0; i < count; ++i, ++n) {
      store::WriteOp op = store::test_support::text(n % 2 ? "c2" : "c1", "alice", "k" + std::to_string(n));
      auto r = store.apply({&op, 1});
      ASSERT_TRUE(r[0].ok());
      const auto& m = std::get<store::AppendResult>(r[0].value()).message;
      expected.push_back(m.conversation_id + "/" + std::to_string(m.seq) + "/v1");
    }
  };
  OutboxRelayOptions ro;
  ro.min_backoff = 20ms;
  ro.max_backoff = 200ms;
  ro.idle_poll = 50ms;
  OutboxRelay relay(store, log, ro);
  Recorder got;
  auto consumer = log.consume("outage", got.handler());
  ASSERT_TRUE(consumer.ok());
  send(6);
  relay.notify();
  ASSERT_TRUE(got.await(6, 20s));

  ASSERT_EQ(nats("halt"), 0);
  send(8);
  relay.notify();
  ASSERT_TRUE(eventually([&] { return !relay.healthy(); }));
  EXPECT_EQ(store.outbox_read(0, 100)->size(), 8u);  // held, not lost

  ASSERT_EQ(nats("start"), 0);
  // At-least-once: acks in flight when NATS stopped may be lost, so events
  // handled before may come again. What counts: every committed event, in
  // commit order by first delivery, nothing else.
  auto first_deliveries = [&] {
    std::vector<std::string> seen;
    for (const auto& id : got.ids()) {
      if (std::find(seen.begin(), seen.end(), id) == seen.end()) seen.push_back(id);
    }
    return seen;
  };
  ASSERT_TRUE(eventually([&] { return first_deliveries().size() >= expected.size(); }, 30s));
  EXPECT_TRUE(eventually([&] { return store.outbox_read(0, 100)->empty() && relay.healthy(); }));
  (*consumer)->stop();
  relay.stop();
  EXPECT_EQ(first_deliveries(), expected);
  (void)log.delete_stream();
}

}  // namespace
}  // namespace parley::eventlog
