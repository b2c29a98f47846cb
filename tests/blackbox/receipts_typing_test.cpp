// receipt and typing frames.
#include "support.h"

namespace bb {
namespace {

class ReceiptsTest : public BlackboxTest {};
class TypingTest : public BlackboxTest {};

json::object receipt(const std::string& conv, const std::string& status, std::int64_t seq,
                     const std::string& req) {
  return {{"type", "receipt"}, {"req", req}, {"conversation_id", conv}, {"status", status}, {"seq", seq}};
}

TEST_F(ReceiptsTest, ReadReceiptIsForwardedAndStoredAsHighWaterMark) {
  std::string conv = create_group("alice", {"bob"});
  auto a1 = connect("alice");
  auto a2 = connect("alice");
  auto b1 = connect("bob");
  auto b2 = connect("bob");
  for (int i = 0; i < 3; ++i) send_message(*a1, conv, "m" + std::to_string(i));

  auto ok = request(*b1, receipt(conv, "read", 2, "rr1"), "ok");
  ASSERT_EQ(str(ok, "type"), "ok") << dump(ok);
  EXPECT_EQ(str(ok, "req"), "rr1");

  // Every other device of the members gets it.
  for (auto* ws : {a1.get(), a2.get(), b2.get()}) {
    auto r = ws->wait_for("receipt", with_conv(conv), 5s);
    ASSERT_TRUE(r) << "receipt not forwarded; buffered: " << dump(ws->buffered());
    EXPECT_EQ(str(*r, "user_id"), "bob") << dump(*r);
    EXPECT_EQ(str(*r, "status"), "read") << dump(*r);
    EXPECT_EQ(num(*r, "seq"), 2) << dump(*r);
  }
  // ...but not the device that sent it.
  ASSERT_TRUE(b1->send_json({{"type", "ping"}, {"req", "b1-sentinel"}}));
  auto b1frames = b1->collect_until("pong", with_req("b1-sentinel"), 5s);
  ASSERT_TRUE(b1frames);
  EXPECT_TRUE(of_type(*b1frames, "receipt").empty()) << "sender device got its own receipt: "
                                                      << dump(*b1frames);

  auto c = get_conversation("alice", conv);
  auto bob = member_of(c, "bob");
  EXPECT_EQ(num(bob, "read_seq"), 2) << dump(bob);
  EXPECT_GE(int_or(bob, "delivered_seq"), 2) << "read must raise delivered: " << dump(bob);

  // A lower read mark afterwards is accepted (ok) but moves nothing and is not forwarded.
  auto ok2 = request(*b1, receipt(conv, "read", 1, "rr2"), "ok");
  EXPECT_EQ(str(ok2, "type"), "ok") << dump(ok2);
  bob = member_of(get_conversation("alice", conv), "bob");
  EXPECT_EQ(num(bob, "read_seq"), 2) << "read mark moved backwards: " << dump(bob);

  // delivered 3 moves only the delivered mark; it is the next receipt alice sees.
  auto ok3 = request(*b1, receipt(conv, "delivered", 3, "rr3"), "ok");
  EXPECT_EQ(str(ok3, "type"), "ok") << dump(ok3);
  auto next = a1->wait_for("receipt", with_conv(conv), 5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(str(*next, "status"), "delivered") << "a non-moving receipt was forwarded: " << dump(*next);
  EXPECT_EQ(num(*next, "seq"), 3) << dump(*next);
  bob = member_of(get_conversation("bob", conv), "bob");
  EXPECT_EQ(num(bob, "read_seq"), 2) << dump(bob);
  EXPECT_EQ(num(bob, "delivered_seq"), 3) << dump(bob);

  // delivered lower than the current delivered mark does not move it either.
  request(*b1, receipt(conv, "delivered", 1, "rr4"), "ok");
  bob = member_of(get_conversation("bob", conv), "bob");
  EXPECT_EQ(num(bob, "delivered_seq"), 3) << dump(bob);
}

TEST_F(ReceiptsTest, SeqBeyondLastIsBadRequest) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  send_message(*a, conv, "one");
  send_message(*a, conv, "two");
  expect_error(*b, receipt(conv, "read", 3, "too-far"), "bad_request");
  expect_error(*b, receipt(conv, "delivered", 1000, "way-too-far"), "bad_request");
  auto bob = member_of(get_conversation("bob", conv), "bob");
  EXPECT_EQ(int_or(bob, "read_seq"), 0) << dump(bob);
  expect_usable(*b, conv);
}

TEST_F(ReceiptsTest, ReceiptOnForeignOrUnknownConversation) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  send_message(*a, conv, "one");
  auto m = connect("mallory");
  expect_error(*m, receipt(conv, "read", 1, "nm"), "not_member");
  expect_error(*m, receipt("c_nope", "read", 1, "nf"), "not_found");
  expect_usable(*m);
}

TEST_F(TypingTest, ForwardedToOtherMembersOnlyAndRateLimited) {
  std::string conv = create_group("alice", {"bob", "carol"});
  auto a1 = connect("alice");
  auto a2 = connect("alice");
  auto b = connect("bob");
  auto c = connect("carol");

  ASSERT_TRUE(a1->send_json({{"type", "typing"}, {"req", "t1"}, {"conversation_id", conv}}));
  for (auto* ws : {b.get(), c.get()}) {
    auto t = ws->wait_for("typing", with_conv(conv), 5s);
    ASSERT_TRUE(t) << "typing not forwarded; buffered: " << dump(ws->buffered());
    EXPECT_EQ(str(*t, "user_id"), "alice") << dump(*t);
  }
  // Within 3 s: a second typing from the same device and one from the other device are dropped.
  ASSERT_TRUE(a1->send_json({{"type", "typing"}, {"req", "t2"}, {"conversation_id", conv}}));
  ASSERT_TRUE(a2->send_json({{"type", "typing"}, {"req", "t3"}, {"conversation_id", conv}}));
  // Sentinel: a message sent by the device after its typing.
  auto ack = send_message(*a2, conv, "done typing");
  std::string cm = str(ack, "client_msg_id");
  for (auto* ws : {b.get(), c.get()}) {
    auto frames = ws->collect_until("message", with_str("client_msg_id", cm), 5s);
    ASSERT_TRUE(frames);
    EXPECT_TRUE(of_type(*frames, "typing").empty())
        << "typing within 3 s was forwarded again: " << dump(*frames);
  }
  // The sender's devices never see alice's typing, and typing has no reply.
  for (auto* ws : {a1.get(), a2.get()}) {
    auto frames = ws->collect_until("message", with_str("client_msg_id", cm), 5s);
    ASSERT_TRUE(frames);
    EXPECT_TRUE(of_type(*frames, "typing").empty()) << "sender saw own typing: " << dump(*frames);
    for (auto& f : *frames) {
      auto req = str(f, "req");
      EXPECT_TRUE(req != "t1" && req != "t2" && req != "t3") << "typing got a reply: " << dump(f);
    }
  }
}

TEST_F(TypingTest, RateLimitIsPerUserAndConversation) {
  std::string conv1 = create_group("alice", {"bob"}, "one");
  std::string conv2 = create_group("alice", {"bob"}, "two");
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(a->send_json({{"type", "typing"}, {"conversation_id", conv1}}));
  auto bt1 = b->wait_for("typing", with_conv(conv1), 5s);
  ASSERT_TRUE(bt1);
  // Another conversation: not limited by the first.
  ASSERT_TRUE(a->send_json({{"type", "typing"}, {"conversation_id", conv2}}));
  auto bt2 = b->wait_for("typing", with_conv(conv2), 5s);
  ASSERT_TRUE(bt2) << "typing in a second conversation was dropped";
  EXPECT_EQ(str(*bt2, "user_id"), "alice");
  // Another user in the same conversation: not limited by alice.
  ASSERT_TRUE(b->send_json({{"type", "typing"}, {"conversation_id", conv1}}));
  auto at = a->wait_for("typing", with_conv(conv1), 5s);
  ASSERT_TRUE(at) << "bob's typing was dropped because of alice's";
  EXPECT_EQ(str(*at, "user_id"), "bob");
}

TEST_F(TypingTest, NonMemberTypingIsNotForwarded) {
  std::string conv = create_group("alice", {"bob"});
  auto b = connect("bob");
  auto m = connect("mallory");
  ASSERT_TRUE(m->send_json({{"type", "typing"}, {"conversation_id", conv}}));
  EXPECT_TRUE(m->ping_pong());  // the connection survives whatever the server answered
  auto a = connect("alice");
  auto ack = send_message(*a, conv, "sentinel");
  auto frames = b->collect_until("message", with_str("client_msg_id", str(ack, "client_msg_id")), 5s);
  ASSERT_TRUE(frames);
  for (auto& t : of_type(*frames, "typing"))
    EXPECT_NE(str(t, "user_id"), "mallory") << "non-member typing forwarded: " << dump(t);
}

}  // namespace
}  // namespace bb
