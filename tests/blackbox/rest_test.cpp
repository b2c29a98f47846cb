// REST: conversations, members, presence endpoint, error shapes.
#include <map>
#include <set>

#include "support.h"

#include <thread>

namespace bb {
namespace {

class RestTest : public BlackboxTest {
 protected:
  void expect_error_response(const HttpResponse& r, int status, const std::string& code,
                             const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body << r.error;
    EXPECT_EQ(r.error_code(), code) << what << ": body " << r.body;
    if (r.json && r.json->is_object()) {
      auto* e = r.json->as_object().if_contains("error");
      EXPECT_TRUE(e && e->is_object() && e->as_object().contains("message") &&
                  e->as_object().at("message").is_string())
          << what << ": error.message missing: " << r.body;
    }
  }

  std::set<std::string> member_ids(const json::object& conv) {
    std::set<std::string> out;
    for (auto& m : conv.at("members").as_array()) out.insert(str(m.as_object(), "user_id"));
    return out;
  }

  json::object list(const std::string& user, const std::string& query = "") {
    auto r = http().get("/api/conversations" + (query.empty() ? "" : "?" + query), token(user));
    require(r.status == 200, "GET /api/conversations?" + query + ": " + std::to_string(r.status) + " " + r.body);
    auto& o = obj(*r.json);
    require(o.contains("conversations") && o.at("conversations").is_array(), "no conversations array: " + r.body);
    require(o.contains("next_cursor"), "no next_cursor: " + r.body);
    return o;
  }

  json::object post_message(const std::string& user, const std::string& conv, const std::string& cm,
                            const std::string& content = "hi") {
    auto r = http().post("/api/conversations/" + conv + "/messages", token(user),
                         json::object{{"client_msg_id", cm}, {"content", content}});
    require(r.status == 201, "POST message: " + std::to_string(r.status) + " " + r.body);
    return obj(*r.json);
  }

