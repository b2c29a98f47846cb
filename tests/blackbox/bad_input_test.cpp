// Malformed and oversized WebSocket input: error frames, the connection survives; 1009 on huge frames.
#include "support.h"

namespace bb {
namespace {

class BadInputTest : public BlackboxTest {
 protected:
  void SetUp() override {
    BlackboxTest::SetUp();
    conv_ = create_group("alice", {"bob"});
    ws_ = connect("alice");
  }
  void TearDown() override {
    ws_.reset();
    BlackboxTest::TearDown();
  }

  // Sends `text` raw; expects an error frame with `code` (and `req` echoed when given), then
  // checks the same connection still answers a ping and acks a send.
  void expect_raw_error(const std::string& text, const std::string& code,
                        const std::optional<std::string>& req, const std::string& what,
                        bool binary = false) {
    SCOPED_TRACE(what);
    ASSERT_TRUE(binary ? ws_->send_binary(text) : ws_->send_text(text)) << "send failed";
    auto err = ws_->wait_match(
        [&](const json::object& f) {
          auto t = str(f, "type");
          if (req) return str(f, "req") == *req && (t == "error" || t == "ack" || t == "ok" || t == "pong");
          return t == "error";
        },
        5s);
    ASSERT_TRUE(err) << "no error frame; closed=" << ws_->is_closed() << " buffered: " << dump(ws_->buffered());
    EXPECT_EQ(str(*err, "type"), "error") << dump(*err);
    EXPECT_EQ(str(*err, "code"), code) << dump(*err);
    EXPECT_FALSE(str(*err, "message").empty()) << "error without message: " << dump(*err);
    if (req) {
      EXPECT_EQ(str(*err, "req"), *req) << dump(*err);
    }
    EXPECT_TRUE(ws_->ping_pong()) << "ping not answered after bad input";
    auto ack = send_message(*ws_, conv_, "after " + what);
    EXPECT_GT(int_or(ack, "seq"), 0);
  }

  void expect_json_error(const json::object& frame, const std::string& code, const std::string& what) {
    std::string req = unique_id("bad");
    json::object f = frame;
    f["req"] = req;
    expect_raw_error(json::serialize(f), code, req, what);
  }

  json::object send_frame(std::string cm = "") {
    return {{"type", "send"}, {"conversation_id", conv_}, {"client_msg_id", cm.empty() ? unique_id("ok") : cm},
            {"content", "x"}};
  }

