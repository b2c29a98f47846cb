#include "service/chat_service.h"

#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "auth/hs256.h"
#include "bus/local/local_bus.h"
#include "common/ids.h"
#include "presence/local/local_presence.h"
#include "service/service_test_support.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::service {
namespace {

namespace json = boost::json;

using RecordingConnection = test_support::RecordingDevice;

class ChatServiceTest : public ::testing::Test {
 protected:
  ChatServiceTest()
      : committer_(store_, ioc_.get_executor(), {}),
        verifier_("test-secret"),
        service_(ioc_.get_executor(), {store_, bus_, presence_, committer_, verifier_}, options()) {}

  static ServiceOptions options() {
    ServiceOptions o;
    o.presence_debounce_ms = 30;
    o.typing_interval_ms = 60'000;
    return o;
  }

  std::shared_ptr<RecordingConnection> connect(const std::string& user) {
    auto c = std::make_shared<RecordingConnection>(user);
    service_.on_connect(c);
    return c;
  }

  std::string group(const std::string& owner, std::vector<std::string> members) {
    auto c = test_support::answer_of<ChatService::Created>(ioc_, [&](auto reply) {
      service_.create_conversation(owner, "group", "g", std::move(members), std::move(reply));
    });
    EXPECT_TRUE(c.ok());
    return c->conversation.id;
  }

  void frame(const std::shared_ptr<RecordingConnection>& c, protocol::ClientPayload payload,
             std::string req = "r") {
    service_.on_frame(c, protocol::ClientFrame{std::move(req), std::move(payload)});
  }

  void send(const std::shared_ptr<RecordingConnection>& c, const std::string& conv,
            const std::string& client_msg_id, std::string req = "r") {
    protocol::SendFrame f;
    f.conversation_id = conv;
    f.client_msg_id = client_msg_id;
    f.content = "body of " + client_msg_id;
    frame(c, std::move(f), std::move(req));
  }

  // Runs the event loop until pred holds; false after two seconds.
  template <class Pred>
  bool run_until(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  boost::asio::io_context ioc_;
  store::MemoryStore store_;
  bus::LocalBus bus_;
  presence::LocalPresence presence_;
  GroupCommitter committer_;
  auth::Hs256Verifier verifier_;
  ChatService service_;
};

TEST_F(ChatServiceTest, SendIsAckedAndReachesEveryDeviceOfEveryMember) {
  auto conv = group("alice", {"bob"});
  auto a1 = connect("alice"), a2 = connect("alice"), b = connect("bob"), eve = connect("eve");
  send(a1, conv, "k1", "req-1");
  ASSERT_TRUE(run_until([&] { return !a1->of_type("ack").empty() && !b->of_type("message").empty(); }));
  auto ack = a1->of_type("ack")[0];
  EXPECT_EQ(ack.at("req").as_string(), "req-1");
  EXPECT_EQ(ack.at("seq").as_int64(), 1);
  for (auto* c : {a1.get(), a2.get(), b.get()}) {
    ASSERT_TRUE(run_until([&] { return c->of_type("message").size() == 1; }));
    EXPECT_EQ(c->of_type("message")[0].at("message_id"), ack.at("message_id"));
  }
  EXPECT_TRUE(eve->of_type("message").empty());
}

TEST_F(ChatServiceTest, ConcurrentSendersGetContiguousSeqInOrderEverywhere) {
  auto conv = group("alice", {"bob", "carol"});
  auto a = connect("alice"), b = connect("bob"), c = connect("carol");
  for (int i = 0; i < 50; ++i) {
    send(a, conv, "a" + std::to_string(i));
    send(b, conv, "b" + std::to_string(i));
  }
  ASSERT_TRUE(run_until([&] { return c->of_type("message").size() == 100; }));
  for (auto* dev : {a.get(), b.get(), c.get()}) {
    ASSERT_TRUE(run_until([&] { return dev->of_type("message").size() == 100; }));
    auto msgs = dev->of_type("message");
    for (int i = 0; i < 100; ++i) EXPECT_EQ(msgs[i].at("seq").as_int64(), i + 1);
  }
}

TEST_F(ChatServiceTest, ResendReturnsOriginalAckAndDeliversOnce) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice"), b = connect("bob");
  send(a, conv, "same");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 1; }));
  send(a, conv, "same");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 2; }));
  auto acks = a->of_type("ack");
  EXPECT_EQ(acks[0].at("message_id"), acks[1].at("message_id"));
  EXPECT_EQ(acks[0].at("seq"), acks[1].at("seq"));
  send(a, conv, "next");
  ASSERT_TRUE(run_until([&] { return b->of_type("message").size() == 2; }));
  EXPECT_EQ(b->of_type("message")[1].at("seq").as_int64(), 2);
}