  // Activity is ordered by the millisecond a message was stored (ties by
  // id): a test that needs a strict order waits for the clock to pass the
  // last message's ts (at most a millisecond).
  void after(const json::object& ack) {
    auto ts = *num(ack, "ts");
    while (unix_now_ms() <= ts) std::this_thread::yield();
  }
};

TEST_F(RestTest, CreateGroupReturnsConversationObject) {
  auto before = unix_now_ms();
  auto c = create_conversation("alice", "group", std::string("team"), {"bob", "carol"});
  EXPECT_EQ(str(c, "type"), "group");
  EXPECT_EQ(str(c, "name"), "team");
  EXPECT_EQ(str(c, "created_by"), "alice");
  auto created = num(c, "created_at");
  ASSERT_TRUE(created) << dump(c);
  EXPECT_NEAR(static_cast<double>(*created), static_cast<double>(before), 60000.0);
  EXPECT_EQ(num(c, "last_seq"), 0) << dump(c);
  EXPECT_EQ(member_ids(c), (std::set<std::string>{"alice", "bob", "carol"})) << dump(c);
  auto owner = member_of(c, "alice");
  EXPECT_EQ(str(owner, "role"), "owner") << dump(owner);
  for (auto u : {"alice", "bob", "carol"}) {
    auto m = member_of(c, u);
    EXPECT_EQ(num(m, "delivered_seq"), 0) << dump(m);
    EXPECT_EQ(num(m, "read_seq"), 0) << dump(m);
    EXPECT_TRUE(num(m, "joined_at").has_value()) << dump(m);
    EXPECT_FALSE(str(m, "role").empty()) << dump(m);
  }
  EXPECT_NE(str(member_of(c, "bob"), "role"), "owner");
  // Every member sees the same object.
  auto got = get_conversation("carol", str(c, "id"));
  EXPECT_EQ(str(got, "id"), str(c, "id"));
  EXPECT_EQ(member_ids(got), member_ids(c));
}

TEST_F(RestTest, DirectConversationIsDeduplicated) {
  auto c1 = create_conversation("alice", "direct", std::nullopt, {"bob"}, 201);
  EXPECT_EQ(str(c1, "type"), "direct");
  ASSERT_TRUE(c1.contains("name"));
  EXPECT_TRUE(c1.at("name").is_null()) << dump(c1);
  EXPECT_EQ(member_ids(c1), (std::set<std::string>{"alice", "bob"}));
  auto c2 = create_conversation("alice", "direct", std::nullopt, {"bob"}, 200);
  EXPECT_EQ(str(c2, "id"), str(c1, "id"));
  auto c3 = create_conversation("bob", "direct", std::nullopt, {"alice"}, 200);
  EXPECT_EQ(str(c3, "id"), str(c1, "id"));
  // Another pair is another conversation.
  auto c4 = create_conversation("alice", "direct", std::nullopt, {"carol"}, 201);
  EXPECT_NE(str(c4, "id"), str(c1, "id"));
  // Groups are never de-duplicated.
  auto g1 = create_conversation("alice", "group", std::string("g"), {"bob"}, 201);
  auto g2 = create_conversation("alice", "group", std::string("g"), {"bob"}, 201);
  EXPECT_NE(str(g1, "id"), str(g2, "id"));
}

TEST_F(RestTest, CreateConversationRejectsBadBodies) {
  auto post = [&](const std::string& body) {
    return http().request("POST", "/api/conversations", token("alice"), body);
  };
  expect_error_response(post("{not json"), 400, "bad_request", "malformed JSON");
  expect_error_response(post("[1,2]"), 400, "bad_request", "array body");
  expect_error_response(post(R"({"type":"channel","members":["bob"]})"), 400, "bad_request", "unknown type");
  expect_error_response(post(R"({"members":["bob"]})"), 400, "bad_request", "missing type");
  expect_error_response(post(R"({"type":"direct","members":["bob","carol"]})"), 400, "bad_request",
                        "direct with two others");
  expect_error_response(post(R"({"type":"direct","members":[]})"), 400, "bad_request", "direct with nobody");
  expect_error_response(post(R"({"type":"group","name":"x","members":"bob"})"), 400, "bad_request",
                        "members not an array");
  expect_error_response(post(R"({"type":"group","name":"x","members":[42]})"), 400, "bad_request",
                        "member not a string");
  expect_error_response(post(R"({"type":"group","name":"x","members":["bad user!"]})"), 400,
                        "bad_request", "invalid user id");
}

TEST_F(RestTest, ListIsOrderedByRecentActivityWithUnreadCounts) {
  std::string c1 = create_group("alice", {"bob"}, "c1");
  std::string c2 = create_group("alice", {"bob"}, "c2");
  std::string c3 = create_group("bob", {"alice"}, "c3");
  post_message("bob", c1, "a1");
  post_message("bob", c2, "b1");
  after(post_message("bob", c2, "b2"));
  after(post_message("bob", c3, "c1m"));
  post_message("bob", c1, "a2");
  post_message("bob", c1, "a3");
  // Activity order now: c1 (latest), c3, c2.
  auto l = list("alice");
  auto& arr = l.at("conversations").as_array();
  ASSERT_EQ(arr.size(), 3u) << dump(l);
  std::vector<std::string> ids;
  for (auto& c : arr) ids.push_back(str(c.as_object(), "id"));
  EXPECT_EQ(ids, (std::vector<std::string>{c1, c3, c2})) << dump(l);
  EXPECT_TRUE(l.at("next_cursor").is_null()) << dump(l);
  auto& first = arr[0].as_object();
  EXPECT_EQ(str(first, "type"), "group");
  EXPECT_EQ(str(first, "name"), "c1");
  EXPECT_EQ(num(first, "last_seq"), 3);
  EXPECT_TRUE(num(first, "last_message_at").has_value()) << dump(first);
  EXPECT_EQ(num(first, "unread"), 3) << dump(first);
  EXPECT_EQ(num(arr[1].as_object(), "unread"), 1) << dump(arr[1]);
  EXPECT_EQ(num(arr[2].as_object(), "unread"), 2) << dump(arr[2]);

  // A read receipt lowers the unread count.
  auto a = connect("alice");
  request(*a,
          {{"type", "receipt"}, {"conversation_id", c1}, {"status", "read"}, {"seq", 2}}, "ok");
  l = list("alice");
  EXPECT_EQ(num(l.at("conversations").as_array()[0].as_object(), "unread"), 1) << dump(l);

  // Activity moves c2 to the front.
  post_message("bob", c2, "b3");
  l = list("alice");
  EXPECT_EQ(str(l.at("conversations").as_array()[0].as_object(), "id"), c2) << dump(l);
  // Not a member of anything: empty list.
  auto none = list("nobody");
  EXPECT_TRUE(none.at("conversations").as_array().empty());
  EXPECT_TRUE(none.at("next_cursor").is_null());
}

TEST_F(RestTest, EmptyConversationHasNullLastMessageAt) {
  std::string c = create_group("alice", {"bob"});
  auto l = list("bob");
  ASSERT_EQ(l.at("conversations").as_array().size(), 1u);
  auto& e = l.at("conversations").as_array()[0].as_object();
  EXPECT_EQ(str(e, "id"), c);
  ASSERT_TRUE(e.contains("last_message_at")) << dump(e);
  EXPECT_TRUE(e.at("last_message_at").is_null()) << dump(e);
  EXPECT_EQ(num(e, "last_seq"), 0);
  EXPECT_EQ(num(e, "unread"), 0);
}

TEST_F(RestTest, ListCursorPaging) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(create_group("alice", {"bob"}, "p" + std::to_string(i)));
    after(post_message("alice", ids.back(), "m" + std::to_string(i)));
  }
  std::vector<std::string> expect(ids.rbegin(), ids.rend());  // most recent first
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto l = list("bob", "limit=2" + (cursor.empty() ? "" : "&cursor=" + url_encode(cursor)));
    auto& arr = l.at("conversations").as_array();
    EXPECT_LE(arr.size(), 2u);
    for (auto& c : arr) seen.push_back(str(c.as_object(), "id"));
    if (l.at("next_cursor").is_null()) break;
    ASSERT_TRUE(l.at("next_cursor").is_string()) << dump(l);
    cursor = std::string(l.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, expect);
  // Default limit covers all five in one page.
  auto all = list("bob");
  EXPECT_EQ(all.at("conversations").as_array().size(), 5u);
  EXPECT_TRUE(all.at("next_cursor").is_null());
  auto exact = list("bob", "limit=5");
  EXPECT_EQ(exact.at("conversations").as_array().size(), 5u);
  EXPECT_TRUE(exact.at("next_cursor").is_null()) << "next_cursor must be null at the end: " << dump(exact);
}

