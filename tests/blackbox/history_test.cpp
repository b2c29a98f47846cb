// REST history paging and POST messages.
#include "support.h"

namespace bb {
namespace {

class HistoryTest : public BlackboxTest {
 protected:
  std::vector<std::int64_t> seqs(const json::object& page) {
    std::vector<std::int64_t> out;
    for (auto& m : page.at("messages").as_array()) out.push_back(int_or(m.as_object(), "seq"));
    return out;
  }
  bool has_more(const json::object& page) {
    auto* v = page.if_contains("has_more");
    require(v && v->is_bool(), "has_more missing or not a bool: " + dump(page));
    return v->as_bool();
  }
  void fill(const std::string& conv, int n) {
    auto a = connect("alice");
    for (int i = 1; i <= n; ++i) {
      require(a->send_json({{"type", "send"}, {"req", "f" + std::to_string(i)}, {"conversation_id", conv},
                            {"client_msg_id", "h-" + std::to_string(i)}, {"content", "msg " + std::to_string(i)}}),
              "send failed");
    }
    for (int i = 1; i <= n; ++i) {
      auto ack = a->wait_for("ack", with_req("f" + std::to_string(i)), 20s);
      require(ack.has_value(), "no ack for f" + std::to_string(i));
    }
  }
  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> v;
    for (auto i = from; i <= to; ++i) v.push_back(i);
    return v;
  }
};

TEST_F(HistoryTest, MessageObjectFields) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto first = send_message(*a, conv, "hello", std::string("d1-42"));
  auto second = send_message(*a, conv, "re", std::nullopt, {{"kind", "file"}, {"reply_to", str(first, "message_id")}});
  auto msgs = history_messages("bob", conv);
  ASSERT_EQ(msgs.size(), 2u);
  auto& m = msgs[0];
  EXPECT_EQ(str(m, "conversation_id"), conv);
  EXPECT_EQ(num(m, "seq"), 1);
  EXPECT_EQ(str(m, "message_id"), str(first, "message_id"));
  EXPECT_EQ(str(m, "sender_id"), "alice");
  EXPECT_EQ(str(m, "client_msg_id"), "d1-42");
  EXPECT_EQ(str(m, "content"), "hello");
  EXPECT_EQ(str(m, "kind"), "text");
  ASSERT_TRUE(m.contains("reply_to")) << dump(m);
  EXPECT_TRUE(m.at("reply_to").is_null());
  EXPECT_EQ(num(m, "ts"), num(first, "ts"));
  EXPECT_EQ(num(m, "version"), 1);
  EXPECT_EQ(m.at("deleted"), json::value(false)) << dump(m);
  EXPECT_EQ(str(msgs[1], "kind"), "file");
  EXPECT_EQ(str(msgs[1], "reply_to"), str(first, "message_id"));
  EXPECT_EQ(num(msgs[1], "seq"), num(second, "seq"));
}

TEST_F(HistoryTest, PagingBeforeAfterAndLimit) {
  std::string conv = create_group("alice", {"bob"});
  fill(conv, 10);
  auto p = history("bob", conv);
  EXPECT_EQ(seqs(p), range(1, 10));
  EXPECT_FALSE(has_more(p));

  p = history("bob", conv, "limit=3");
  EXPECT_EQ(seqs(p), range(8, 10)) << "latest page, ascending";
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "before_seq=8&limit=3");
  EXPECT_EQ(seqs(p), range(5, 7));
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "before_seq=4&limit=3");
  EXPECT_EQ(seqs(p), range(1, 3));
  EXPECT_FALSE(has_more(p)) << "nothing older than seq 1";
  p = history("bob", conv, "before_seq=3&limit=3");
  EXPECT_EQ(seqs(p), range(1, 2));
  EXPECT_FALSE(has_more(p));
  p = history("bob", conv, "before_seq=1");
  EXPECT_TRUE(seqs(p).empty());
  EXPECT_FALSE(has_more(p));

  p = history("bob", conv, "after_seq=1&limit=4");
  EXPECT_EQ(seqs(p), range(2, 5)) << "oldest first after a seq";
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "after_seq=7&limit=2");
  EXPECT_EQ(seqs(p), range(8, 9));
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "after_seq=8&limit=5");
  EXPECT_EQ(seqs(p), range(9, 10));
  EXPECT_FALSE(has_more(p));
  p = history("bob", conv, "after_seq=10");
  EXPECT_TRUE(seqs(p).empty());
  EXPECT_FALSE(has_more(p));

  // Walking backwards with before_seq visits everything exactly once.
  std::vector<std::int64_t> all;
  std::string q = "limit=4";
  for (int i = 0; i < 10; ++i) {
    p = history("bob", conv, q);
    auto s = seqs(p);
    all.insert(all.begin(), s.begin(), s.end());
    if (!has_more(p) || s.empty()) break;
    q = "limit=4&before_seq=" + std::to_string(s.front());
  }
  EXPECT_EQ(all, range(1, 10));
}

