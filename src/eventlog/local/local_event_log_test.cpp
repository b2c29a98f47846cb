#include "eventlog/local/local_event_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "eventlog/eventlog_test_support.h"
#include "eventlog/open_event_log.h"
#include "store/outbox_events.h"
#include "store/store_test_support.h"

namespace parley::eventlog {
namespace {

using namespace test_support;
using namespace std::chrono_literals;
using store::test_support::file_bytes;
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

// The events of a message, as the relay publishes them from the outbox.
Event as_event(const store::OutboxEntry& e) {
  return Event{e.event_id, e.type, e.conversation_id, e.seq, e.body};
}
store::Message message(std::int64_t seq, std::string content, std::string media = "") {
  store::Message m;
  m.conversation_id = "c1";
  m.seq = seq;
  m.message_id = "m" + std::to_string(seq);
  m.sender_id = "alice";
  m.content = std::move(content);
  m.kind = media.empty() ? "text" : "image";
  m.media = std::move(media);
  return m;
}
store::Message next_version(store::Message m, std::string content) {
  ++m.version;
  m.content = std::move(content);
  return m;
}
store::Message deleted(store::Message m) {
  ++m.version;
  m.deleted = true;
  m.content.clear();
  m.media.clear();
  return m;
}

// docs/protocol.md: a deleted message's content is erased from storage. The
// log keeps the message's earlier events (their order and fields) for
// consumers that have not reached them, but not their text, and not in the
// file's free space either.
TEST(LocalEventLog, ADeleteErasesTheTextOfTheMessagesEarlierEvents) {
  TempDbFile file;
  const auto sent = message(1, "the launch code is swordfish",
                            R"({"blob":"b1","name":"swordfish-plans.png"})");
  const auto edited = next_version(sent, "the launch code is swordfish, really");
  const auto other = message(2, "keep me");
  {
    auto log = open(file);
    ASSERT_TRUE(log->publish({as_event(store::outbox::message_created(sent)),
                              as_event(store::outbox::message_changed(edited)),
                              as_event(store::outbox::message_created(other))})
                    .ok());
    ASSERT_TRUE(log->publish({as_event(store::outbox::message_changed(deleted(edited)))}).ok());
    // The relay publishes again after a crash: the copy is ignored, the text
    // stays erased.
    ASSERT_TRUE(log->publish({as_event(store::outbox::message_created(sent))}).ok());

    auto all = log->read_all();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 4u);
    EXPECT_EQ((*all)[0].id, "c1/1/v1");
    EXPECT_EQ((*all)[0].type, kMessageCreated);
    EXPECT_EQ((*all)[1].id, "c1/1/v2");
    EXPECT_EQ((*all)[2].id, "c1/2/v1");
    EXPECT_EQ((*all)[3].id, "c1/1/v3");
    EXPECT_EQ((*all)[3].type, kMessageDeleted);
    for (const auto& e : *all) EXPECT_EQ(e.body.find("swordfish"), std::string::npos) << e.body;
    EXPECT_NE((*all)[0].body.find(R"("content":"")"), std::string::npos) << (*all)[0].body;
    EXPECT_NE((*all)[0].body.find(R"("message_id":"m1")"), std::string::npos) << (*all)[0].body;
    EXPECT_NE((*all)[2].body.find("keep me"), std::string::npos) << "another message's text";
  }
  // Closed: the WAL is checkpointed into the main file, where secure_delete
  // must have zeroed the old bodies rather than left them in free space.
  ASSERT_FALSE(std::filesystem::exists(file.path().string() + "-wal"));
  EXPECT_EQ(file_bytes(file.path()).find("swordfish"), std::string::npos);
}

// The relay may carry a message's creation and its deletion in one publish.
TEST(LocalEventLog, ADeleteInTheSameBatchAsTheMessageErasesItToo) {
  TempDbFile file;
  const auto sent = message(7, "swordfish");
  auto log = open(file);
  ASSERT_TRUE(log->publish({as_event(store::outbox::message_created(sent)),
                            as_event(store::outbox::message_changed(deleted(sent)))})
                  .ok());
  auto all = log->read_all();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  for (const auto& e : *all) EXPECT_EQ(e.body.find("swordfish"), std::string::npos) << e.body;
}

TEST(OpenEventLog, NamesTheLocalAndMemoryLogsAndRefusesTheRest) {
  TempDbFile file;
  EXPECT_TRUE(open_event_log("file:" + file.path().string(), "").ok());
  EXPECT_TRUE(open_event_log("memory", "").ok());
  EXPECT_FALSE(open_event_log("kafka://x", "").ok());
}

}  // namespace
}  // namespace parley::eventlog
