// send / ack / message fan-out, ordering and idempotency over WebSocket.
#include <map>
#include <set>
#include <thread>

#include "support.h"

namespace bb {
namespace {

class MessagingTest : public BlackboxTest {};

// Fields common to a `message` frame and the ack / send that caused it.
void expect_message_matches(const json::object& m, const json::object& ack, const std::string& sender,
                            const std::string& content, const std::string& kind = "text") {
  EXPECT_EQ(str(m, "type"), "message") << dump(m);
  EXPECT_EQ(str(m, "conversation_id"), str(ack, "conversation_id")) << dump(m);
  EXPECT_EQ(num(m, "seq"), num(ack, "seq")) << dump(m);
  EXPECT_EQ(str(m, "message_id"), str(ack, "message_id")) << dump(m);
  EXPECT_EQ(str(m, "sender_id"), sender) << dump(m);
  EXPECT_EQ(str(m, "client_msg_id"), str(ack, "client_msg_id")) << dump(m);
  EXPECT_EQ(str(m, "content"), content) << dump(m);
  EXPECT_EQ(str(m, "kind"), kind) << dump(m);
  EXPECT_TRUE(m.contains("reply_to")) << "reply_to missing: " << dump(m);
  EXPECT_EQ(num(m, "ts"), num(ack, "ts")) << dump(m);
}

TEST_F(MessagingTest, SendIsAckedAndFannedOutToEveryDeviceOfEveryMember) {
  std::string conv = create_group("alice", {"bob", "carol"});
  std::map<std::string, std::vector<std::unique_ptr<WsClient>>> dev;
  for (auto u : {"alice", "bob", "carol"})
    for (int i = 0; i < 2; ++i) dev[u].push_back(connect(u));
  auto outsider = connect("mallory");

  auto before = unix_now_ms();
  auto ack = send_message(*dev["alice"][0], conv, "hello team", std::string("d1-42"),
                          {{"req", "r1"}});
  auto after = unix_now_ms();
  EXPECT_EQ(str(ack, "type"), "ack");
  EXPECT_EQ(str(ack, "req"), "r1");
  EXPECT_EQ(str(ack, "conversation_id"), conv);
  EXPECT_EQ(str(ack, "client_msg_id"), "d1-42");
  EXPECT_FALSE(str(ack, "message_id").empty()) << dump(ack);
  EXPECT_EQ(num(ack, "seq"), 1) << dump(ack);
  auto ts = num(ack, "ts");
  ASSERT_TRUE(ts) << dump(ack);
  EXPECT_GE(*ts, before - 5000);
  EXPECT_LE(*ts, after + 5000);

  for (auto& [user, devices] : dev)
    for (auto& d : devices) {
      SCOPED_TRACE(user);
      auto m = expect_message(*d, conv, "d1-42");
      expect_message_matches(m, ack, "alice", "hello team");
      EXPECT_TRUE(m.at("reply_to").is_null()) << dump(m);
    }

  // The outsider got nothing about it: everything before its pong is unrelated.
  std::string req = "outsider-ping";
  ASSERT_TRUE(outsider->send_json({{"type", "ping"}, {"req", req}}));
  auto frames = outsider->collect_until("pong", with_req(req), 5s);
  ASSERT_TRUE(frames) << "no pong";
  for (auto& f : *frames) {
    EXPECT_NE(str(f, "type"), "message") << "non-member received " << dump(f);
    EXPECT_NE(str(f, "conversation_id"), conv) << "non-member received " << dump(f);
  }

  // A second message from another member gets seq 2 everywhere.
  auto ack2 = send_message(*dev["carol"][1], conv, "hi alice");
  EXPECT_EQ(num(ack2, "seq"), 2);
  for (auto& [user, devices] : dev)
    for (auto& d : devices) {
      auto m = expect_message(*d, conv, str(ack2, "client_msg_id"));
      expect_message_matches(m, ack2, "carol", "hi alice");
    }
}

std::int64_t metric(const HttpResponse& metrics, const std::string& name) {
  auto at = metrics.body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(metrics.body.substr(at + name.size() + 2));
}

// The ack and the sender's own copy are queued by the same commit: they leave
// in one socket write (frames queued while a handler runs are written when it
// returns), not the ack alone and the copy after it.
TEST_F(MessagingTest, TheAckAndTheSendersOwnCopyLeaveInOneWrite) {
  std::string conv = create_group("alice", {"bob"});
  auto alice = connect("alice");
  send_message(*alice, conv, "warm up", std::string("w1"));
  expect_message(*alice, conv, "w1");

  auto before = http().get("/metrics");
  ASSERT_EQ(before.status, 200);
  send_message(*alice, conv, "counted", std::string("c1"));
  expect_message(*alice, conv, "c1");
  auto after = http().get("/metrics");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(metric(after, "parley_ws_frames_out_total") -
                metric(before, "parley_ws_frames_out_total"),
            2);
  EXPECT_EQ(metric(after, "parley_ws_writes_total") - metric(before, "parley_ws_writes_total"), 1);
}

TEST_F(MessagingTest, KindAndReplyToAreCarried) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto first = send_message(*a, conv, "original");
  auto img = send_message(*a, conv, "https://example.invalid/cat.png", std::nullopt,
                          {{"kind", "image"}, {"reply_to", str(first, "message_id")}});
  auto m = expect_message(*b, conv, str(img, "client_msg_id"));
  EXPECT_EQ(str(m, "kind"), "image") << dump(m);
  EXPECT_EQ(str(m, "reply_to"), str(first, "message_id")) << dump(m);
  for (auto k : {"file", "system", "text"}) {
    auto ack = send_message(*a, conv, std::string("kind ") + k, std::nullopt, {{"kind", k}});
    auto mk = expect_message(*b, conv, str(ack, "client_msg_id"));
    EXPECT_EQ(str(mk, "kind"), k);
  }
  // Default kind is text.
  auto plain = send_message(*a, conv, "plain");
  EXPECT_EQ(str(expect_message(*b, conv, str(plain, "client_msg_id")), "kind"), "text");
  expect_error(*a,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", unique_id("k")},
                {"content", "x"}, {"kind", "video"}},
               "bad_request");
  expect_usable(*a, conv);
}

