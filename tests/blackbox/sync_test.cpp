// sync / synced: resuming after a reconnect.
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "support.h"

namespace bb {
namespace {

class SyncTest : public BlackboxTest {
 protected:
  // Sends a sync and returns (frames before synced, synced).
  std::pair<std::vector<json::object>, json::object> sync(WsClient& ws, const json::object& convs,
                                                          std::chrono::milliseconds timeout = 10s) {
    std::string req = unique_id("sync");
    require(ws.send_json({{"type", "sync"}, {"req", req}, {"conversations", convs}}), "send sync failed");
    auto frames = ws.collect_until_match(
        [&](const json::object& f) {
          auto t = str(f, "type");
          return (t == "synced" || t == "error") && str(f, "req") == req;
        },
        timeout);
    require(frames.has_value(), "no synced for " + req + "; buffered: " + dump(ws.buffered()));
    json::object synced = frames->back();
    frames->pop_back();
    require(str(synced, "type") == "synced", "sync answered with " + dump(synced));
    return {*frames, synced};
  }

  static std::vector<std::int64_t> seqs_in(const std::vector<json::object>& frames, const std::string& conv) {
    std::vector<std::int64_t> out;
    for (auto& f : of_type(frames, "message"))
      if (str(f, "conversation_id") == conv) out.push_back(int_or(f, "seq"));
    return out;
  }
  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> v;
    for (auto i = from; i <= to; ++i) v.push_back(i);
    return v;
  }
  // A JSON array field that is absent or empty.
  static bool empty_list(const json::object& o, const char* key) {
    auto* v = o.if_contains(key);
    return !v || v->is_null() || (v->is_array() && v->as_array().empty());
  }
  void post_n(const std::string& user, const std::string& conv, int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) {
      auto r = http().post("/api/conversations/" + conv + "/messages", token(user),
                           json::object{{"client_msg_id", prefix + std::to_string(i)}, {"content", prefix}});
      require(r.status == 201, "POST message: " + r.body);
    }
  }
};

TEST_F(SyncTest, ReplaysMissedMessagesInOrderThenSynced) {
  std::string c1 = create_group("alice", {"bob"}, "one");
  std::string c2 = create_group("alice", {"bob"}, "two");
  post_n("alice", c1, 5, "a");
  post_n("alice", c2, 3, "b");
  auto b = connect("bob");
  auto [frames, synced] = sync(*b, {{c1, 2}, {c2, 0}});
  EXPECT_EQ(seqs_in(frames, c1), range(3, 5)) << dump(frames);
  EXPECT_EQ(seqs_in(frames, c2), range(1, 3)) << dump(frames);
  // Replayed frames are complete `message` frames, equal to history.
  auto hist = history_messages("bob", c1);
  for (auto& m : of_type(frames, "message")) {
    if (str(m, "conversation_id") != c1) continue;
    auto& h = hist[int_or(m, "seq") - 1];
    EXPECT_EQ(str(m, "message_id"), str(h, "message_id"));
    EXPECT_EQ(str(m, "content"), str(h, "content"));
    EXPECT_EQ(str(m, "sender_id"), "alice");
    EXPECT_EQ(str(m, "client_msg_id"), str(h, "client_msg_id"));
    EXPECT_EQ(num(m, "ts"), num(h, "ts"));
  }
  auto* convs = synced.if_contains("conversations");
  ASSERT_TRUE(convs && convs->is_object()) << dump(synced);
  EXPECT_EQ(num(convs->as_object(), c1.c_str()), 5) << dump(synced);
  EXPECT_EQ(num(convs->as_object(), c2.c_str()), 3) << dump(synced);
  EXPECT_TRUE(empty_list(synced, "too_far_behind")) << dump(synced);
  EXPECT_TRUE(empty_list(synced, "not_member")) << dump(synced);

  // Live from then on.
  auto a = connect("alice");
  auto ack = send_message(*a, c1, "live");
  auto m = expect_message(*b, c1, str(ack, "client_msg_id"));
  EXPECT_EQ(num(m, "seq"), 6);
}