TEST_F(RestTest, ListRejectsBadParams) {
  for (std::string q : {"limit=0", "limit=-1", "limit=abc", "cursor=%%%garbage%%%", "cursor=abc"}) {
    auto r = http().get("/api/conversations?" + q, token("alice"));
    expect_error_response(r, 400, "bad_request", q);
  }
  auto ok = http().get("/api/conversations?limit=100", token("alice"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto ok1 = http().get("/api/conversations?limit=1", token("alice"));
  EXPECT_EQ(ok1.status, 200) << ok1.body;
}

// The list's limit is documented as 1-100 (unlike history's, which "is capped silently"):
// 101 is a bad parameter.
TEST_F(RestTest, ListLimitAbove100IsRejected) {
  auto r = http().get("/api/conversations?limit=101", token("alice"));
  expect_error_response(r, 400, "bad_request", "limit=101");
}

TEST_F(RestTest, GetConversationShowsReadMarks) {
  std::string c = create_group("alice", {"bob"});
  for (int i = 0; i < 4; ++i) post_message("alice", c, "g" + std::to_string(i));
  auto b = connect("bob");
  request(*b, {{"type", "receipt"}, {"conversation_id", c}, {"status", "read"}, {"seq", 3}}, "ok");
  auto conv = get_conversation("alice", c);
  EXPECT_EQ(num(conv, "last_seq"), 4);
  auto bob = member_of(conv, "bob");
  EXPECT_EQ(num(bob, "read_seq"), 3);
  EXPECT_GE(int_or(bob, "delivered_seq"), 3);
}

TEST_F(RestTest, NonMemberUnknownAndBadRoutes) {
  std::string c = create_group("alice", {"bob"});
  std::string t = token("mallory");
  expect_error_response(http().get("/api/conversations/" + c, t), 403, "not_member", "GET conv");
  expect_error_response(http().get("/api/conversations/" + c + "/messages", t), 403, "not_member",
                        "GET messages");
  expect_error_response(http().post("/api/conversations/" + c + "/messages", t,
                                    json::object{{"client_msg_id", "x"}, {"content", "y"}}),
                        403, "not_member", "POST messages");
  expect_error_response(http().post("/api/conversations/" + c + "/members", t,
                                    json::object{{"user_id", "mallory"}}),
                        403, "not_member", "POST members");
  expect_error_response(http().del("/api/conversations/" + c + "/members/bob", t), 403, "not_member",
                        "DELETE member");
  std::string a = token("alice");
  expect_error_response(http().get("/api/conversations/c_nope", a), 404, "not_found", "unknown conv");
  expect_error_response(http().get("/api/conversations/c_nope/messages", a), 404, "not_found",
                        "unknown conv messages");
  expect_error_response(http().get("/api/nothing-here", a), 404, "not_found", "unknown route");
  expect_error_response(http().get("/nothing-here", a), 404, "not_found", "unknown route outside /api");
  expect_error_response(http().request("PUT", "/api/conversations", a, std::string("{}")), 405,
                        "bad_request", "PUT on /api/conversations");
  expect_error_response(http().request("DELETE", "/api/conversations/" + c, a), 405, "bad_request",
                        "DELETE on a conversation");
}

TEST_F(RestTest, AddMember) {
  std::string c = create_group("alice", {"bob"});
  // Any member (not only the owner) may add.
  auto r = http().post("/api/conversations/" + c + "/members", token("bob"), json::object{{"user_id", "dave"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto& conv = obj(*r.json);
  EXPECT_EQ(str(conv, "id"), c);
  EXPECT_EQ(member_ids(conv), (std::set<std::string>{"alice", "bob", "dave"}));
  EXPECT_EQ(get_conversation("dave", c).at("id"), json::value(c));
  auto again = http().post("/api/conversations/" + c + "/members", token("alice"),
                           json::object{{"user_id", "dave"}});
  expect_error_response(again, 409, "conflict", "already a member");
  auto bad = http().post("/api/conversations/" + c + "/members", token("alice"), json::object{{"uid", "x"}});
  expect_error_response(bad, 400, "bad_request", "missing user_id");
  auto bad2 = http().post("/api/conversations/" + c + "/members", token("alice"),
                          json::object{{"user_id", "bad user!"}});
  expect_error_response(bad2, 400, "bad_request", "invalid user_id");
  auto unknown = http().post("/api/conversations/c_nope/members", token("alice"), json::object{{"user_id", "x"}});
  expect_error_response(unknown, 404, "not_found", "unknown conversation");
  // Direct conversations have fixed members.
  auto d = create_conversation("alice", "direct", std::nullopt, {"bob"});
  auto r2 = http().post("/api/conversations/" + str(d, "id") + "/members", token("alice"),
                        json::object{{"user_id", "carol"}});
  expect_error_response(r2, 400, "bad_request", "add to direct");
}

TEST_F(RestTest, RemoveMember) {
  std::string c = create_group("alice", {"bob", "carol", "dave"});
  // A member may not remove another.
  expect_error_response(http().del("/api/conversations/" + c + "/members/carol", token("bob")), 403,
                        "forbidden", "member removes another");
  // Nor the owner.
  expect_error_response(http().del("/api/conversations/" + c + "/members/alice", token("bob")), 403,
                        "forbidden", "member removes owner");
  // The owner removes anyone.
  auto r = http().del("/api/conversations/" + c + "/members/carol", token("alice"));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty()) << "204 with a body: " << r.body;
  expect_error_response(http().get("/api/conversations/" + c, token("carol")), 403, "not_member",
                        "removed member reads");
  // A member removes itself.
  auto r2 = http().del("/api/conversations/" + c + "/members/bob", token("bob"));
  EXPECT_EQ(r2.status, 204) << r2.body;
  // The owner removes itself.
  auto r3 = http().del("/api/conversations/" + c + "/members/alice", token("alice"));
  EXPECT_EQ(r3.status, 204) << r3.body;
  auto left = get_conversation("dave", c);
  EXPECT_EQ(member_ids(left), (std::set<std::string>{"dave"})) << dump(left);
}

TEST_F(RestTest, PresenceEndpoint) {
  create_group("alice", {"bob", "carol"});
  auto b = connect("bob");
  auto r = http().get("/api/presence?user_ids=bob,carol,stranger", token("alice"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.json && r.json->is_array()) << r.body;
  std::map<std::string, json::object> by;
  for (auto& e : r.json->as_array()) by[str(e.as_object(), "user_id")] = e.as_object();
  ASSERT_EQ(by.size(), 3u) << r.body;
  EXPECT_EQ(str(by["bob"], "status"), "online") << r.body;
  EXPECT_EQ(str(by["carol"], "status"), "offline") << r.body;
  ASSERT_TRUE(by["carol"].contains("last_seen")) << r.body;
  EXPECT_TRUE(by["carol"].at("last_seen").is_null()) << "never connected: last_seen null: " << r.body;
  EXPECT_EQ(str(by["stranger"], "status"), "unknown") << r.body;
  ASSERT_TRUE(by["stranger"].contains("last_seen")) << r.body;
  EXPECT_TRUE(by["stranger"].at("last_seen").is_null()) << r.body;
  // Someone online who shares nothing with the caller is unknown too.
  auto s = connect("stranger");
  auto r2 = http().get("/api/presence?user_ids=stranger", token("alice"));
  ASSERT_EQ(r2.status, 200) << r2.body;
  ASSERT_TRUE(r2.json && r2.json->is_array() && r2.json->as_array().size() == 1) << r2.body;
  EXPECT_EQ(str(r2.json->as_array()[0].as_object(), "status"), "unknown") << r2.body;
}

TEST_F(RestTest, PresenceEndpointRejectsBadParams) {
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + std::string("u") + std::to_string(i);
  expect_error_response(http().get("/api/presence?user_ids=" + many, token("alice")), 400, "bad_request",
                        "101 ids");
  expect_error_response(http().get("/api/presence", token("alice")), 400, "bad_request", "no user_ids");
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += (i ? "," : "") + std::string("u") + std::to_string(i);
  auto ok = http().get("/api/presence?user_ids=" + hundred, token("alice"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  expect_error_response(http().get("/api/presence?user_ids=bob"), 401, "unauthorized", "no token");
}

TEST_F(RestTest, GroupMemberLimitIs10000) {
  std::vector<std::string> others;
  for (int i = 0; i < 9999; ++i) others.push_back("m" + std::to_string(i));
  auto body = [&](const std::vector<std::string>& ms) {
    json::array a;
    for (auto& u : ms) a.push_back(json::value(u));
    return json::object{{"type", "group"}, {"name", "big"}, {"members", std::move(a)}};
  };
  // 9,999 others + the caller = 10,000: allowed.
  auto r = http().post("/api/conversations", token("alice"), body(others));
  ASSERT_EQ(r.status, 201) << r.body.substr(0, 300);
  std::string id = str(obj(*r.json), "id");
  // One more is over the limit.
  auto add = http().post("/api/conversations/" + id + "/members", token("alice"), json::object{{"user_id", "extra"}});
  expect_error_response(add, 413, "too_large", "10,001st member");
  others.push_back("m9999");
  auto r2 = http().post("/api/conversations", token("alice"), body(others));
  expect_error_response(r2, 413, "too_large", "group created with 10,001 members");
}

TEST_F(RestTest, OversizedBodyIs413) {
  std::string body = R"({"type":"group","name":")" + std::string(1100 * 1024, 'n') + R"(","members":["bob"]})";
  auto r = http().request("POST", "/api/conversations", token("alice"), body);
  expect_error_response(r, 413, "too_large", "1.1 MiB body");
  // Still serving.
  EXPECT_EQ(http().get("/healthz").status, 200);
}

}  // namespace
}  // namespace bb
