// Authorization, exhaustively: no frame and no REST route reveals or changes
// anything of a conversation to someone outside it (issue #8). Three
// outsiders of one group: mallory (never a member), carol (removed by the
// owner) and dave (left by himself). Every client frame and every REST route
// that names a conversation is listed in a table below; each outsider tries
// each, gets the documented refusal, and the members' view (history,
// read marks, unread counts) is byte for byte what it was. Outsiders get no
// live frame of the conversation after they are out, search and media shut
// them out, and a direct conversation (whose id anyone can derive from its
// two user ids) answers a stranger exactly as an id that does not exist.
// To extend: add a row to ws_cases() or rest_cases().
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "media/media_test_support.h"
#include "support.h"

namespace bb {
namespace {

using parley::media::test_support::png;  // a PNG header the server can sniff

// What a row of a table sees: the conversation under test and the actor's things in it.
struct Ctx {
  std::string conv;
  std::string actor;
  std::string own_message;    // a message the actor sent (while a member), else a member's
  std::string other_message;  // a message of a member
  std::string own_media;      // an upload of the actor's
};

// ---- client frames that name a conversation (docs/protocol.md "Frames from client to server")
// ----

struct WsCase {
  const char* name;
  std::function<json::object(const Ctx&)> frame;
};

std::vector<WsCase> ws_cases() {
  return {
      {"send text",
       [](const Ctx& c) {
         return json::object{{"type", "send"},
                             {"conversation_id", c.conv},
                             {"client_msg_id", unique_id("x")},
                             {"content", "let me in"}};
       }},
      {"send reply",
       [](const Ctx& c) {
         return json::object{{"type", "send"},
                             {"conversation_id", c.conv},
                             {"client_msg_id", unique_id("x")},
                             {"content", "re"},
                             {"reply_to", c.other_message}};
       }},
      {"send image with own upload",
       [](const Ctx& c) {
         return json::object{{"type", "send"},
                             {"conversation_id", c.conv},
                             {"client_msg_id", unique_id("x")},
                             {"content", "pic"},
                             {"kind", "image"},
                             {"media", {{"media_id", c.own_media}}}};
       }},
      {"typing",
       [](const Ctx& c) {
         return json::object{{"type", "typing"}, {"conversation_id", c.conv}};
       }},
      {"receipt read",
       [](const Ctx& c) {
         return json::object{
             {"type", "receipt"}, {"conversation_id", c.conv}, {"status", "read"}, {"seq", 1}};
       }},
      {"receipt delivered",
       [](const Ctx& c) {
         return json::object{
             {"type", "receipt"}, {"conversation_id", c.conv}, {"status", "delivered"}, {"seq", 2}};
       }},
      {"edit own message",
       [](const Ctx& c) {
         return json::object{{"type", "edit"},
                             {"conversation_id", c.conv},
                             {"message_id", c.own_message},
                             {"content", "rewritten"}};
       }},
      {"edit a member's message",
       [](const Ctx& c) {
         return json::object{{"type", "edit"},
                             {"conversation_id", c.conv},
                             {"message_id", c.other_message},
                             {"content", "rewritten"}};
       }},
      {"delete own message",
       [](const Ctx& c) {
         return json::object{
             {"type", "delete"}, {"conversation_id", c.conv}, {"message_id", c.own_message}};
       }},
      {"delete a member's message",
       [](const Ctx& c) {
         return json::object{
             {"type", "delete"}, {"conversation_id", c.conv}, {"message_id", c.other_message}};
       }},
  };
}

// ---- REST routes that name a conversation (docs/protocol.md "REST") ----

struct RestCase {
  const char* name;
  const char* method;
  std::function<std::string(const Ctx&)> target;
  std::function<std::optional<std::string>(const Ctx&)> body;  // null: no body
  int status;        // for a group conversation that exists
  const char* code;  // idem
};

std::optional<std::string> no_body(const Ctx&) { return std::nullopt; }

std::vector<RestCase> rest_cases() {
  auto conv = [](const std::string& rest) {
    return [rest](const Ctx& c) { return "/api/conversations/" + c.conv + rest; };
  };
  auto json_body = [](std::function<json::object(const Ctx&)> make) {
    return [make](const Ctx& c) -> std::optional<std::string> { return dump(make(c)); };
  };
  return {
      {"GET conversation", "GET", conv(""), no_body, 403, "not_member"},
      {"GET history", "GET", conv("/messages"), no_body, 403, "not_member"},
      {"GET history after_seq=0", "GET", conv("/messages?after_seq=0&limit=200"), no_body, 403,
       "not_member"},
      {"GET history before_seq", "GET", conv("/messages?before_seq=1000"), no_body, 403,
       "not_member"},
      {"POST message", "POST", conv("/messages"), json_body([](const Ctx&) {
         return json::object{{"client_msg_id", unique_id("x")}, {"content", "let me in"}};
       }),
       403, "not_member"},
      {"POST message with own upload", "POST", conv("/messages"), json_body([](const Ctx& c) {
         return json::object{{"client_msg_id", unique_id("x")},
                             {"content", "pic"},
                             {"kind", "image"},
                             {"media", {{"media_id", c.own_media}}}};
       }),
       403, "not_member"},
      {"POST member (self)", "POST", conv("/members"), json_body([](const Ctx& c) {
         return json::object{{"user_id", c.actor}};
       }),
       403, "not_member"},
      {"POST member (someone)", "POST", conv("/members"), json_body([](const Ctx&) {
         return json::object{{"user_id", "eve"}};
       }),
       403, "not_member"},
      {"DELETE member (a member)", "DELETE", conv("/members/bob"), no_body, 403, "not_member"},
      {"DELETE member (self)", "DELETE",
       [](const Ctx& c) { return "/api/conversations/" + c.conv + "/members/" + c.actor; }, no_body,
       403, "not_member"},
      {"GET mute", "GET", conv("/mute"), no_body, 404, "not_found"},
      {"PUT mute", "PUT", conv("/mute"), no_body, 404, "not_found"},
      {"DELETE mute", "DELETE", conv("/mute"), no_body, 404, "not_found"},
      {"GET search in conversation", "GET",
       [](const Ctx& c) { return "/api/search?q=zephyrword&conversation_id=" + c.conv; }, no_body,
       403, "not_member"},
  };
}

// The members' view of a conversation, to compare before and after.
struct Snapshot {
  std::string history;       // every message, as alice reads them
  std::string conversation;  // detail: members, roles, read marks, last_seq
  std::string alice_entry;   // alice's list entry (unread, last_message_at)
  std::string bob_entry;
};

class AuthzTest : public BlackboxTest {
 protected:
  // Outsiders of G: never a member, removed by the owner, left by himself.
  const std::vector<std::string> outsiders_{"mallory", "carol", "dave"};

