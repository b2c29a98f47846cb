#include "eventlog/local/local_event_log.h"

#include <gtest/gtest.h>

#include "eventlog/eventlog_test_support.h"
#include "eventlog/open_event_log.h"
#include "store/store_test_support.h"

namespace parley::eventlog {
namespace {

using namespace test_support;
using namespace std::chrono_literals;
using store::test_support::TempDbFile;

LocalEventLogOptions fast() {
  LocalEventLogOptions o;
  o.consumer.min_backoff = 1ms;
  o.consumer.max_backoff = 5ms;
  o.consumer.poll = 20ms;
  return o;
}

std::unique_ptr<LocalEventLog> open(const TempDbFile& file) {
  auto log = LocalEventLog::open(file.path().string(), fast());
  EXPECT_TRUE(log.ok()) << log.error().message;
  return std::move(log).value();
}

TEST(LocalEventLog, StoresInOrderAndAnIdOnce) {
  TempDbFile file;
  auto log = open(file);
  ASSERT_TRUE(log->publish({message_event("a", 1), message_event("b", 1)}).ok());
  ASSERT_TRUE(log->publish({message_event("a", 1), message_event("a", 2)}).ok());  // a/1 again
  auto all = log->read_all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "a/1/v1");
  EXPECT_EQ((*all)[1].id, "b/1/v1");
  EXPECT_EQ((*all)[2].id, "a/2/v1");
  EXPECT_EQ((*all)[2].body, message_event("a", 2).body);
}

// Events older than the retention are trimmed as publishing goes on, and
// only those: the kept ones stay in order, positions are never reused.
TEST(LocalEventLog, TrimsEventsOlderThanTheRetention) {
  TempDbFile file;
  std::int64_t clock_ms = 1'000'000;
  LocalEventLogOptions o = fast();
  o.retention = 10s;
  o.trim_every = 2;
  o.clock = [&] { return clock_ms; };
  auto opened = LocalEventLog::open(file.path().string(), o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto log = std::move(opened).value();

  ASSERT_TRUE(log->publish({message_event("a", 1), message_event("a", 2)}).ok());
  clock_ms += 5'000;
  ASSERT_TRUE(log->publish({message_event("a", 3), message_event("a", 4)}).ok());
  clock_ms += 6'000;  // a/1 and a/2 are 11 s old now, a/3 and a/4 6 s
  ASSERT_TRUE(log->publish({message_event("a", 5), message_event("a", 6)}).ok());
  auto kept = log->read_all();
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 4u);
  EXPECT_EQ((*kept)[0].id, "a/3/v1");
  EXPECT_EQ((*kept)[3].id, "a/6/v1");

  clock_ms += 60'000;  // everything stored so far has expired
  ASSERT_TRUE(log->publish({message_event("a", 7), message_event("a", 8)}).ok());
  kept = log->read_all();
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 2u) << "events stored in this batch are not expired";

  // A consumer from the start gets the kept events, at positions after the
  // trimmed ones.
  Recorder seen;
  auto consumer = log->consume("late", seen.handler());
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(seen.await(2));
  (*consumer)->stop();
  EXPECT_EQ(seen.ids(), (std::vector<std::string>{"a/7/v1", "a/8/v1"}));
}

// The process restarts: a consumer of the same name resumes after the last
// event it handled, and events published meanwhile are kept.
TEST(LocalEventLog, ANamedConsumerResumesAfterARestart) {
  TempDbFile file;
  {
    auto log = open(file);
    ASSERT_TRUE(log->publish({message_event("a", 1), message_event("a", 2)}).ok());
    Recorder got;
    auto consumer = log->consume("push", got.handler());
    ASSERT_TRUE(consumer.ok());
    ASSERT_TRUE(got.await(2));
    (*consumer)->stop();
    ASSERT_TRUE(log->publish({message_event("a", 3)}).ok());
  }
  auto log = open(file);
  ASSERT_TRUE(log->publish({message_event("a", 4)}).ok());
  Recorder again, fresh;
  auto consumer = log->consume("push", again.handler());
  auto other = log->consume("search", fresh.handler());
  ASSERT_TRUE(again.await(2));
  ASSERT_TRUE(fresh.await(4));
  (*consumer)->stop();
  (*other)->stop();
  EXPECT_EQ(again.ids(), (std::vector<std::string>{"a/3/v1", "a/4/v1"}));
  EXPECT_EQ(fresh.ids().size(), 4u);
}

// A second process (a `parley worker`) reading the same file sees what this
// one publishes, by polling.
TEST(LocalEventLog, AnotherConnectionSeesNewEvents) {
  TempDbFile file;
  auto writer = open(file);
  auto reader = open(file);
  Recorder got;
  auto consumer = reader->consume("worker", got.handler());
  ASSERT_TRUE(writer->publish({message_event("a", 1)}).ok());
  ASSERT_TRUE(got.await(1));
  (*consumer)->stop();
}

TEST(OpenEventLog, NamesTheLocalAndMemoryLogsAndRefusesTheRest) {
  TempDbFile file;
  EXPECT_TRUE(open_event_log("file:" + file.path().string(), "").ok());
  EXPECT_TRUE(open_event_log("memory", "").ok());
  EXPECT_FALSE(open_event_log("kafka://x", "").ok());
}

}  // namespace
}  // namespace parley::eventlog