  std::string conv_;
  std::unique_ptr<WsClient> ws_;
};

TEST_F(BadInputTest, MalformedJson) {
  expect_raw_error("{\"type\":\"send\",", "bad_request", std::nullopt, "truncated JSON");
  expect_raw_error("hello there", "bad_request", std::nullopt, "plain text");
  expect_raw_error("", "bad_request", std::nullopt, "empty frame");
}

TEST_F(BadInputTest, NonObjectJson) {
  expect_raw_error("[1,2,3]", "bad_request", std::nullopt, "array");
  expect_raw_error("\"send\"", "bad_request", std::nullopt, "string");
  expect_raw_error("42", "bad_request", std::nullopt, "number");
  expect_raw_error("null", "bad_request", std::nullopt, "null");
}

TEST_F(BadInputTest, UnknownOrMissingType) {
  expect_json_error({{"type", "teleport"}}, "bad_request", "unknown type");
  expect_json_error({{"conversation_id", conv_}}, "bad_request", "no type");
  expect_json_error({{"type", 7}}, "bad_request", "type not a string");
  expect_json_error({{"type", "hello"}}, "bad_request", "server-only type");
}

TEST_F(BadInputTest, MissingFields) {
  auto f = send_frame();
  f.erase("conversation_id");
  expect_json_error(f, "bad_request", "send without conversation_id");
  f = send_frame();
  f.erase("client_msg_id");
  expect_json_error(f, "bad_request", "send without client_msg_id");
  f = send_frame();
  f.erase("content");
  expect_json_error(f, "bad_request", "send without content");
  expect_json_error({{"type", "receipt"}, {"conversation_id", conv_}, {"status", "read"}}, "bad_request",
                    "receipt without seq");
  expect_json_error({{"type", "receipt"}, {"conversation_id", conv_}, {"seq", 1}}, "bad_request",
                    "receipt without status");
  expect_json_error({{"type", "edit"}, {"conversation_id", conv_}, {"content", "x"}}, "bad_request",
                    "edit without message_id");
  expect_json_error({{"type", "delete"}, {"conversation_id", conv_}}, "bad_request", "delete without message_id");
}

TEST_F(BadInputTest, WrongFieldTypes) {
  auto f = send_frame();
  f["conversation_id"] = 12;
  expect_json_error(f, "bad_request", "conversation_id number");
  f = send_frame();
  f["content"] = json::array{1, 2};
  expect_json_error(f, "bad_request", "content array");
  f = send_frame();
  f["client_msg_id"] = 5;
  expect_json_error(f, "bad_request", "client_msg_id number");
  f = send_frame();
  f["kind"] = 1;
  expect_json_error(f, "bad_request", "kind number");
  f = send_frame();
  f["reply_to"] = 99;
  expect_json_error(f, "bad_request", "reply_to number");
  expect_json_error({{"type", "receipt"}, {"conversation_id", conv_}, {"status", "read"}, {"seq", "1"}},
                    "bad_request", "seq string");
  expect_json_error({{"type", "receipt"}, {"conversation_id", conv_}, {"status", "read"}, {"seq", 1.5}},
                    "bad_request", "seq fractional");
  expect_json_error({{"type", "receipt"}, {"conversation_id", conv_}, {"status", "seen"}, {"seq", 1}},
                    "bad_request", "status unknown");
}

TEST_F(BadInputTest, ClientMsgIdLength) {
  auto empty = send_frame();
  empty["client_msg_id"] = "";
  expect_json_error(empty, "bad_request", "empty client_msg_id");
  expect_json_error(send_frame(std::string(129, 'c')), "bad_request", "client_msg_id of 129");
  auto ack = request(*ws_, send_frame(std::string(128, 'c')), "ack");
  EXPECT_EQ(str(ack, "type"), "ack") << "client_msg_id of 128 must be accepted: " << dump(ack);
}

TEST_F(BadInputTest, BadReq) {
  // req must be a string of at most 128 characters.
  json::object f{{"type", "ping"}, {"req", std::string(129, 'r')}};
  expect_raw_error(json::serialize(f), "bad_request", std::nullopt, "req of 129 chars");
  json::object g{{"type", "ping"}, {"req", 17}};
  expect_raw_error(json::serialize(g), "bad_request", std::nullopt, "req number");
  auto pong = request(*ws_, {{"type", "ping"}, {"req", std::string(128, 'r')}}, "pong");
  EXPECT_EQ(str(pong, "type"), "pong") << "req of 128 chars must be accepted";
}

TEST_F(BadInputTest, BinaryFrameIsRefused) {
  expect_raw_error(R"({"type":"ping","req":"bin"})", "bad_request", std::nullopt, "binary frame", true);
}

TEST_F(BadInputTest, ContentOver16KiBIsTooLargeAndConnectionStays) {
  auto f = send_frame();
  f["content"] = std::string(17 * 1024, 'z');
  expect_json_error(f, "too_large", "17 KiB content");
  EXPECT_EQ(history_messages("alice", conv_).size(), 1u) << "only the follow-up send is stored";
}

TEST_F(BadInputTest, FrameOver64KiBClosesWith1009AndServerGoesOn) {
  auto bob = connect("bob");
  auto f = send_frame();
  f["content"] = std::string(70 * 1024, 'z');
  ws_->send_json(f);  // may fail half-way if the server closes first
  auto ci = ws_->wait_closed(10s);
  ASSERT_TRUE(ci) << "connection not closed after a 70 KiB frame";
  EXPECT_EQ(ci->code, 1009) << "close reason: " << ci->reason;
  // Others are still served, and new connections work.
  expect_usable(*bob, conv_);
  auto again = connect("alice");
  expect_usable(*again, conv_);
  EXPECT_EQ(http().get("/healthz").status, 200);
}

TEST_F(BadInputTest, FrameJustUnder64KiBIsNotClosed) {
  // A 60 KiB frame is within the frame limit; its content is over 16 KiB: too_large, no close.
  auto f = send_frame();
  f["content"] = std::string(60 * 1024, 'z');
  expect_json_error(f, "too_large", "60 KiB frame");
  EXPECT_FALSE(ws_->is_closed());
}

}  // namespace
}  // namespace bb