TEST_F(MessagingTest, ConcurrentSendersGetContiguousOrderedSeqs) {
  constexpr int kSenders = 4, kPerSender = 50, kTotal = kSenders * kPerSender;
  std::vector<std::string> users{"u0", "u1", "u2", "u3"};
  std::string conv = create_group("u0", {"u1", "u2", "u3", "watcher"});
  std::vector<std::unique_ptr<WsClient>> clients;
  for (auto& u : users) clients.push_back(connect(u));
  auto watcher = connect("watcher");

  // Each sender pipelines its 50 sends without waiting for acks, all four at once.
  std::vector<std::thread> threads;
  std::atomic<int> send_failures{0};
  for (int s = 0; s < kSenders; ++s)
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) {
        json::object f{{"type", "send"},
                       {"req", "s" + std::to_string(s) + "-" + std::to_string(i)},
                       {"conversation_id", conv},
                       {"client_msg_id", users[s] + "-" + std::to_string(i)},
                       {"content", "message " + std::to_string(i) + " from " + users[s]}};
        if (!clients[s]->send_json(f)) ++send_failures;
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(send_failures.load(), 0);

  // Acks: one per send, distinct seqs, together exactly 1..200.
  std::set<std::int64_t> ack_seqs;
  std::map<std::string, std::int64_t> seq_of;  // client_msg_id -> seq
  for (int s = 0; s < kSenders; ++s)
    for (int i = 0; i < kPerSender; ++i) {
      std::string req = "s" + std::to_string(s) + "-" + std::to_string(i);
      auto ack = clients[s]->wait_match(
          [&](const json::object& f) {
            auto t = str(f, "type");
            return (t == "ack" || t == "error") && str(f, "req") == req;
          },
          20s);
      ASSERT_TRUE(ack) << "no ack for " << req;
      ASSERT_EQ(str(*ack, "type"), "ack") << dump(*ack);
      auto seq = num(*ack, "seq");
      ASSERT_TRUE(seq) << dump(*ack);
      EXPECT_TRUE(ack_seqs.insert(*seq).second) << "duplicate seq in acks: " << *seq;
      seq_of[str(*ack, "client_msg_id")] = *seq;
    }
  ASSERT_EQ(ack_seqs.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(*ack_seqs.begin(), 1);
  EXPECT_EQ(*ack_seqs.rbegin(), kTotal);

  // Every receiver (the four senders and the watcher) sees seq 1..200 in order, no gaps.
  std::vector<WsClient*> receivers;
  for (auto& c : clients) receivers.push_back(c.get());
  receivers.push_back(watcher.get());
  for (std::size_t r = 0; r < receivers.size(); ++r) {
    SCOPED_TRACE("receiver " + std::to_string(r));
    for (std::int64_t expect = 1; expect <= kTotal; ++expect) {
      auto m = receivers[r]->wait_for("message", with_conv(conv), 20s);
      ASSERT_TRUE(m) << "receiver " << r << " stalled before seq " << expect;
      ASSERT_EQ(num(*m, "seq"), expect) << "out of order / gap: " << dump(*m);
      EXPECT_EQ(seq_of[str(*m, "client_msg_id")], expect) << "message seq differs from its ack";
    }
  }

  // History agrees.
  auto hist = history_messages("watcher", conv, "limit=200");
  ASSERT_EQ(hist.size(), static_cast<std::size_t>(kTotal));
  for (int i = 0; i < kTotal; ++i) EXPECT_EQ(num(hist[i], "seq"), i + 1);
}

TEST_F(MessagingTest, ResendWithSameClientMsgIdIsIdempotent) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto ack1 = send_message(*a, conv, "only once", std::string("dup-1"), {{"req", "first"}});
  auto ack2 = send_message(*a, conv, "only once", std::string("dup-1"), {{"req", "second"}});
  EXPECT_EQ(str(ack2, "req"), "second");
  EXPECT_EQ(str(ack1, "message_id"), str(ack2, "message_id"));
  EXPECT_EQ(num(ack1, "seq"), num(ack2, "seq"));
  EXPECT_EQ(num(ack1, "ts"), num(ack2, "ts"));
  EXPECT_EQ(str(ack2, "client_msg_id"), "dup-1");

  // Even with other content, a resend returns the original ack and stores nothing.
  auto ack4 = send_message(*a, conv, "different content", std::string("dup-1"));
  EXPECT_EQ(str(ack4, "message_id"), str(ack1, "message_id"));
  EXPECT_EQ(num(ack4, "seq"), num(ack1, "seq"));

  // A resend from another device of the same user is the same message too.
  auto a2 = connect("alice");
  auto ack3 = send_message(*a2, conv, "only once", std::string("dup-1"));
  EXPECT_EQ(str(ack1, "message_id"), str(ack3, "message_id"));

  // Bob saw exactly one copy: all frames before a later message hold one dup-1.
  auto next = send_message(*a, conv, "next");
  EXPECT_EQ(num(next, "seq"), 2) << "a duplicate consumed a seq";
  auto frames = b->collect_until("message", with_str("client_msg_id", str(next, "client_msg_id")), 5s);
  ASSERT_TRUE(frames);
  int copies = 0;
  for (auto& f : of_type(*frames, "message"))
    if (str(f, "client_msg_id") == "dup-1") ++copies;
  EXPECT_EQ(copies, 1) << dump(*frames);

  auto hist = history_messages("bob", conv);
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(str(hist[0], "client_msg_id"), "dup-1");
  EXPECT_EQ(str(hist[0], "content"), "only once");
  EXPECT_EQ(str(hist[0], "message_id"), str(ack1, "message_id"));
}