TEST_F(SyncTest, UpToDateConversationReplaysNothing) {
  std::string c = create_group("alice", {"bob"});
  post_n("alice", c, 4, "u");
  auto b = connect("bob");
  auto [frames, synced] = sync(*b, {{c, 4}});
  EXPECT_TRUE(seqs_in(frames, c).empty()) << dump(frames);
  EXPECT_EQ(num(synced.at("conversations").as_object(), c.c_str()), 4) << dump(synced);
}

TEST_F(SyncTest, ForeignConversationIsListedAsNotMember) {
  std::string mine = create_group("bob", {"carol"}, "mine");
  std::string foreign = create_group("alice", {"carol"}, "foreign");
  post_n("alice", foreign, 2, "f");
  post_n("bob", mine, 1, "m");
  auto b = connect("bob");
  auto [frames, synced] = sync(*b, {{foreign, 0}, {mine, 0}});
  EXPECT_TRUE(seqs_in(frames, foreign).empty()) << "foreign messages replayed: " << dump(frames);
  EXPECT_EQ(seqs_in(frames, mine), range(1, 1));
  auto* nm = synced.if_contains("not_member");
  ASSERT_TRUE(nm && nm->is_array()) << dump(synced);
  ASSERT_EQ(nm->as_array().size(), 1u) << dump(synced);
  EXPECT_EQ(nm->as_array()[0], json::value(foreign)) << dump(synced);
  EXPECT_FALSE(synced.at("conversations").as_object().contains(foreign)) << dump(synced);
}

TEST_F(SyncTest, BadSyncFramesAreBadRequest) {
  std::string c = create_group("alice", {"bob"});
  auto b = connect("bob");
  expect_error(*b, {{"type", "sync"}}, "bad_request");
  expect_error(*b, {{"type", "sync"}, {"conversations", json::array{c}}}, "bad_request");
  expect_error(*b, {{"type", "sync"}, {"conversations", {{c, "3"}}}}, "bad_request");
  expect_error(*b, {{"type", "sync"}, {"conversations", {{c, -1}}}}, "bad_request");
  // Over 500 conversations: the spec names no code; bad_request or too_large are both fair.
  json::object many;
  for (int i = 0; i < 501; ++i) many["c_" + std::to_string(i)] = 0;
  auto reply = request(*b, {{"type", "sync"}, {"req", "many"}, {"conversations", many}}, "synced");
  EXPECT_EQ(str(reply, "type"), "error") << "501 conversations accepted";
  EXPECT_TRUE(str(reply, "code") == "bad_request" || str(reply, "code") == "too_large") << dump(reply);
  // Exactly 500 is fine.
  json::object ok500;
  for (int i = 0; i < 500; ++i) ok500["c_" + std::to_string(i)] = 0;
  auto reply2 = request(*b, {{"type", "sync"}, {"req", "ok500"}, {"conversations", ok500}}, "synced");
  EXPECT_EQ(str(reply2, "type"), "synced") << dump(reply2).substr(0, 300);
  expect_usable(*b, c);
}

class SmallReplaySyncTest : public SyncTest {
 protected:
  std::string server_config() override { return R"({"max_replay": 5})"; }
};

TEST_F(SmallReplaySyncTest, TooFarBehindIsNotReplayed) {
  std::string c = create_group("alice", {"bob"});
  post_n("alice", c, 8, "t");
  auto b = connect("bob");
  {
    auto [frames, synced] = sync(*b, {{c, 0}});  // 8 missing > max_replay 5
    EXPECT_TRUE(seqs_in(frames, c).empty()) << dump(frames);
    auto* tfb = synced.if_contains("too_far_behind");
    ASSERT_TRUE(tfb && tfb->is_array() && tfb->as_array().size() == 1) << dump(synced);
    auto& e = tfb->as_array()[0].as_object();
    EXPECT_EQ(str(e, "conversation_id"), c) << dump(synced);
    EXPECT_EQ(num(e, "last_seq"), 8) << dump(synced);
  }
  {
    auto [frames, synced] = sync(*b, {{c, 3}});  // exactly 5 missing: replayed
    EXPECT_EQ(seqs_in(frames, c), range(4, 8)) << dump(frames);
    EXPECT_TRUE(empty_list(synced, "too_far_behind")) << dump(synced);
    EXPECT_EQ(num(synced.at("conversations").as_object(), c.c_str()), 8) << dump(synced);
  }
  // History paging after_seq is the way to catch up.
  auto hist = history_messages("bob", c, "after_seq=0&limit=200");
  EXPECT_EQ(hist.size(), 8u);
}