  std::string g_;  // the group: alice (owner), bob, erin; carol removed, dave left
  std::string z_;  // alice, carol, dave, mallory: sentinels for "nothing more came"
  std::string alice_msg_, carol_msg_, dave_msg_;
  std::string alice_media_;                     // sent in G by alice
  std::string carol_media_;                     // sent in G by carol before her removal
  std::map<std::string, std::string> uploads_;  // each outsider's own upload
  std::map<std::string, std::unique_ptr<WsClient>> ws_;

  json::object upload(const std::string& user) {
    auto r = http().request("POST", "/api/media?name=p.png", token(user), png(4, 3),
                            {{"Content-Type", "image/png"}});
    require(r.status == 201, "upload by " + user + ": " + std::to_string(r.status) + " " + r.body);
    return obj(*r.json);
  }

  HttpResponse call(const std::string& user, const std::string& method, const std::string& target,
                    const std::optional<std::string>& body = std::nullopt) {
    return http().request(method, target, token(user), body);
  }

  std::vector<json::object> frames_up_to(WsClient& ws, const std::string& conv,
                                         const std::string& client_msg_id) {
    auto frames = ws.collect_until(
        "message", all_of({with_conv(conv), with_str("client_msg_id", client_msg_id)}), 5s);
    require(frames.has_value(),
            "sentinel " + client_msg_id + " did not arrive; buffered: " + dump(ws.buffered()));
    return *frames;
  }

  // Builds G and Z, has everyone write in G, then takes carol and dave out.
  // Every connection is open throughout, and its buffer is empty after the
  // removals (everything sent before them has arrived).
  void build_world() {
    g_ = create_group("alice", {"bob", "carol", "dave", "erin"}, "g");
    z_ = create_group("alice", {"carol", "dave", "mallory"}, "z");
    for (std::string u : {"alice", "bob", "carol", "dave", "mallory"}) ws_[u] = connect(u);
    for (auto& u : outsiders_) uploads_[u] = str(upload(u), "media_id");
    alice_media_ = str(upload("alice"), "media_id");
    carol_media_ = str(upload("carol"), "media_id");

    auto& a = *ws_["alice"];
    alice_msg_ = str(send_message(a, g_, "the zephyrword plan"), "message_id");
    send_message(a, g_, "a picture", std::nullopt,
                 {{"kind", "image"}, {"media", {{"media_id", alice_media_}}}});
    carol_msg_ = str(send_message(*ws_["carol"], g_, "carol quixotically agrees"), "message_id");
    send_message(*ws_["carol"], g_, "mine", std::nullopt,
                 {{"kind", "image"}, {"media", {{"media_id", carol_media_}}}});
    auto last = send_message(*ws_["dave"], g_, "dave too");
    dave_msg_ = str(last, "message_id");
    for (std::string u : {"alice", "bob", "carol", "dave"})
      expect_message(*ws_[u], g_, str(last, "client_msg_id"));

    auto removed = call("alice", "DELETE", "/api/conversations/" + g_ + "/members/carol");
    require(removed.status == 204, "remove carol: " + removed.body);
    auto left = call("dave", "DELETE", "/api/conversations/" + g_ + "/members/dave");
    require(left.status == 204, "dave leaves: " + left.body);
    for (auto& [user, ws] : ws_) ws->clear_buffer();
  }

