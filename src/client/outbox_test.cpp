#include "client/outbox.h"

#include <gtest/gtest.h>

namespace parley::client {
namespace {

OutgoingMessage out(std::string id) {
  OutgoingMessage m;
  m.conversation_id = "c_1";
  m.client_msg_id = std::move(id);
  m.content = "hi";
  return m;
}

std::vector<std::string> flushed(Outbox& box, Clock::time_point now = Clock::now()) {
  std::vector<std::string> ids;
  box.flush(now, [&](const OutgoingMessage& m) { ids.push_back(m.client_msg_id); });
  return ids;
}

TEST(Outbox, FlushSendsEachEntryOnceInOrder) {
  Outbox box;
  box.push(out("a"));
  box.push(out("b"));
  EXPECT_EQ(flushed(box), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(flushed(box).empty());  // already on the wire
  box.push(out("c"));
  EXPECT_EQ(flushed(box), (std::vector<std::string>{"c"}));
  EXPECT_EQ(box.size(), 3u);
  EXPECT_EQ(box.unsent(), 0u);
}

TEST(Outbox, AckRemovesAndReturnsTheEntry) {
  Outbox box;
  box.push(out("a"));
  box.push(out("b"));
  auto t0 = Clock::now();
  (void)flushed(box, t0);
  auto a = box.take("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->sent_at, t0);
  EXPECT_EQ(a->transmissions, 1);
  EXPECT_FALSE(box.take("a").has_value());  // a second ack (of a resend) finds nothing
  EXPECT_EQ(box.size(), 1u);
}

TEST(Outbox, AfterConnectionLossEverythingUnackedIsResentInOrderWithTheSameIds) {
  Outbox box;
  box.push(out("a"));
  box.push(out("b"));
  (void)flushed(box);
  box.push(out("c"));  // queued while offline
  (void)box.take("a");
  box.connection_lost();
  EXPECT_EQ(box.unsent(), 2u);
  EXPECT_EQ(flushed(box), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(box.find("b")->transmissions, 2);
  EXPECT_EQ(box.find("c")->transmissions, 1);
}

TEST(Outbox, UnsendQueuesOneEntryAgain) {
  Outbox box;
  box.push(out("a"));
  box.push(out("b"));
  (void)flushed(box);
  EXPECT_TRUE(box.unsend("a"));
  EXPECT_FALSE(box.unsend("zz"));
  EXPECT_EQ(flushed(box), (std::vector<std::string>{"a"}));
}

OutgoingMessage out_to(std::string conversation, std::string id) {
  OutgoingMessage m = out(std::move(id));
  m.conversation_id = std::move(conversation);
  return m;
}

// A conversation that refused (its store is down) is probed with its oldest
// send once that is due; its other sends wait, in order, without stopping
// other conversations. An accepted probe releases the rest.
TEST(Outbox, ARefusedConversationIsProbedWithOneSendWhileOthersGoOn) {
  Outbox box;
  for (auto id : {"a1", "a2", "a3"}) box.push(out_to("down", id));
  box.push(out_to("up", "b1"));
  auto t0 = Clock::now();
  (void)flushed(box, t0);
  for (auto id : {"a1", "a2", "a3"}) EXPECT_TRUE(box.unsend(id, t0 + std::chrono::seconds(1)));
  EXPECT_EQ(box.next_due(), t0 + std::chrono::seconds(1));
  box.push(out_to("down", "a4"));
  box.push(out_to("up", "b2"));
  EXPECT_EQ(flushed(box, t0), (std::vector<std::string>{"b2"}));  // not due: all of "down" waits
  EXPECT_TRUE(box.holding());
  EXPECT_EQ(flushed(box, t0 + std::chrono::seconds(1)), (std::vector<std::string>{"a1"}));
  EXPECT_TRUE(flushed(box, t0 + std::chrono::seconds(5)).empty());  // a1's answer first

  (void)box.take("a1");
  box.accepted("down");
  EXPECT_FALSE(box.next_due().has_value());
  EXPECT_EQ(flushed(box, t0 + std::chrono::seconds(1)),
            (std::vector<std::string>{"a2", "a3", "a4"}));
  EXPECT_FALSE(box.holding());
}

TEST(Outbox, QueuedTimeIsKeptAcrossResends) {
  Outbox box;
  auto m = out("a");
  m.queued_at = Clock::now() - std::chrono::seconds(5);
  auto queued = m.queued_at;
  box.push(std::move(m));
  (void)flushed(box);
  box.connection_lost();
  (void)flushed(box);
  EXPECT_EQ(box.find("a")->queued_at, queued);
}

}  // namespace
}  // namespace parley::client

namespace parley::client {
namespace {

TEST(Outbox, ManyAcksInAnyOrderLeaveExactlyTheRest) {
  Outbox box;
  for (int i = 0; i < 500; ++i) box.push(out("m" + std::to_string(i)));
  (void)flushed(box);
  // In order for the first 300, then every other one from the back.
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(box.take("m" + std::to_string(i)).has_value());
  for (int i = 499; i >= 300; i -= 2) ASSERT_TRUE(box.take("m" + std::to_string(i)).has_value());
  EXPECT_EQ(box.size(), 100u);
  box.connection_lost();
  auto ids = flushed(box);
  ASSERT_EQ(ids.size(), 100u);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(ids[k], "m" + std::to_string(300 + 2 * k));
  for (auto& id : ids) ASSERT_TRUE(box.take(id).has_value());
  EXPECT_TRUE(box.empty());
}

}  // namespace
}  // namespace parley::client