TEST_F(MessagingTest, SameClientMsgIdFromAnotherSenderIsADifferentMessage) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto acka = send_message(*a, conv, "from alice", std::string("same-id"));
  auto ackb = send_message(*b, conv, "from bob", std::string("same-id"));
  EXPECT_NE(str(acka, "message_id"), str(ackb, "message_id"));
  EXPECT_NE(num(acka, "seq"), num(ackb, "seq"));
  EXPECT_EQ(history_messages("alice", conv).size(), 2u);
}

TEST_F(MessagingTest, SendToForeignOrUnknownConversation) {
  std::string conv = create_group("alice", {"bob"});
  auto m = connect("mallory");
  expect_error(*m,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", "x1"}, {"content", "hi"}},
               "not_member");
  expect_error(*m,
               {{"type", "send"}, {"conversation_id", "c_does_not_exist"}, {"client_msg_id", "x2"},
                {"content", "hi"}},
               "not_found");
  expect_usable(*m);
  EXPECT_EQ(history_messages("alice", conv).size(), 0u);
}

TEST_F(MessagingTest, ContentLimitIs16KiBOfUtf8Bytes) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  // Exactly 16 KiB is fine.
  auto ack = send_message(*a, conv, std::string(16384, 'x'));
  auto m = expect_message(*b, conv, str(ack, "client_msg_id"));
  EXPECT_EQ(str(m, "content").size(), 16384u);
  // One byte more is too_large.
  expect_error(*a,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", unique_id("big")},
                {"content", std::string(16385, 'x')}},
               "too_large");
  // 5462 euro signs: 5462 characters but 16386 UTF-8 bytes.
  std::string euros;
  for (int i = 0; i < 5462; ++i) euros += "\xE2\x82\xAC";
  expect_error(*a,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", unique_id("eur")},
                {"content", euros}},
               "too_large");
  // Multi-byte content under the limit round-trips unchanged.
  std::string mixed = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80";
  auto ack2 = send_message(*a, conv, mixed);
  EXPECT_EQ(str(expect_message(*b, conv, str(ack2, "client_msg_id")), "content"), mixed);
  expect_usable(*a, conv);
  EXPECT_EQ(history_messages("alice", conv).size(), 3u);
}