  Ctx ctx(const std::string& actor) {
    Ctx c{g_, actor, alice_msg_, alice_msg_, uploads_[actor]};
    if (actor == "carol") c.own_message = carol_msg_;
    if (actor == "dave") c.own_message = dave_msg_;
    return c;
  }

  std::string list_entry(const std::string& user, const std::string& conv) {
    auto r = call(user, "GET", "/api/conversations?limit=100");
    require(r.status == 200, "list for " + user + ": " + r.body);
    for (auto& e : obj(*r.json).at("conversations").as_array())
      if (str(obj(e), "id") == conv) return dump(e);
    return {};
  }

  Snapshot snapshot() {
    return {dump(history("alice", g_, "after_seq=0&limit=200")),
            dump(get_conversation("alice", g_)), list_entry("alice", g_), list_entry("bob", g_)};
  }

  void expect_unchanged(const Snapshot& before, const std::string& after_what) {
    Snapshot now = snapshot();
    EXPECT_EQ(now.history, before.history) << "history changed after " << after_what;
    EXPECT_EQ(now.conversation, before.conversation)
        << "members or read marks changed after " << after_what;
    EXPECT_EQ(now.alice_entry, before.alice_entry) << "alice's list changed after " << after_what;
    EXPECT_EQ(now.bob_entry, before.bob_entry) << "bob's list changed after " << after_what;
  }