// A gateway committed a send and died before publishing it; the sender's
// device repeats it elsewhere. The repeat is acked with the original and
// published again, or the members would miss it until a later message.
TEST_F(ChatServiceTest, ARepeatedSendPublishesACommitNobodyPublished) {
  auto conv = group("alice", {"bob"});
  store::WriteOp committed = store::test_support::text(conv, "alice", "lost");
  ASSERT_TRUE(store_.apply({&committed, 1})[0].ok());
  auto a = connect("alice"), b = connect("bob");
  send(a, conv, "lost");
  ASSERT_TRUE(run_until([&] { return b->of_type("message").size() == 1; }));
  EXPECT_EQ(b->of_type("message")[0].at("seq").as_int64(), 1);
  ASSERT_EQ(a->of_type("ack").size(), 1u);
  EXPECT_EQ(a->of_type("ack")[0].at("seq").as_int64(), 1);
  send(a, conv, "lost");  // once more: bob has it, the tracker skips it
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 2; }));
  send(a, conv, "next");
  ASSERT_TRUE(run_until([&] { return b->of_type("message").size() == 2; }));
  EXPECT_EQ(b->of_type("message")[1].at("seq").as_int64(), 2);
}

TEST_F(ChatServiceTest, NonMemberAndUnknownConversationAreRefused) {
  auto conv = group("alice", {"bob"});
  auto eve = connect("eve");
  send(eve, conv, "k", "x1");
  send(eve, "c_missing", "k", "x2");
  ASSERT_TRUE(run_until([&] { return eve->of_type("error").size() == 2; }));
  auto errors = eve->of_type("error");
  EXPECT_EQ(errors[0].at("code").as_string(), "not_member");
  EXPECT_EQ(errors[0].at("req").as_string(), "x1");
  EXPECT_EQ(errors[1].at("code").as_string(), "not_found");
}

TEST_F(ChatServiceTest, TypingGoesToOthersAtMostOncePerInterval) {
  auto conv = group("alice", {"bob"});
  auto a1 = connect("alice"), a2 = connect("alice"), b = connect("bob");
  frame(a1, protocol::TypingFrame{conv});
  frame(a1, protocol::TypingFrame{conv});
  ASSERT_EQ(b->of_type("typing").size(), 1u);
  EXPECT_EQ(b->of_type("typing")[0].at("user_id").as_string(), "alice");
  EXPECT_TRUE(a1->of_type("typing").empty());
  EXPECT_TRUE(a2->of_type("typing").empty());
}

TEST_F(ChatServiceTest, ReceiptsAreForwardedOnlyWhenTheMarkMoves) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice"), b1 = connect("bob"), b2 = connect("bob");
  send(a, conv, "k1");
  send(a, conv, "k2");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 2; }));
  frame(b1, protocol::ReceiptFrame{conv, true, 2});
  ASSERT_TRUE(run_until([&] { return a->of_type("receipt").size() == 1; }));
  EXPECT_EQ(a->of_type("receipt")[0].at("seq").as_int64(), 2);
  EXPECT_EQ(b2->of_type("receipt").size(), 1u);  // the reader's other device
  EXPECT_TRUE(b1->of_type("receipt").empty());   // not the device that sent it
  frame(b1, protocol::ReceiptFrame{conv, true, 1});
  frame(b1, protocol::ReceiptFrame{conv, true, 9}, "too-far");
  ASSERT_TRUE(run_until([&] { return b1->of_type("ok").size() == 2 && !b1->of_type("error").empty(); }));
  EXPECT_EQ(b1->of_type("error")[0].at("code").as_string(), "bad_request");
  EXPECT_EQ(a->of_type("receipt").size(), 1u);
}

TEST_F(ChatServiceTest, OnlyTheSenderEditsAndEveryoneSeesTheUpdate) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice"), b = connect("bob");
  send(a, conv, "k1");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 1; }));
  std::string id(a->of_type("ack")[0].at("message_id").as_string());
  frame(b, protocol::EditFrame{conv, id, "hijack"}, "e1");
  ASSERT_TRUE(run_until([&] { return !b->of_type("error").empty(); }));
  EXPECT_EQ(b->of_type("error")[0].at("code").as_string(), "forbidden");
  frame(a, protocol::EditFrame{conv, id, "fixed"});
  ASSERT_TRUE(run_until([&] { return b->of_type("message_updated").size() == 1; }));
  EXPECT_EQ(b->of_type("message_updated")[0].at("content").as_string(), "fixed");
  frame(a, protocol::DeleteFrame{conv, id});
  ASSERT_TRUE(run_until([&] { return b->of_type("message_updated").size() == 2; }));
  EXPECT_TRUE(b->of_type("message_updated")[1].at("deleted").as_bool());
}

TEST_F(ChatServiceTest, PresenceIsAnnouncedAndDebounced) {
  group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_EQ(a->of_type("presence").size(), 1u);
  EXPECT_EQ(a->of_type("presence")[0].at("status").as_string(), "online");
  // A quick reconnect within the debounce window is invisible.
  service_.on_disconnect(b);
  b = connect("bob");
  ioc_.restart();
  ioc_.run_for(std::chrono::milliseconds(60));
  EXPECT_EQ(a->of_type("presence").size(), 1u);
  service_.on_disconnect(b);
  ASSERT_TRUE(run_until([&] { return a->of_type("presence").size() == 2; }));
  auto off = a->of_type("presence")[1];
  EXPECT_EQ(off.at("status").as_string(), "offline");
  EXPECT_GT(off.at("last_seen").as_int64(), 0);
}