TEST_F(MessagingTest, ClientCloseIsAnsweredWith1000) {
  auto a = connect("alice");
  a->close();
  auto ci = a->wait_closed(5s);
  ASSERT_TRUE(ci);
  EXPECT_EQ(ci->code, 1000) << ci->reason;
  // The server is fine afterwards.
  auto b = connect("alice");
  EXPECT_TRUE(b->ping_pong());
}

TEST_F(MessagingTest, PingIsAnsweredWithPong) {
  auto a = connect("alice");
  auto pong = request(*a, {{"type", "ping"}, {"req", "p1"}}, "pong");
  EXPECT_EQ(str(pong, "type"), "pong");
  EXPECT_EQ(str(pong, "req"), "p1");
  // Without req it is still answered.
  ASSERT_TRUE(a->send_json({{"type", "ping"}}));
  auto p2 = a->wait_for("pong", {}, 5s);
  ASSERT_TRUE(p2);
}

TEST_F(MessagingTest, RestPostedMessageIsDeliveredLive) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto r = http().post("/api/conversations/" + conv + "/messages", token("alice"),
                       json::object{{"client_msg_id", "rest-1"}, {"content", "via rest"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto& ack = obj(*r.json);
  for (auto* ws : {a.get(), b.get()}) {
    auto m = expect_message(*ws, conv, "rest-1");
    EXPECT_EQ(str(m, "message_id"), str(ack, "message_id"));
    EXPECT_EQ(num(m, "seq"), 1);
    EXPECT_EQ(str(m, "sender_id"), "alice");
  }
  // And a WebSocket resend of the same client_msg_id is the same message.
  auto ack2 = send_message(*a, conv, "via rest", std::string("rest-1"));
  EXPECT_EQ(str(ack2, "message_id"), str(ack, "message_id"));
}

TEST_F(MessagingTest, NewMemberReceivesLiveMessagesAndRemovedOneStops) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto d = connect("dave");
  auto r = http().post("/api/conversations/" + conv + "/members", token("bob"),
                       json::object{{"user_id", "dave"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto ack = send_message(*a, conv, "welcome dave");
  expect_message(*d, conv, str(ack, "client_msg_id"));

  auto del = http().del("/api/conversations/" + conv + "/members/dave", token("alice"));
  ASSERT_EQ(del.status, 204) << del.body;
  auto ack2 = send_message(*a, conv, "dave is gone");
  ASSERT_TRUE(d->send_json({{"type", "ping"}, {"req", "after-removal"}}));
  auto frames = d->collect_until("pong", with_req("after-removal"), 5s);
  ASSERT_TRUE(frames);
  for (auto& f : of_type(*frames, "message"))
    EXPECT_NE(str(f, "client_msg_id"), str(ack2, "client_msg_id")) << "removed member got " << dump(f);
  expect_error(*d,
               {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", "d-1"}, {"content", "x"}},
               "not_member");
}

}  // namespace
}  // namespace bb