  // Frames of conversation `conv` among `frames`.
  static std::vector<json::object> about(const std::vector<json::object>& frames,
                                         const std::string& conv) {
    std::vector<json::object> out;
    for (auto& f : frames)
      if (str(f, "conversation_id") == conv) out.push_back(f);
    return out;
  }
};

TEST_F(AuthzTest, EveryFrameOfAnOutsiderIsRefusedAndChangesNothing) {
  build_world();
  const Snapshot before = snapshot();
  for (auto& actor : outsiders_) {
    auto& ws = *ws_[actor];
    for (auto& row : ws_cases()) {
      SCOPED_TRACE(actor + ": " + row.name);
      expect_error(ws, row.frame(ctx(actor)), "not_member");
    }
    // sync: the conversation is listed as not_member and nothing of it is replayed.
    json::object sync{{"type", "sync"}, {"req", unique_id("s")}, {"conversations", {{g_, 0}}}};
    ASSERT_TRUE(ws.send_json(sync));
    auto got = ws.collect_until("synced", with_req(str(sync, "req")), 5s);
    ASSERT_TRUE(got) << actor << ": no synced; buffered: " << dump(ws.buffered());
    const auto& synced = got->back();
    ASSERT_TRUE(synced.contains("not_member")) << dump(synced);
    EXPECT_EQ(dump(synced.at("not_member")), dump(json::array{json::value(g_)})) << dump(synced);
    EXPECT_FALSE(synced.at("conversations").as_object().contains(g_)) << dump(synced);
    EXPECT_TRUE(about(*got, g_).empty()) << actor << " was replayed: " << dump(*got);
    // received: no reply, no effect (it only acknowledges the device's own deliveries).
    ws.clear_buffer();
    ASSERT_TRUE(ws.send_json({{"type", "received"}, {"conversation_id", g_}, {"seq", 5}}));
    EXPECT_TRUE(ws.ping_pong()) << actor;
    EXPECT_TRUE(of_type(ws.buffered(), "error").empty()) << dump(ws.buffered());
  }
  expect_unchanged(before, "the outsiders' frames");

  // The members heard nothing of it: everything before alice's sentinel is
  // free of the outsiders' typing, receipts, messages and edits.
  auto sentinel = send_message(*ws_["alice"], g_, "sentinel");
  for (std::string member : {"alice", "bob"}) {
    auto frames = frames_up_to(*ws_[member], g_, str(sentinel, "client_msg_id"));
    for (auto& f : about(frames, g_)) {
      if (str(f, "type") == "message" && str(f, "client_msg_id") == str(sentinel, "client_msg_id"))
        continue;
      ADD_FAILURE() << member << " got a frame from an outsider: " << dump(f);
    }
  }
}

TEST_F(AuthzTest, EveryRouteOfAnOutsiderIsRefusedAndChangesNothing) {
  build_world();
  const Snapshot before = snapshot();
  for (auto& actor : outsiders_) {
    for (auto& row : rest_cases()) {
      SCOPED_TRACE(actor + ": " + row.method + " " + row.name);
      const Ctx c = ctx(actor);
      auto r = call(actor, row.method, row.target(c), row.body(c));
      EXPECT_EQ(r.status, row.status) << r.body << r.error;
      EXPECT_EQ(r.error_code(), row.code) << r.body;
    }
    // The list and the presence route do not show the conversation or its members.
    EXPECT_EQ(list_entry(actor, g_), "") << actor << " still lists the conversation";
    auto p = call(actor, "GET", "/api/presence?user_ids=bob,erin");
    ASSERT_EQ(p.status, 200) << p.body;
    for (auto& e : p.json->as_array())
      EXPECT_EQ(str(obj(e), "status"), "unknown") << actor << " sees presence: " << p.body;
  }
  expect_unchanged(before, "the outsiders' requests");
  // The members' own routes still work (the rows above fail for the right reason).
  for (auto& row : rest_cases()) {
    if (std::string(row.method) != "GET") continue;
    const Ctx c = ctx("bob");
    EXPECT_EQ(call("bob", row.method, row.target(c)).status, 200) << "bob: " << row.name;
  }
}

TEST_F(AuthzTest, MediaOfTheConversationIsNotFoundForOutsidersButTheirOwnUploads) {
  build_world();
  using Fetch = std::function<HttpResponse(const std::string&, const std::string&)>;
  Fetch get = [&](const std::string& user, const std::string& id) {
    return call(user, "GET", "/api/media/" + id);
  };
  Fetch get_query = [&](const std::string& user, const std::string& id) {
    return http().get("/api/media/" + id + "?token=" + url_encode(token(user)));
  };
  const std::string unknown = "md_000000000000000000000000";
  EXPECT_EQ(get("bob", alice_media_).status, 200);
  EXPECT_EQ(get("bob", carol_media_).status, 200);
  for (auto& actor : outsiders_) {
    SCOPED_TRACE(actor);
    for (auto* fetch : {&get, &get_query}) {
      auto r = (*fetch)(actor, alice_media_);
      auto none = (*fetch)(actor, unknown);
      EXPECT_EQ(r.status, 404) << r.body;
      EXPECT_EQ(r.error_code(), "not_found");
      // Exactly as for an id that does not exist.
      EXPECT_EQ(r.status, none.status);
      EXPECT_EQ(r.body, none.body);
    }
    auto ranged = http().request("GET", "/api/media/" + alice_media_, token(actor), std::nullopt,
                                 {{"Range", "bytes=0-3"}});
    EXPECT_EQ(ranged.status, 404) << ranged.body;
  }
  // docs/protocol.md: the uploader keeps access to its own upload.
  EXPECT_EQ(get("carol", carol_media_).status, 200);
  EXPECT_EQ(get("dave", carol_media_).status, 404);
  EXPECT_EQ(get("mallory", carol_media_).status, 404);
}

TEST_F(AuthzTest, OutsidersGetNoLiveFrameOfTheConversation) {
  build_world();
  auto& a = *ws_["alice"];
  auto& b = *ws_["bob"];
  // Everything members do in G, each checked to reach a member.
  auto ack = send_message(a, g_, "after the removals");
  expect_message(b, g_, str(ack, "client_msg_id"));
  ASSERT_TRUE(b.send_json({{"type", "typing"}, {"conversation_id", g_}}));
  ASSERT_TRUE(a.wait_for("typing", with_conv(g_), 5s)) << dump(a.buffered());
  request(b, {{"type", "receipt"}, {"conversation_id", g_}, {"status", "read"}, {"seq", 6}});
  ASSERT_TRUE(a.wait_for("receipt", with_conv(g_), 5s)) << dump(a.buffered());
  request(a, {{"type", "edit"},
              {"conversation_id", g_},
              {"message_id", str(ack, "message_id")},
              {"content", "edited"}});
  request(a, {{"type", "delete"}, {"conversation_id", g_}, {"message_id", alice_msg_}});
  ASSERT_TRUE(b.wait_for("message_updated", with_str("message_id", alice_msg_), 5s));
  ASSERT_EQ(
      call("bob", "POST", "/api/conversations/" + g_ + "/members", R"({"user_id":"frank"})").status,
      201);
  ASSERT_EQ(call("bob", "POST", "/api/conversations/" + g_ + "/messages",
                 R"({"client_msg_id":"rest-1","content":"over rest"})")
                .status,
            201);
  expect_message(a, g_, "rest-1");
  // erin shares only G: her coming online is for the members alone.
  auto erin = connect("erin");
  ASSERT_TRUE(a.wait_for("presence", with_str("user_id", "erin"), 5s)) << dump(a.buffered());

  auto sentinel = send_message(a, z_, "sentinel");
  for (auto& actor : outsiders_) {
    auto frames = frames_up_to(*ws_[actor], z_, str(sentinel, "client_msg_id"));
    EXPECT_TRUE(about(frames, g_).empty()) << actor << " got frames of G: " << dump(frames);
    for (auto& f : of_type(frames, "presence"))
      EXPECT_NE(str(f, "user_id"), "erin") << actor << " got a member's presence: " << dump(f);
  }
}

TEST_F(AuthzTest, SearchFindsNothingOfTheConversationForOutsiders) {
  build_world();
  // The index lags the store: wait until a member finds both messages.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    auto r = call("bob", "GET", "/api/search?q=zephyrword+quixotically");
    ASSERT_EQ(r.status, 200) << r.body;
    if (obj(*r.json).at("results").as_array().size() == 2) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not indexed: " << r.body;
    std::this_thread::sleep_for(20ms);  // poll interval, not a synchronization
  }
  for (auto& actor : outsiders_) {
    // carol's own words included: membership now decides, not authorship.
    auto r = call(actor, "GET", "/api/search?q=zephyrword+quixotically");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(obj(*r.json).at("results").as_array().empty()) << actor << ": " << r.body;
    // A cursor naming the conversation reaches nothing either.
    auto c = call(actor, "GET", "/api/search?q=zephyrword&cursor=" + url_encode("1000000.9." + g_));
    EXPECT_TRUE(c.status == 200 || c.status == 400) << c.body;
    if (c.status == 200) {
      EXPECT_TRUE(obj(*c.json).at("results").as_array().empty()) << c.body;
    }
  }
}

// A direct conversation's id is a hash of its two user ids: anyone can
// derive it. So a stranger must get the same answer for it as for an id
// that does not exist, or every route would tell who talks to whom.
TEST_F(AuthzTest, ADirectConversationIsIndistinguishableFromNoneForAStranger) {
  auto direct = create_conversation("alice", "direct", std::nullopt, {"bob"});
  const std::string real = str(direct, "id");
  const std::string none = "d_000000000000000000000000";
  ASSERT_EQ(real.substr(0, 2), "d_");
  auto a = connect("alice");
  send_message(*a, real, "hello bob");
  auto m = connect("mallory");
  auto same = [&](const std::string& what, const json::object& x, const json::object& y) {
    EXPECT_EQ(str(x, "code"), str(y, "code")) << what << ": " << dump(x) << " vs " << dump(y);
    EXPECT_EQ(str(x, "message"), str(y, "message")) << what << ": " << dump(x) << " vs " << dump(y);
  };
  Ctx c{real, "mallory", "m_x", "m_x", str(upload("mallory"), "media_id")};
  Ctx n = c;
  n.conv = none;
  for (auto& row : ws_cases()) {
    auto x = request(*m, row.frame(c), "error");
    auto y = request(*m, row.frame(n), "error");
    same(row.name, x, y);
    EXPECT_EQ(str(x, "code"), "not_found") << row.name;
  }
  for (auto& row : rest_cases()) {
    auto x = call("mallory", row.method, row.target(c), row.body(c));
    auto y = call("mallory", row.method, row.target(n), row.body(n));
    EXPECT_EQ(x.status, y.status) << row.method << " " << row.name << ": " << x.body << " vs "
                                  << y.body;
    EXPECT_EQ(x.body, y.body) << row.name;
    EXPECT_EQ(x.status, 404) << row.name << ": " << x.body;
  }
  json::object sync{{"type", "sync"}, {"req", "s1"}, {"conversations", {{real, 0}, {none, 0}}}};
  auto synced = request(*m, sync, "synced");
  std::set<std::string> not_member;
  for (auto& id : synced.at("not_member").as_array())
    not_member.insert(std::string(id.as_string()));
  EXPECT_EQ(not_member, (std::set<std::string>{real, none})) << dump(synced);
}

}  // namespace
}  // namespace bb
