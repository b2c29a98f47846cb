// The consumer contract on the in-memory log (the fake other components test
// their consumers with); the local log runs the same CursorConsumer.
#include "eventlog/cursor_consumer.h"

#include <gtest/gtest.h>

#include <atomic>

#include "eventlog/eventlog_test_support.h"
#include "eventlog/memory/memory_event_log.h"

namespace parley::eventlog {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

CursorConsumerOptions fast() {
  CursorConsumerOptions o;
  o.min_backoff = 1ms;
  o.max_backoff = 5ms;
  o.poll = 20ms;
  return o;
}

std::vector<std::string> ids_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.id);
  return out;
}

TEST(CursorConsumer, DeliversEveryEventInLogOrder) {
  MemoryEventLog log(fast());
  std::vector<Event> batch;
  for (int i = 1; i <= 50; ++i) batch.push_back(message_event(i % 2 ? "a" : "b", i));
  ASSERT_TRUE(log.publish(batch).ok());
  Recorder got;
  auto consumer = log.consume("search", got.handler());
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(got.await(50));
  // And what comes later, without polling delays mattering.
  ASSERT_TRUE(log.publish({message_event("a", 51)}).ok());
  ASSERT_TRUE(got.await(51));
  (*consumer)->stop();
  batch.push_back(message_event("a", 51));
  EXPECT_EQ(got.ids(), ids_of(batch));
}

TEST(CursorConsumer, ARefusedEventIsRetriedBeforeAnyLaterOne) {
  MemoryEventLog log(fast());
  ASSERT_TRUE(log.publish({message_event("a", 1), message_event("a", 2)}).ok());
  Recorder got(/*refuse_first=*/3);
  auto consumer = log.consume("push", got.handler());
  ASSERT_TRUE(got.await(2));
  (*consumer)->stop();
  EXPECT_EQ(got.ids(), (std::vector<std::string>{"a/1/v1", "a/2/v1"}));
  EXPECT_EQ(got.calls(), 5);
}

TEST(CursorConsumer, ANameResumesAfterItsLastHandledEvent) {
  MemoryEventLog log(fast());
  ASSERT_TRUE(log.publish({message_event("a", 1), message_event("a", 2)}).ok());
  {
    Recorder first;
    auto consumer = log.consume("push", first.handler());
    ASSERT_TRUE(first.await(2));
    (*consumer)->stop();
  }
  ASSERT_TRUE(log.publish({message_event("a", 3)}).ok());
  Recorder second, other;
  auto again = log.consume("push", second.handler());
  auto fresh = log.consume("search", other.handler());
  ASSERT_TRUE(second.await(1));
  ASSERT_TRUE(other.await(3));
  (*again)->stop();
  (*fresh)->stop();
  EXPECT_EQ(second.ids(), (std::vector<std::string>{"a/3/v1"}));
  EXPECT_EQ(other.ids().size(), 3u);
}

// Events arriving one by one: the cursor is saved once per save_interval and
// when the consumer stops, not after each (a save is an fsync in the local
// log); a consumer of the same name then resumes after the last one.
TEST(CursorConsumer, ATrickleOfEventsSavesTheCursorOncePerInterval) {
  CursorConsumerOptions o = fast();
  o.save_interval = 1h;  // none within the test, but the one at stop
  MemoryEventLog log(o);
  Recorder got;
  auto consumer = log.consume("search", got.handler());
  ASSERT_TRUE(consumer.ok());
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(log.publish({message_event("a", i)}).ok());
    ASSERT_TRUE(got.await(i));
  }
  EXPECT_EQ(log.cursor_saves(), 0u);
  (*consumer)->stop();
  EXPECT_EQ(log.cursor_saves(), 1u);

  ASSERT_TRUE(log.publish({message_event("a", 21)}).ok());
  Recorder again;
  auto resumed = log.consume("search", again.handler());
  ASSERT_TRUE(again.await(1));
  (*resumed)->stop();
  EXPECT_EQ(again.ids(), (std::vector<std::string>{"a/21/v1"}));
}

// With a short interval, a consumer left idle saves what it handled without
// waiting for more events or for its stop.
TEST(CursorConsumer, AnIdleConsumerSavesAfterTheInterval) {
  CursorConsumerOptions o = fast();
  o.save_interval = 30ms;
  MemoryEventLog log(o);
  Recorder got;
  auto consumer = log.consume("push", got.handler());
  ASSERT_TRUE(log.publish({message_event("a", 1), message_event("a", 2)}).ok());
  ASSERT_TRUE(got.await(2));
  ASSERT_TRUE(log.await_cursor_saves(1, 5s));
  (*consumer)->stop();
  EXPECT_EQ(log.cursor_saves(), 1u) << "nothing new to save at stop";
}

// A consumer with a flush (a handler that batches its writes): the flush runs
// before the cursor is saved, and when it fails, what was handled since the
// last save is delivered again instead of being recorded as done.
TEST(CursorConsumer, AFailedFlushDeliversAgainSinceTheLastSave) {
  CursorConsumerOptions o = fast();
  o.save_interval = 0ms;  // a save after every batch
  MemoryEventLog log(o);
  ASSERT_TRUE(log.publish({message_event("a", 1), message_event("a", 2)}).ok());
  std::atomic<int> flushes{0};
  Recorder got;
  auto consumer = log.consume("search", got.handler(), [&]() -> Status {
    if (flushes.fetch_add(1) == 0) return make_error(Errc::unavailable, "refused by the test");
    return ok_status();
  });
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(got.await(4));
  ASSERT_TRUE(log.await_cursor_saves(1, 5s));
  (*consumer)->stop();
  EXPECT_EQ(got.ids(), (std::vector<std::string>{"a/1/v1", "a/2/v1", "a/1/v1", "a/2/v1"}));
  EXPECT_EQ(flushes.load(), 2);
  EXPECT_EQ(log.cursor_saves(), 1u) << "saved only after the flush that worked";
}

TEST(MemoryEventLog, StoresAnIdOnceAndFailsWhileUnavailable) {
  MemoryEventLog log;
  ASSERT_TRUE(log.publish({message_event("a", 1), message_event("a", 1)}).ok());
  log.set_available(false);
  EXPECT_FALSE(log.healthy());
  EXPECT_FALSE(log.publish({message_event("a", 2)}).ok());
  log.set_available(true);
  EXPECT_EQ(log.events().size(), 1u);
}

}  // namespace
}  // namespace parley::eventlog
