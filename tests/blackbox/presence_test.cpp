// presence frames (online / offline with debounce).
#include "support.h"

namespace bb {
namespace {

// Default server settings (5 s offline debounce).
class PresenceTest : public BlackboxTest {};

// A short offline debounce when the server offers a flag for it, so the offline test is fast.
class FastPresenceTest : public BlackboxTest {
 protected:
  std::vector<std::string> server_args() override {
    if (serve_supports_flag("--presence-debounce-ms")) return {"--presence-debounce-ms", "300"};
    return {};
  }
};

Predicate presence_of(const std::string& user, const std::string& status) {
  return all_of({with_str("user_id", user), with_str("status", status)});
}

std::vector<json::object> presence_frames_of(const std::vector<json::object>& frames, const std::string& user) {
  std::vector<json::object> out;
  for (auto& f : of_type(frames, "presence"))
    if (str(f, "user_id") == user) out.push_back(f);
  return out;
}

TEST_F(PresenceTest, FirstDeviceBringsUserOnlineForPeersOnly) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b1 = connect("bob");
  auto p = a->wait_for("presence", presence_of("bob", "online"), 5s);
  ASSERT_TRUE(p) << "no online presence for bob; buffered: " << dump(a->buffered());
  EXPECT_TRUE(p->contains("last_seen")) << dump(*p);
  auto* ls = p->if_contains("last_seen");
  EXPECT_TRUE(ls && (ls->is_null() || ls->is_int64() || ls->is_uint64())) << dump(*p);

  // A second device of bob and an unrelated user: no presence for alice.
  auto b2 = connect("bob");
  auto stranger = connect("stranger");
  auto ack = send_message(*b2, conv, "sentinel");
  auto frames = a->collect_until("message", with_str("client_msg_id", str(ack, "client_msg_id")), 5s);
  ASSERT_TRUE(frames);
  EXPECT_TRUE(presence_frames_of(*frames, "bob").empty()) << "second device re-announced: " << dump(*frames);
  EXPECT_TRUE(presence_frames_of(*frames, "stranger").empty())
      << "presence of a user sharing no conversation: " << dump(*frames);
}

TEST_F(PresenceTest, QuickReconnectDoesNotFlap) {
  std::string conv = create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(a->wait_for("presence", presence_of("bob", "online"), 5s));
  b->close();
  b = connect("bob");  // well within the 5 s default debounce
  auto ack = send_message(*b, conv, "back already");
  auto frames = a->collect_until("message", with_str("client_msg_id", str(ack, "client_msg_id")), 5s);
  ASSERT_TRUE(frames);
  EXPECT_TRUE(presence_frames_of(*frames, "bob").empty()) << "presence flapped: " << dump(*frames);
}

TEST_F(FastPresenceTest, LastDeviceLeavingBringsUserOffline) {
  if (!serve_supports_flag("--presence-debounce-ms"))
    std::cerr << "[ note ] no --presence-debounce-ms flag: waiting for the default 5 s debounce\n";
  create_group("alice", {"bob"});
  auto a = connect("alice");
  auto b1 = connect("bob");
  auto b2 = connect("bob");
  ASSERT_TRUE(a->wait_for("presence", presence_of("bob", "online"), 5s));
  b1->close();
  auto before = unix_now_ms();
  b2->close();
  auto p = a->wait_for("presence", with_str("user_id", "bob"), 15s);
  auto after = unix_now_ms();
  ASSERT_TRUE(p) << "no presence after bob left; buffered: " << dump(a->buffered());
  EXPECT_EQ(str(*p, "status"), "offline") << dump(*p);
  auto ls = num(*p, "last_seen");
  ASSERT_TRUE(ls) << "offline presence needs an integer last_seen: " << dump(*p);
  EXPECT_GE(*ls, before - 5000) << dump(*p);
  EXPECT_LE(*ls, after + 1000) << dump(*p);

  auto r = http().get("/api/presence?user_ids=bob", token("alice"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.json && r.json->is_array() && r.json->as_array().size() == 1) << r.body;
  auto& e = r.json->as_array()[0].as_object();
  EXPECT_EQ(str(e, "status"), "offline") << r.body;
  EXPECT_EQ(num(e, "last_seen"), ls) << r.body;

  // Coming back: online again.
  auto b3 = connect("bob");
  auto on = a->wait_for("presence", presence_of("bob", "online"), 5s);
  ASSERT_TRUE(on);
}

}  // namespace
}  // namespace bb
