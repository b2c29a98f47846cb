#include "support.h"

#include <atomic>
#include <iostream>
#include <sstream>

namespace bb {

void fail(const std::string& what) { throw TestFailure(what); }

bool has(const json::object& o, const char* key) { return o.contains(key); }

std::string str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  return std::string(v->as_string());
}

std::optional<std::int64_t> num(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->as_uint64());
  return std::nullopt;
}

std::int64_t int_or(const json::object& o, const char* key, std::int64_t dflt) {
  return num(o, key).value_or(dflt);
}

bool is_null_or_missing(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return !v || v->is_null();
}

const json::object& obj(const json::value& v) {
  if (!v.is_object()) fail("expected a JSON object, got: " + json::serialize(v));
  return v.as_object();
}

std::string dump(const json::value& v) { return json::serialize(v); }

std::string dump(const std::vector<json::object>& frames) {
  std::ostringstream os;
  for (auto& f : frames) os << json::serialize(f) << '\n';
  return os.str();
}

Predicate with_req(const std::string& req) { return with_str("req", req); }
Predicate with_conv(const std::string& id) { return with_str("conversation_id", id); }

Predicate with_str(const char* key, const std::string& value) {
  std::string k = key;
  return [k, value](const json::object& f) { return str(f, k.c_str()) == value; };
}

Predicate with_int(const char* key, std::int64_t value) {
  std::string k = key;
  return [k, value](const json::object& f) { return num(f, k.c_str()) == value; };
}

Predicate all_of(std::vector<Predicate> preds) {
  return [preds = std::move(preds)](const json::object& f) {
    for (auto& p : preds)
      if (!p(f)) return false;
    return true;
  };
}

std::vector<json::object> of_type(const std::vector<json::object>& frames, const std::string& type) {
  std::vector<json::object> out;
  for (auto& f : frames)
    if (str(f, "type") == type) out.push_back(f);
  return out;
}

std::string unique_id(const std::string& prefix) {
  static std::atomic<unsigned> n{0};
  return prefix + "-" + std::to_string(++n);
}

void BlackboxTest::SetUp() {
  server_ = std::make_unique<ServerProcess>(server_args(), ServerProcess::kDefaultSecret, server_config());
  server_->start();
}

void BlackboxTest::TearDown() {
  if (server_) {
    if (auto st = server_->exited()) {
      ADD_FAILURE() << "the server process died during the test (status " << *st
                    << (*st < 0 ? ", i.e. killed by signal " + std::to_string(-*st) : std::string()) << ")";
    }
  }
  if (HasFailure() && server_) {
    std::cerr << "---- server log tail (" << ::testing::UnitTest::GetInstance()->current_test_info()->name()
              << ") ----\n"
              << server_->log_tail(40) << "----\n";
  }
  server_.reset();
}

std::unique_ptr<WsClient> BlackboxTest::connect(const std::string& user, TokenVia via) {
  auto ws = std::make_unique<WsClient>();
  auto r = ws->connect(port(), token(user), via);
  require(r.ok, "ws connect for " + user + " failed: " + r.error + " (HTTP " +
                    std::to_string(r.http_status) + ") " + r.body);
  auto hello = ws->next_frame(5s);
  require(hello.has_value(), "no hello frame for " + user);
  require(str(*hello, "type") == "hello", "first frame is not hello: " + dump(*hello));
  require(str(*hello, "user_id") == user, "hello user_id mismatch: " + dump(*hello));
  return ws;
}

json::object BlackboxTest::create_conversation(const std::string& caller, const std::string& type,
                                               const std::optional<std::string>& name,
                                               const std::vector<std::string>& members,
                                               int expect_status) {
  json::object body{{"type", type}};
  if (name) body["name"] = *name;
  json::array m;
  for (auto& u : members) m.push_back(json::value(u));
  body["members"] = std::move(m);
  auto r = http().post("/api/conversations", token(caller), body);
  require(r.status == expect_status, "POST /api/conversations: expected " +
                                         std::to_string(expect_status) + ", got " +
                                         std::to_string(r.status) + " " + r.body + r.error);
  require(r.json && r.json->is_object(), "POST /api/conversations: body is not an object: " + r.body);
  require(!str(r.json->as_object(), "id").empty(), "conversation without id: " + r.body);
  return r.json->as_object();
}

std::string BlackboxTest::create_group(const std::string& owner, const std::vector<std::string>& members,
                                       const std::string& name) {
  return str(create_conversation(owner, "group", name, members), "id");
}

