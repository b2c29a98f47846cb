// Durability across restarts, SIGTERM behaviour.
#include <thread>

#include "support.h"

namespace bb {
namespace {

class RestartTest : public BlackboxTest {};

TEST_F(RestartTest, HistorySurvivesGracefulRestartAndSeqContinues) {
  std::string conv = create_group("alice", {"bob"});
  std::vector<json::object> acks;
  {
    auto a = connect("alice");
    for (int i = 1; i <= 5; ++i)
      acks.push_back(send_message(*a, conv, "before restart " + std::to_string(i), "pre-" + std::to_string(i)));
    auto b = connect("bob");
    request(*b, {{"type", "receipt"}, {"conversation_id", conv}, {"status", "read"}, {"seq", 3}}, "ok");
  }
  int status = server().stop();
  EXPECT_EQ(status, 0) << "SIGTERM exit status";
  server().restart();

  auto msgs = history_messages("bob", conv);
  ASSERT_EQ(msgs.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(num(msgs[i], "seq"), i + 1);
    EXPECT_EQ(str(msgs[i], "message_id"), str(acks[i], "message_id"));
    EXPECT_EQ(str(msgs[i], "content"), "before restart " + std::to_string(i + 1));
    EXPECT_EQ(num(msgs[i], "ts"), num(acks[i], "ts"));
  }
  auto c = get_conversation("alice", conv);
  EXPECT_EQ(num(c, "last_seq"), 5);
  EXPECT_EQ(num(member_of(c, "bob"), "read_seq"), 3) << "read mark lost";

  auto a = connect("alice");
  auto next = send_message(*a, conv, "after restart");
  EXPECT_EQ(num(next, "seq"), 6);
  // Idempotency survives the restart too.
  auto dup = send_message(*a, conv, "before restart 2", std::string("pre-2"));
  EXPECT_EQ(str(dup, "message_id"), str(acks[1], "message_id"));
  EXPECT_EQ(num(dup, "seq"), 2);
  EXPECT_EQ(history_messages("alice", conv, "limit=200").size(), 6u);
}

TEST_F(RestartTest, AckedMessagesSurviveKill9) {
  std::string conv = create_group("alice", {"bob"});
  std::vector<json::object> acks;
  {
    auto a = connect("alice");
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE(a->send_json({{"type", "send"}, {"req", "k" + std::to_string(i)}, {"conversation_id", conv},
                                {"client_msg_id", "k-" + std::to_string(i)}, {"content", "durable"}}));
    for (int i = 1; i <= 20; ++i) {
      auto ack = a->wait_for("ack", with_req("k" + std::to_string(i)), 20s);
      ASSERT_TRUE(ack) << "no ack k" << i;
      acks.push_back(*ack);
    }
    server().kill9();
  }
  server().start();
  auto msgs = history_messages("bob", conv, "limit=200");
  ASSERT_EQ(msgs.size(), 20u) << "acked messages lost after kill -9";
  for (int i = 0; i < 20; ++i) EXPECT_EQ(str(msgs[i], "message_id"), str(acks[i], "message_id"));
  auto a = connect("alice");
  EXPECT_EQ(num(send_message(*a, conv, "next"), "seq"), 21);
}

TEST_F(RestartTest, SigtermClosesClientsWith1001AndExitsZero) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b1 = connect("bob");
  auto b2 = connect("bob");
  send_message(*a, conv, "hi");
  int status = -1;
  std::thread stopper([&] { status = server().stop(); });
  for (auto* ws : {a.get(), b1.get(), b2.get()}) {
    // Draining: a reconnect hint first, then the close.
    auto rc = ws->wait_for("reconnect", {}, 10s);
    ASSERT_TRUE(rc) << "no reconnect frame before the close; buffered: " << dump(ws->buffered());
    auto after = num(*rc, "after_ms");
    ASSERT_TRUE(after) << dump(*rc);
    EXPECT_GE(*after, 0) << dump(*rc);
    auto ci = ws->wait_closed(10s);
    ASSERT_TRUE(ci) << "client not closed on SIGTERM";
    EXPECT_EQ(ci->code, 1001) << "close reason: " << ci->reason;
  }
  stopper.join();
  EXPECT_EQ(status, 0);
}

TEST_F(RestartTest, DataDirIsReusableAfterRestartTwice) {
  std::string conv = create_group("alice", {"bob"});
  for (int round = 1; round <= 2; ++round) {
    {
      auto a = connect("alice");
      send_message(*a, conv, "round " + std::to_string(round));
    }
    ASSERT_EQ(server().stop(), 0);
    server().restart();
  }
  auto msgs = history_messages("alice", conv);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(num(msgs[1], "seq"), 2);
  auto l = http().get("/api/conversations", token("bob"));
  ASSERT_EQ(l.status, 200);
  EXPECT_EQ(obj(*l.json).at("conversations").as_array().size(), 1u);
}

}  // namespace
}  // namespace bb
