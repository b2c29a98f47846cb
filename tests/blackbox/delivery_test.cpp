// Reliable delivery: `received` transport acks, retransmits, and 4008 for slow or silent devices.
#include "support.h"

namespace bb {
namespace {

constexpr int kRetransmitMs = 200;

class DeliveryTest : public BlackboxTest {
 protected:
  std::string server_config() override {
    return R"({"retransmit_ms": )" + std::to_string(kRetransmitMs) + "}";
  }
  // Connects `user` and resumes with an (empty-gap) sync of `conv`, so the device is a resuming one.
  std::unique_ptr<WsClient> connect_synced(const std::string& user, const std::string& conv) {
    auto ws = connect(user);
    std::string req = unique_id("sync");
    require(ws->send_json({{"type", "sync"}, {"req", req}, {"conversations", {{conv, 0}}}}), "sync send");
    require(ws->wait_for("synced", with_req(req), 5s).has_value(), "no synced");
    return ws;
  }
  static int copies(const std::vector<json::object>& frames, const std::string& conv, std::int64_t seq) {
    int n = 0;
    for (auto& f : of_type(frames, "message"))
      if (str(f, "conversation_id") == conv && int_or(f, "seq") == seq) ++n;
    return n;
  }
};

TEST_F(DeliveryTest, HelloAnnouncesRetransmitMs) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(port(), token("alice")).ok);
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(num(*hello, "retransmit_ms"), kRetransmitMs) << dump(*hello);
}

TEST_F(DeliveryTest, UnacknowledgedMessageIsRetransmittedIdentically) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect_synced("bob", c);
  auto a = connect("alice");
  auto ack = send_message(*a, c, "please ack");
  auto first = expect_message(*b, c, str(ack, "client_msg_id"));
  auto t0 = std::chrono::steady_clock::now();
  auto again = b->wait_for("message", with_str("client_msg_id", str(ack, "client_msg_id")), 5s);
  ASSERT_TRUE(again) << "not retransmitted within 5 s (retransmit_ms " << kRetransmitMs << ")";
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_GE(waited.count(), kRetransmitMs / 2) << "retransmitted too early";
  EXPECT_EQ(*again, first) << "retransmitted frame differs";
}

TEST_F(DeliveryTest, ReceivedStopsRetransmits) {
  std::string c = create_group("alice", {"bob"});
  auto acker = connect_synced("bob", c);
  auto witness = connect_synced("bob", c);  // never acks: its retransmits are our clock
  auto a = connect("alice");
  std::vector<std::string> cms;
  for (int i = 0; i < 3; ++i) cms.push_back(str(send_message(*a, c, "m" + std::to_string(i)), "client_msg_id"));
  for (auto& cm : cms) expect_message(*acker, c, cm);
  ASSERT_TRUE(acker->send_json({{"type", "received"}, {"conversation_id", c}, {"seq", 3}}));
  // The witness gets seq 3 a third time (two retransmit periods later)...
  for (int copy = 1; copy <= 3; ++copy)
    ASSERT_TRUE(witness->wait_for("message", all_of({with_conv(c), with_int("seq", 3)}), 5s))
        << "witness copy " << copy;
  // ...by then the acker would have had its retransmits: it has none, and `received` had no reply.
  ASSERT_TRUE(acker->send_json({{"type", "ping"}, {"req", "acker-sentinel"}}));
  auto frames = acker->collect_until("pong", with_req("acker-sentinel"), 5s);
  ASSERT_TRUE(frames);
  for (std::int64_t s = 1; s <= 3; ++s) EXPECT_EQ(copies(*frames, c, s), 0) << "seq " << s << " resent";
  for (auto& f : *frames) EXPECT_NE(str(f, "type"), "ok") << "received got a reply: " << dump(f);
  EXPECT_FALSE(acker->is_closed());
}

TEST_F(DeliveryTest, DeliveredReceiptAcknowledgesToo) {
  std::string c = create_group("alice", {"bob"});
  auto acker = connect_synced("bob", c);
  auto witness = connect_synced("bob", c);
  auto a = connect("alice");
  auto cm = str(send_message(*a, c, "x"), "client_msg_id");
  expect_message(*acker, c, cm);
  request(*acker, {{"type", "receipt"}, {"conversation_id", c}, {"status", "delivered"}, {"seq", 1}}, "ok");
  for (int copy = 1; copy <= 3; ++copy)
    ASSERT_TRUE(witness->wait_for("message", all_of({with_conv(c), with_int("seq", 1)}), 5s));
  ASSERT_TRUE(acker->send_json({{"type", "ping"}, {"req", "s"}}));
  auto frames = acker->collect_until("pong", with_req("s"), 5s);
  ASSERT_TRUE(frames);
  EXPECT_EQ(copies(*frames, c, 1), 0) << dump(*frames);
}