json::object BlackboxTest::get_conversation(const std::string& caller, const std::string& id) {
  auto r = http().get("/api/conversations/" + id, token(caller));
  require(r.status == 200, "GET conversation: " + std::to_string(r.status) + " " + r.body + r.error);
  require(r.json && r.json->is_object(), "GET conversation: not an object: " + r.body);
  return r.json->as_object();
}

json::object BlackboxTest::member_of(const json::object& conv, const std::string& user_id) {
  auto* ms = conv.if_contains("members");
  require(ms && ms->is_array(), "conversation without members array: " + dump(conv));
  for (auto& m : ms->as_array())
    if (m.is_object() && str(m.as_object(), "user_id") == user_id) return m.as_object();
  fail("member " + user_id + " not in " + dump(conv));
}

json::object BlackboxTest::history(const std::string& caller, const std::string& id,
                                   const std::string& query) {
  std::string target = "/api/conversations/" + id + "/messages";
  if (!query.empty()) target += "?" + query;
  auto r = http().get(target, token(caller));
  require(r.status == 200, "GET " + target + ": " + std::to_string(r.status) + " " + r.body + r.error);
  require(r.json && r.json->is_object(), "history: not an object: " + r.body);
  auto& o = r.json->as_object();
  require(o.contains("messages") && o.at("messages").is_array(), "history without messages: " + r.body);
  return o;
}

std::vector<json::object> BlackboxTest::history_messages(const std::string& caller, const std::string& id,
                                                         const std::string& query) {
  std::vector<json::object> out;
  json::object page = history(caller, id, query);
  for (auto& m : page.at("messages").as_array()) out.push_back(obj(m));
  return out;
}

json::object BlackboxTest::send_message(WsClient& ws, const std::string& conversation_id,
                                        const std::string& content,
                                        const std::optional<std::string>& client_msg_id,
                                        json::object extra) {
  json::object f = std::move(extra);
  f["type"] = "send";
  f["conversation_id"] = conversation_id;
  f["client_msg_id"] = client_msg_id.value_or(unique_id("cm"));
  f["content"] = content;
  auto reply = request(ws, std::move(f), "ack");
  require(str(reply, "type") == "ack", "send: expected ack, got " + dump(reply));
  return reply;
}

json::object BlackboxTest::request(WsClient& ws, json::object frame, const std::string& reply_type,
                                   std::chrono::milliseconds timeout) {
  if (!frame.contains("req")) frame["req"] = unique_id("r");
  std::string req = str(frame, "req");
  require(ws.send_json(frame), "failed to send " + dump(frame));
  // Whichever comes first: the expected reply or an error carrying our req.
  auto hit = ws.wait_match(
      [&](const json::object& f) {
        auto t = str(f, "type");
        return (t == reply_type || t == "error") && str(f, "req") == req;
      },
      timeout);
  require(hit.has_value(), "no " + reply_type + "/error reply to " + dump(frame) +
                               (ws.is_closed() ? " (connection closed)" : "") +
                               "; buffered: " + dump(ws.buffered()));
  return *hit;
}

void BlackboxTest::expect_error(WsClient& ws, json::object frame, const std::string& code) {
  if (!frame.contains("req")) frame["req"] = unique_id("e");
  std::string req = str(frame, "req");
  auto reply = request(ws, frame, "error");
  EXPECT_EQ(str(reply, "type"), "error") << "frame " << dump(frame) << " -> " << dump(reply);
  EXPECT_EQ(str(reply, "code"), code) << "frame " << dump(frame) << " -> " << dump(reply);
  EXPECT_EQ(str(reply, "req"), req) << "frame " << dump(frame) << " -> " << dump(reply);
}

json::object BlackboxTest::expect_message(WsClient& ws, const std::string& conversation_id,
                                          const std::string& client_msg_id,
                                          std::chrono::milliseconds timeout) {
  auto m = ws.wait_for("message",
                       all_of({with_conv(conversation_id), with_str("client_msg_id", client_msg_id)}),
                       timeout);
  require(m.has_value(), "no message " + client_msg_id + " in " + conversation_id +
                             "; buffered: " + dump(ws.buffered()));
  return *m;
}

void BlackboxTest::expect_usable(WsClient& ws, const std::optional<std::string>& conversation_id) {
  EXPECT_TRUE(ws.ping_pong()) << "connection no longer answers ping";
  if (conversation_id) {
    auto ack = send_message(ws, *conversation_id, "still alive");
    EXPECT_GT(int_or(ack, "seq"), 0) << dump(ack);
  }
}

}  // namespace bb