TEST_F(SmallReplaySyncTest, HelloAnnouncesMaxReplay) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(port(), token("alice")).ok);
  auto hello = ws.next_frame(5s);
  ASSERT_TRUE(hello);
  EXPECT_EQ(num(*hello, "max_replay"), 5) << dump(*hello);
}

// A sync while messages keep arriving: every seq exactly once, and after `synced` strictly in order.
TEST_F(SyncTest, NoGapNoDuplicateAcrossReplayToLive) {
  std::string c = create_group("alice", {"bob"});
  auto a = connect("alice");
  std::mutex mu;
  std::condition_variable cv;
  int sent = 0;
  std::int64_t last_seq = 0;
  std::atomic<bool> stop{false};
  std::string sender_error;
  std::thread sender([&] {
    for (int i = 1; i <= 3000 && !stop; ++i) {
      std::string req = "live-" + std::to_string(i);
      if (!a->send_json({{"type", "send"}, {"req", req}, {"conversation_id", c},
                         {"client_msg_id", req}, {"content", "n" + std::to_string(i)}})) {
        std::lock_guard lk(mu);
        sender_error = "send failed";
        break;
      }
      auto ack = a->wait_for("ack", with_req(req), 10s);
      std::lock_guard lk(mu);
      if (!ack) {
        sender_error = "no ack for " + req;
        break;
      }
      last_seq = int_or(*ack, "seq");
      sent = i;
      cv.notify_all();
    }
    cv.notify_all();
  });
  {
    std::unique_lock lk(mu);
    cv.wait_for(lk, 10s, [&] { return sent >= 30 || !sender_error.empty(); });
  }
  auto b = connect("bob");
  auto [before, synced] = sync(*b, {{c, 0}});
  // Let some live traffic follow the switch, then stop the sender.
  std::vector<json::object> after;
  for (int i = 0; i < 30; ++i) {
    auto m = b->wait_for("message", with_conv(c), 5s);
    if (!m) break;
    after.push_back(*m);
  }
  stop = true;
  sender.join();
  ASSERT_TRUE(sender_error.empty()) << sender_error;
  ASSERT_GE(after.size(), 1u) << "no live message after synced";
  // Drain until the last acked seq arrived (or nothing more comes).
  auto have_last = [&] {
    for (auto& f : after)
      if (int_or(f, "seq") == last_seq) return true;
    return false;
  };
  while (!have_last()) {
    auto m = b->wait_for("message", with_conv(c), 5s);
    if (!m) break;
    after.push_back(*m);
  }
  std::vector<std::int64_t> all = seqs_in(before, c);
  std::int64_t upto = int_or(synced.at("conversations").as_object(), c.c_str());
  auto live = seqs_in(after, c);
  for (std::size_t i = 1; i < live.size(); ++i)
    EXPECT_LT(live[i - 1], live[i]) << "reordered or duplicated after synced at index " << i;
  if (!live.empty()) {
    EXPECT_GT(live.front(), upto) << "a live message repeats the replay";
  }
  all.insert(all.end(), live.begin(), live.end());
  std::multiset<std::int64_t> counts(all.begin(), all.end());
  // Where each frame came from, for the failure message: B = before synced, L = after synced.
  std::string trace;
  for (auto v : seqs_in(before, c)) trace += "B" + std::to_string(v) + " ";
  trace += "| synced upto " + std::to_string(upto) + " | ";
  for (auto v : live) trace += "L" + std::to_string(v) + " ";
  SCOPED_TRACE("frames seen by the syncing device: " + trace);
  std::string dups, missing;
  for (std::int64_t s = 1; s <= last_seq; ++s) {
    if (counts.count(s) > 1) dups += std::to_string(s) + " ";
    if (counts.count(s) == 0) missing += std::to_string(s) + " ";
  }
  EXPECT_TRUE(dups.empty()) << "duplicated seqs: " << dups;
  EXPECT_TRUE(missing.empty()) << "missing seqs: " << missing;
  EXPECT_EQ(all.size(), static_cast<std::size_t>(last_seq));
}

}  // namespace
}  // namespace bb