TEST_F(DeliveryTest, FiveRetransmitsThenClose4008) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect_synced("bob", c);
  auto a = connect("alice");
  send_message(*a, c, "never acked");
  auto ci = b->wait_closed(15s);
  ASSERT_TRUE(ci) << "device never acknowledging was not closed";
  EXPECT_EQ(ci->code, 4008) << ci->reason;
  auto frames = b->buffered();
  EXPECT_EQ(copies(frames, c, 1), 6) << "expected the original and 5 retransmits: " << dump(frames);
  // The server goes on; a resuming reconnect gets the message again.
  auto b2 = connect("bob");
  ASSERT_TRUE(b2->send_json({{"type", "sync"}, {"req", "re"}, {"conversations", {{c, 0}}}}));
  auto fr = b2->collect_until("synced", with_req("re"), 5s);
  ASSERT_TRUE(fr);
  EXPECT_EQ(copies(*fr, c, 1), 1);
}

TEST_F(DeliveryTest, AckedDeviceStaysOpen) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect_synced("bob", c);
  auto witness = connect_synced("bob", c);
  auto a = connect("alice");
  auto cm = str(send_message(*a, c, "ack me"), "client_msg_id");
  expect_message(*b, c, cm);
  ASSERT_TRUE(b->send_json({{"type", "received"}, {"conversation_id", c}, {"seq", 1}}));
  // The witness is closed with 4008 after its retransmits; the acking device is not.
  auto ci = witness->wait_closed(15s);
  ASSERT_TRUE(ci);
  EXPECT_EQ(ci->code, 4008);
  EXPECT_FALSE(b->is_closed());
  expect_usable(*b, c);
}

TEST_F(DeliveryTest, BadReceivedFramesAreBadRequest) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect("bob");
  expect_error(*b, {{"type", "received"}, {"conversation_id", c}}, "bad_request");
  expect_error(*b, {{"type", "received"}, {"seq", 1}}, "bad_request");
  expect_error(*b, {{"type", "received"}, {"conversation_id", c}, {"seq", "1"}}, "bad_request");
  expect_usable(*b, c);
}

// The spec tracks every device ("per device"), not only those that sent sync/received.
// docs/protocol.md: retransmission is for devices that acknowledge. A plain
// device (never sends sync or received) gets each message once and is never
// closed for not acknowledging.
TEST_F(DeliveryTest, PlainDeviceIsNotRetransmittedTo) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect("bob");  // no sync, no received
  auto a = connect("alice");
  auto ack = send_message(*a, c, "once");
  expect_message(*b, c, str(ack, "client_msg_id"));
  auto again = b->wait_for("message", with_str("client_msg_id", str(ack, "client_msg_id")), 1500ms);
  EXPECT_FALSE(again) << "a plain device was sent the same message twice";
  EXPECT_TRUE(b->ping_pong());
}

class SlowConsumerTest : public BlackboxTest {
 protected:
  std::string server_config() override { return R"({"max_queue_frames": 32})"; }
};

TEST_F(SlowConsumerTest, DeviceThatDoesNotReadIsClosedWith4008) {
  std::string c = create_group("alice", {"bob"});
  auto slow = std::make_unique<WsClient>();
  slow->set_receive_buffer(4096);
  ASSERT_TRUE(slow->connect(port(), token("bob")).ok);
  ASSERT_TRUE(slow->wait_for("hello", {}, 5s));
  slow->pause_reading();
  auto other = connect("carol");  // unrelated, reads normally
  // Big messages (posted over REST, so no sending device takes the burst) fill the socket
  // buffers, then the server's queue of 32 frames for bob's device.
  std::string content(16 * 1024, 'q');
  for (int i = 0; i < 400; ++i) {
    auto r = http().post("/api/conversations/" + c + "/messages", token("alice"),
                         json::object{{"client_msg_id", "q" + std::to_string(i)}, {"content", content}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  slow->resume_reading();
  auto ci = slow->wait_closed(30s);
  ASSERT_TRUE(ci) << "slow consumer never closed";
  EXPECT_EQ(ci->code, 4008) << ci->reason;
  EXPECT_LT(of_type(slow->buffered(), "message").size(), 400u) << "every message was delivered anyway";
  // Everyone else is fine.
  EXPECT_TRUE(other->ping_pong());
  auto b2 = connect("bob");
  expect_usable(*b2, c);
}

}  // namespace
}  // namespace bb