TEST_F(ChatServiceTest, AddedMemberReceivesLaterMessages) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice"), d = connect("dave");
  send(a, conv, "before");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 1; }));
  ASSERT_TRUE(test_support::answer_of<store::Conversation>(ioc_, [&](auto reply) {
                service_.add_member("alice", conv, "dave", std::move(reply));
              }).ok());
  send(a, conv, "after");
  ASSERT_TRUE(run_until([&] { return d->of_type("message").size() == 1; }));
  EXPECT_EQ(d->of_type("message")[0].at("seq").as_int64(), 2);
}

TEST_F(ChatServiceTest, WritesAreRefusedWhileDraining) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice");
  service_.stop_accepting_writes();
  send(a, conv, "k");
  ASSERT_EQ(a->of_type("error").size(), 1u);
  EXPECT_EQ(a->of_type("error")[0].at("code").as_string(), "unavailable");
}

TEST_F(ChatServiceTest, HelloComesFirst) {
  auto a = connect("alice");
  ASSERT_FALSE(a->frames.empty());
  EXPECT_EQ(a->frames[0].at("type").as_string(), "hello");
  EXPECT_EQ(a->frames[0].at("user_id").as_string(), "alice");
  EXPECT_GT(a->frames[0].at("retransmit_ms").as_int64(), 0);
}

TEST_F(ChatServiceTest, SyncReplaysWhatWasMissedThenGoesLiveWithoutDuplicates) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice");
  for (int i = 1; i <= 3; ++i) send(a, conv, "k" + std::to_string(i));
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 3; }));

  auto b = connect("bob");
  // Committed but not yet fanned out: the replay reads it from the store,
  // and the live copy that follows must not reach bob a second time.
  send(a, conv, "k4");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (store_.messages(conv, 0, 0, 1)->messages.back().seq < 4) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::yield();
  }
  protocol::SyncFrame sync;
  sync.conversations = {{conv, 1}, {"c_unknown", 0}};
  frame(b, std::move(sync), "s1");
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 4; }));
  send(a, conv, "k5");
  ASSERT_TRUE(run_until([&] { return b->of_type("message").size() == 4; }));
  std::vector<std::int64_t> seqs;
  for (const auto& m : b->of_type("message")) seqs.push_back(m.at("seq").as_int64());
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{2, 3, 4, 5}));
  auto synced = b->of_type("synced");
  ASSERT_EQ(synced.size(), 1u);
  EXPECT_EQ(synced[0].at("req").as_string(), "s1");
  EXPECT_EQ(synced[0].at("conversations").at(conv).as_int64(), 4);
  EXPECT_EQ(synced[0].at("not_member").as_array().size(), 1u);
}

TEST_F(ChatServiceTest, TooFarBehindIsToldNotReplayed) {
  auto conv = group("alice", {"bob"});
  auto a = connect("alice");
  for (int i = 0; i < 5; ++i) send(a, conv, "k" + std::to_string(i));
  ASSERT_TRUE(run_until([&] { return a->of_type("ack").size() == 5; }));
  ServiceOptions o = options();
  o.max_replay = 3;
  ChatService small(ioc_.get_executor(), {store_, bus_, presence_, committer_, verifier_}, o);
  auto b = std::make_shared<RecordingConnection>("bob");
  small.on_connect(b);
  small.on_frame(b, protocol::ClientFrame{"s", protocol::SyncFrame{{{conv, 0}}}});
  auto synced = b->of_type("synced");
  ASSERT_EQ(synced.size(), 1u);
  auto behind = synced[0].at("too_far_behind").as_array();
  ASSERT_EQ(behind.size(), 1u);
  EXPECT_EQ(behind[0].at("last_seq").as_int64(), 5);
  EXPECT_TRUE(b->of_type("message").empty());
  small.cancel_timers();
}

TEST_F(ChatServiceTest, DrainTellsEveryDeviceToReconnect) {
  auto a = connect("alice"), b = connect("bob");
  service_.announce_reconnect(1000);
  for (auto* c : {a.get(), b.get()}) {
    auto r = c->of_type("reconnect");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_GE(r[0].at("after_ms").as_int64(), 0);
    EXPECT_LE(r[0].at("after_ms").as_int64(), 1000);
  }
}

TEST_F(ChatServiceTest, AuthenticateChecksTheToken) {
  auth::Claims claims{"alice", 4102444800, 0, 0};
  auto good = service_.authenticate(auth::sign_hs256(claims, "test-secret"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "alice");
  EXPECT_FALSE(service_.authenticate(auth::sign_hs256(claims, "other")).ok());
}

}  // namespace
}  // namespace parley::service