TEST_F(HistoryTest, DefaultLimitIs50AndLimitIsCappedAt200) {
  std::string conv = create_group("alice", {"bob"});
  fill(conv, 205);
  auto p = history("bob", conv);
  EXPECT_EQ(seqs(p), range(156, 205)) << "default limit 50";
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "limit=1000");
  EXPECT_EQ(seqs(p), range(6, 205)) << "limit capped at 200";
  EXPECT_TRUE(has_more(p));
  p = history("bob", conv, "limit=200");
  EXPECT_EQ(seqs(p).size(), 200u);
  p = history("bob", conv, "after_seq=2&limit=500");
  EXPECT_EQ(seqs(p), range(3, 202)) << "limit capped at 200 with after_seq too";
  EXPECT_TRUE(has_more(p));
}

// after_seq=0 means "everything after seq 0": the oldest page, which is how a client syncs a
// conversation from the start. It must not fall back to the latest page.
TEST_F(HistoryTest, AfterSeqZeroStartsFromTheOldest) {
  std::string conv = create_group("alice", {"bob"});
  fill(conv, 10);
  auto p = history("bob", conv, "after_seq=0&limit=4");
  EXPECT_EQ(seqs(p), range(1, 4));
  EXPECT_TRUE(has_more(p));
}

TEST_F(HistoryTest, BadParamsAre400) {
  std::string conv = create_group("alice", {"bob"});
  for (std::string q : {"limit=0", "limit=-5", "limit=abc", "before_seq=abc", "after_seq=-1", "after_seq=1x"}) {
    auto r = http().get("/api/conversations/" + conv + "/messages?" + q, token("alice"));
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_EQ(r.error_code(), "bad_request") << q << ": " << r.body;
  }
}

TEST_F(HistoryTest, PostMessageIs201ThenIdempotent200) {
  std::string conv = create_group("alice", {"bob"});
  std::string target = "/api/conversations/" + conv + "/messages";
  json::object body{{"client_msg_id", "p-1"}, {"content", "posted"}, {"kind", "text"}, {"reply_to", nullptr}};
  auto r1 = http().post(target, token("alice"), body);
  ASSERT_EQ(r1.status, 201) << r1.body;
  auto& ack = obj(*r1.json);
  EXPECT_EQ(str(ack, "conversation_id"), conv);
  EXPECT_EQ(str(ack, "client_msg_id"), "p-1");
  EXPECT_FALSE(str(ack, "message_id").empty());
  EXPECT_EQ(num(ack, "seq"), 1);
  EXPECT_TRUE(num(ack, "ts").has_value()) << r1.body;
  auto r2 = http().post(target, token("alice"), body);
  ASSERT_EQ(r2.status, 200) << r2.body;
  auto& ack2 = obj(*r2.json);
  EXPECT_EQ(str(ack2, "message_id"), str(ack, "message_id"));
  EXPECT_EQ(num(ack2, "seq"), 1);
  EXPECT_EQ(num(ack2, "ts"), num(ack, "ts"));
  auto msgs = history_messages("bob", conv);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(str(msgs[0], "content"), "posted");

  auto r3 = http().post(target, token("bob"), json::object{{"client_msg_id", "p-1"}, {"content", "bob's"}});
  EXPECT_EQ(r3.status, 201) << "another sender's client_msg_id is independent: " << r3.body;
}

TEST_F(HistoryTest, PostMessageRejectsBadBodies) {
  std::string conv = create_group("alice", {"bob"});
  std::string target = "/api/conversations/" + conv + "/messages";
  auto check = [&](const std::string& body, int status, const std::string& code, const std::string& what) {
    auto r = http().request("POST", target, token("alice"), body);
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(r.error_code(), code) << what << ": " << r.body;
  };
  check("{oops", 400, "bad_request", "malformed JSON");
  check(R"({"content":"x"})", 400, "bad_request", "no client_msg_id");
  check(R"({"client_msg_id":"","content":"x"})", 400, "bad_request", "empty client_msg_id");
  check(R"({"client_msg_id":")" + std::string(129, 'c') + R"(","content":"x"})", 400, "bad_request",
        "client_msg_id of 129");
  check(R"({"client_msg_id":"a","content":5})", 400, "bad_request", "content not a string");
  check(R"({"client_msg_id":"b","content":"x","kind":"video"})", 400, "bad_request", "bad kind");
  check(R"({"client_msg_id":"c","content":")" + std::string(16385, 'x') + R"("})", 413, "too_large",
        "content over 16 KiB");
  auto ok = http().request("POST", target, token("alice"),
                           R"({"client_msg_id":")" + std::string(128, 'c') + R"(","content":"x"})");
  EXPECT_EQ(ok.status, 201) << "client_msg_id of 128 chars: " << ok.body;
  EXPECT_EQ(history_messages("alice", conv).size(), 1u);
}

}  // namespace
}  // namespace bb
