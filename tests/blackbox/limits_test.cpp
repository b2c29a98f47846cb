// Abuse limits, each set small in the config: connections per user, sends
// per user and per conversation, members per group, and the handshake and
// idle timeouts of plain HTTP connections (slow-header attack).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "support.h"

namespace bb {
namespace {

using Clock = std::chrono::steady_clock;

// ---- connections per user ----

class ConnectionLimitTest : public BlackboxTest {
 protected:
  std::string server_config() override { return R"({"max_connections_per_user": 2})"; }
};

TEST_F(ConnectionLimitTest, ExcessUpgradeIsRefusedWith429) {
  auto a1 = connect("alice");
  auto a2 = connect("alice");
  WsClient a3;
  auto r = a3.connect(port(), token("alice"));
  EXPECT_FALSE(r.ok) << "third connection accepted";
  EXPECT_EQ(r.http_status, 429) << r.error << " " << r.body;
  auto raw = http().raw_upgrade("/ws", {{"Authorization", "Bearer " + token("alice")}});
  EXPECT_EQ(raw.status, 429) << raw.body;
  EXPECT_EQ(raw.error_code(), "rate_limited") << raw.body;
  // Someone else is not affected, nor are the two open connections.
  auto b = connect("bob");
  EXPECT_TRUE(a1->ping_pong());
  EXPECT_TRUE(a2->ping_pong());
  // A closed connection frees its place (once the server has seen it go).
  a1->close();
  auto deadline = Clock::now() + 5s;
  bool admitted = false;
  while (!admitted && Clock::now() < deadline) {
    WsClient again;
    auto res = again.connect(port(), token("alice"));
    admitted = res.ok;
    if (!admitted) {
      ASSERT_EQ(res.http_status, 429) << res.error;
    }
  }
  EXPECT_TRUE(admitted) << "the place of a closed connection was never freed";
}

// ---- sends per user and per conversation ----

class SendRateTest : public BlackboxTest {
 protected:
  // One send per second, three at once.
  std::string server_config() override {
    return R"({"user_sends_per_minute": 60, "user_send_burst": 3})";
  }
  json::object send_frame(const std::string& conv, const std::string& cm) {
    return {{"type", "send"}, {"conversation_id", conv}, {"client_msg_id", cm}, {"content", "hi"}};
  }
};

TEST_F(SendRateTest, BurstPassesThenRateLimitedWithRetryAfter) {
  auto conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  for (int i = 0; i < 3; ++i) send_message(*ws, conv, "m" + std::to_string(i));
  auto reply = request(*ws, send_frame(conv, "over"), "ack");
  ASSERT_EQ(str(reply, "type"), "error") << dump(reply);
  EXPECT_EQ(str(reply, "code"), "rate_limited") << dump(reply);
  auto retry = num(reply, "retry_after_ms");
  ASSERT_TRUE(retry) << "no retry_after_ms: " << dump(reply);
  EXPECT_GT(*retry, 0);
  EXPECT_LE(*retry, 1000);
  // Nothing was stored for the refused send.
  auto hist = history_messages("alice", conv);
  EXPECT_EQ(hist.size(), 3u);
  // Other users have their own bucket; the connection is still fine.
  auto bob = connect("bob");
  send_message(*bob, conv, "from bob");
  EXPECT_TRUE(ws->ping_pong());
}

TEST_F(SendRateTest, RetryAfterTheAdvisedDelaySucceeds) {
  auto conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  for (int i = 0; i < 3; ++i) send_message(*ws, conv, "m" + std::to_string(i));
  auto reply = request(*ws, send_frame(conv, "late"), "ack");
  ASSERT_EQ(str(reply, "code"), "rate_limited") << dump(reply);
  const auto wait = std::chrono::milliseconds(int_or(reply, "retry_after_ms", 1000));
  // Pacing as a client would: the server said when a retry passes.
  std::this_thread::sleep_for(wait);
  auto ack = request(*ws, send_frame(conv, "late"), "ack");
  EXPECT_EQ(str(ack, "type"), "ack") << dump(ack);
}

TEST_F(SendRateTest, RestSendIsRefusedWith429AndRetryAfter) {
  auto conv = create_group("alice", {"bob"});
  const std::string path = "/api/conversations/" + conv + "/messages";
  for (int i = 0; i < 3; ++i) {
    auto r = http().post(path, token("alice"), json::object{{"client_msg_id", "r" + std::to_string(i)},
                                                            {"content", "x"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto r = http().post(path, token("alice"), json::object{{"client_msg_id", "r3"}, {"content", "x"}});
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "rate_limited") << r.body;
  ASSERT_TRUE(r.json && r.json->is_object()) << r.body;
  const auto& err = r.json->as_object().at("error").as_object();
  EXPECT_GT(int_or(err, "retry_after_ms", 0), 0) << r.body;
  // HTTP's own spelling, in whole seconds (RFC 9110 section 10.2.3).
  EXPECT_EQ(r.header("retry-after"), "1") << "Retry-After header missing or wrong";
}

TEST_F(SendRateTest, TypingIsNotRateLimitedIntoErrors) {
  auto conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  for (int i = 0; i < 3; ++i) send_message(*ws, conv, "m" + std::to_string(i));
  // Sends are exhausted; typing frames are still dropped or forwarded silently.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ws->send_json({{"type", "typing"}, {"conversation_id", conv}}));
  EXPECT_TRUE(ws->ping_pong());
  EXPECT_TRUE(of_type(ws->buffered(), "error").empty()) << dump(ws->buffered());
}

class ConversationRateTest : public BlackboxTest {
 protected:
  std::string server_config() override {
    return R"({"conversation_sends_per_minute": 60, "conversation_send_burst": 2})";
  }
};

TEST_F(ConversationRateTest, AllSendersShareTheConversationsBucket) {
  auto busy = create_group("alice", {"bob"});
  auto quiet = create_group("alice", {"bob"});
  auto alice = connect("alice");
  auto bob = connect("bob");
  send_message(*alice, busy, "a1");
  send_message(*bob, busy, "b1");
  auto reply = request(*alice, {{"type", "send"}, {"conversation_id", busy}, {"client_msg_id", "a2"},
                                {"content", "x"}},
                       "ack");
  EXPECT_EQ(str(reply, "code"), "rate_limited") << dump(reply);
  EXPECT_GT(int_or(reply, "retry_after_ms", 0), 0) << dump(reply);
  // Another conversation has its own bucket.
  send_message(*alice, quiet, "q1");
}

// ---- members per group (configurable; enforced on create and on add) ----

class GroupSizeTest : public BlackboxTest {
 protected:
  std::string server_config() override { return R"({"max_group_members": 3})"; }
};

TEST_F(GroupSizeTest, AddMemberBeyondTheLimitIsRefused) {
  auto big = http().post("/api/conversations", token("alice"),
                         json::object{{"type", "group"}, {"name", "big"},
                                      {"members", json::array{"bob", "carol", "dave"}}});
  EXPECT_EQ(big.status, 413) << big.body;
  auto conv = create_group("alice", {"bob", "carol"});
  auto r = http().post("/api/conversations/" + conv + "/members", token("alice"),
                       json::object{{"user_id", "dave"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.error_code(), "too_large") << r.body;
}

// ---- handshake and idle timeouts ----

// A raw TCP connection to the server, to send exactly the bytes we choose.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("connect failed");
  }
  ~RawConnection() { ::close(fd_); }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until the peer closes (true) or `timeout` passes (false); what was
  // read is kept in received().
  bool wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;  // EOF or reset
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

class TimeoutTest : public BlackboxTest {
 protected:
  static constexpr int kHandshakeMs = 1000;
  static constexpr int kIdleMs = 2500;
  std::string server_config() override {
    return R"({"handshake_timeout_ms": )" + std::to_string(kHandshakeMs) +
           R"(, "http_idle_timeout_ms": )" + std::to_string(kIdleMs) + "}";
  }
};

TEST_F(TimeoutTest, SlowHeadersAreCutOffAtTheHandshakeTimeout) {
  RawConnection c(port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // Trickle one header byte every 100 ms: each keeps the socket busy, none
  // completes the request.
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    closed = !c.send("X") || c.wait_closed(100ms);
  }
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  ASSERT_TRUE(closed) << "a trickling client held its connection for 6 s";
  EXPECT_GE(after.count(), kHandshakeMs - 100);
  EXPECT_LE(after.count(), kHandshakeMs + 1500);
}

TEST_F(TimeoutTest, SilentConnectionIsClosedAtTheHandshakeTimeout) {
  RawConnection c(port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.wait_closed(std::chrono::milliseconds(kHandshakeMs + 2000)))
      << "a connection that never sent a byte was kept";
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_GE(after.count(), kHandshakeMs - 100);
}

TEST_F(TimeoutTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  RawConnection c(port());
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const auto start = Clock::now();
  ASSERT_TRUE(c.wait_closed(std::chrono::milliseconds(kIdleMs + 3000)))
      << "an idle keep-alive connection was kept";
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  EXPECT_NE(c.received().find("HTTP/1.1 "), std::string::npos) << "no response before the close";
  // Idle, it was allowed longer than the handshake timeout.
  EXPECT_GE(after.count(), kIdleMs - 200);
}

TEST_F(TimeoutTest, PromptRequestsOnOneConnectionAreServed) {
  RawConnection c(port());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  c.wait_closed(500ms);  // collects what arrives meanwhile; the connection stays
  std::size_t responses = 0;
  for (auto pos = c.received().find("HTTP/1.1 "); pos != std::string::npos;
       pos = c.received().find("HTTP/1.1 ", pos + 1))
    ++responses;
  EXPECT_EQ(responses, 3u) << c.received();
}

}  // namespace
}  // namespace bb
