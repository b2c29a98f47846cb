// Shared gtest fixture and helpers for the black-box tests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "harness/http_client.h"
#include "harness/jwt_craft.h"
#include "harness/server_process.h"
#include "harness/ws_client.h"

namespace bb {

namespace json = boost::json;

// Thrown by helpers when a precondition of the test fails (gtest reports it as a failure).
struct TestFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& what);
inline void require(bool cond, const std::string& what) {
  if (!cond) fail(what);
}

// ---- JSON accessors (never throw; "missing" values are distinguishable) ----
bool has(const json::object& o, const char* key);
std::string str(const json::object& o, const char* key);       // "" when missing / not a string
std::optional<std::int64_t> num(const json::object& o, const char* key);  // integer only
std::int64_t int_or(const json::object& o, const char* key, std::int64_t dflt = -1);
bool is_null_or_missing(const json::object& o, const char* key);
const json::object& obj(const json::value& v);  // fails the test if not an object
std::string dump(const json::value& v);
std::string dump(const std::vector<json::object>& frames);

// ---- frame predicates ----
Predicate with_req(const std::string& req);
Predicate with_conv(const std::string& conversation_id);
Predicate with_str(const char* key, const std::string& value);
Predicate with_int(const char* key, std::int64_t value);
Predicate all_of(std::vector<Predicate> preds);

// Frames of `type` in `frames`.
std::vector<json::object> of_type(const std::vector<json::object>& frames, const std::string& type);

std::string unique_id(const std::string& prefix);

class BlackboxTest : public ::testing::Test {
 protected:
  // Extra `parley serve` arguments for this fixture.
  virtual std::vector<std::string> server_args() { return {}; }
  // Config file contents for this fixture (JSON object text), empty for none.
  virtual std::string server_config() { return {}; }

  void SetUp() override;
  void TearDown() override;

  ServerProcess& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  std::string token(const std::string& user) { return server_->token(user); }
  HttpClient http() const { return HttpClient(server_->port()); }

  // Connects and consumes the hello frame (checks its type and user_id).
  std::unique_ptr<WsClient> connect(const std::string& user, TokenVia via = TokenVia::header);

  // REST helpers; fail the test on an unexpected status.
  json::object create_conversation(const std::string& caller, const std::string& type,
                                   const std::optional<std::string>& name,
                                   const std::vector<std::string>& members, int expect_status = 201);
  std::string create_group(const std::string& owner, const std::vector<std::string>& members,
                           const std::string& name = "team");
  json::object get_conversation(const std::string& caller, const std::string& id);
  json::object member_of(const json::object& conversation, const std::string& user_id);
  // GET .../messages?<query>; returns the whole response object.
  json::object history(const std::string& caller, const std::string& id, const std::string& query = "");
  std::vector<json::object> history_messages(const std::string& caller, const std::string& id,
                                             const std::string& query = "");

  // WebSocket send; waits for the ack (frames in between stay buffered) and returns it.
  json::object send_message(WsClient& ws, const std::string& conversation_id,
                            const std::string& content,
                            const std::optional<std::string>& client_msg_id = std::nullopt,
                            json::object extra = {});
  // Sends `frame` (adds a fresh req if absent) and waits for the reply of `reply_type` or an error
  // with that req; returns the reply (type tells which).
  json::object request(WsClient& ws, json::object frame, const std::string& reply_type = "ok",
                       std::chrono::milliseconds timeout = 5s);
  // Like request(), but requires an error frame with `code` and the req echoed.
  void expect_error(WsClient& ws, json::object frame, const std::string& code);
  // Waits for the `message` frame with `client_msg_id` in `conversation_id`.
  json::object expect_message(WsClient& ws, const std::string& conversation_id,
                              const std::string& client_msg_id, std::chrono::milliseconds timeout = 5s);

  // Makes sure the connection still works: ping/pong and (if a conversation is given) send/ack.
  void expect_usable(WsClient& ws, const std::optional<std::string>& conversation_id = std::nullopt);

  std::unique_ptr<ServerProcess> server_;
};

}  // namespace bb
