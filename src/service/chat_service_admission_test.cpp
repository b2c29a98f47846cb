// The service's door: connection limit at admit(), token expiry closing
// connections with 4001 from one timer, refresh, and send rate limits.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "auth/hs256.h"
#include "bus/local/local_bus.h"
#include "common/clock.h"
#include "common/ids.h"
#include "presence/local/local_presence.h"
#include "service/chat_service.h"
#include "service/service_test_support.h"
#include "store/memory/memory_store.h"

namespace parley::service {
namespace {

namespace json = boost::json;
constexpr std::string_view kSecret = "admission-secret";

using Device = test_support::RecordingDevice;

class AdmissionTest : public ::testing::Test {
 protected:
  AdmissionTest()
      : committer_(store_, ioc_.get_executor(), {}),
        verifier_(std::string(kSecret)),
        service_(ioc_.get_executor(), {store_, bus_, presence_, committer_, verifier_}, options()) {}
  ~AdmissionTest() override { service_.cancel_timers(); }

  static ServiceOptions options() {
    ServiceOptions o;
    o.max_connections_per_user = 2;
    o.user_sends = {1.0, 2};           // two at once, then one a second
    o.conversation_sends = {1.0, 3};   // three at once per conversation
    return o;
  }

  static std::string token(const std::string& user, std::int64_t ttl_s) {
    auth::Claims c;
    c.sub = user;
    c.iat = now_ms() / 1000;
    c.exp = c.iat + ttl_s;
    return auth::sign_hs256(c, kSecret);
  }

  std::shared_ptr<Device> connect(const std::string& user, std::int64_t ttl_s = 3600) {
    auto admitted = service_.admit(token(user, ttl_s));
    EXPECT_TRUE(admitted.ok()) << admitted.error().message;
    auto d = std::make_shared<Device>(user, admitted->token_expires_s);
    service_.on_connect(d);
    return d;
  }

  void frame(const std::shared_ptr<Device>& d, protocol::ClientPayload p, std::string req = "r") {
    service_.on_frame(d, protocol::ClientFrame{std::move(req), std::move(p)});
  }

  void send(const std::shared_ptr<Device>& d, const std::string& conv, const std::string& id) {
    protocol::SendFrame f;
    f.conversation_id = conv;
    f.client_msg_id = id;
    f.content = "x";
    frame(d, std::move(f), id);
  }

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // A group of alice's.
  Result<ChatService::Created> group(const std::string& name, std::vector<std::string> members) {
    return test_support::answer_of<ChatService::Created>(ioc_, [&](auto reply) {
      service_.create_conversation("alice", "group", name, std::move(members), std::move(reply));
    });
  }

  // The reply (ack/ok/error) to request `req`, once it came.
  std::optional<json::object> reply(const std::shared_ptr<Device>& d, const std::string& req) {
    std::optional<json::object> out;
    run_until([&] {
      for (const auto& f : d->frames)
        if (f.contains("req") && f.at("req").as_string() == req) out = f;
      return out.has_value();
    });
    return out;
  }

  boost::asio::io_context ioc_;
  store::MemoryStore store_;
  bus::LocalBus bus_;
  presence::LocalPresence presence_;
  GroupCommitter committer_;
  auth::Hs256Verifier verifier_;
  ChatService service_;
};

TEST_F(AdmissionTest, AdmitChecksTokenAndConnectionsPerUser) {
  auto bad = service_.admit("not-a-token");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, make_error_code(Errc::unauthorized));

  auto a1 = connect("alice"), a2 = connect("alice");
  auto third = service_.admit(token("alice", 3600));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, make_error_code(Errc::rate_limited));
  EXPECT_TRUE(service_.admit(token("bob", 3600)).ok());

  service_.on_disconnect(a1);
  auto again = service_.admit(token("alice", 3600));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->user_id, "alice");
  EXPECT_GT(again->token_expires_s, now_ms() / 1000);
}

TEST_F(AdmissionTest, ExpiredTokenClosesTheConnectionWith4001) {
  auto soon = connect("alice", 1);
  auto later = connect("bob", 3600);
  ASSERT_TRUE(run_until([&] { return soon->closed_with != 0; }, std::chrono::seconds(4)));
  EXPECT_EQ(soon->closed_with, gateway::kCloseTokenExpired);
  EXPECT_EQ(soon->close_reason, "token expired");
  EXPECT_EQ(later->closed_with, 0);
}

TEST_F(AdmissionTest, RefreshMovesTheDeadline) {
  auto d = connect("alice", 1);
  frame(d, protocol::RefreshFrame{token("alice", 3600)}, "t1");
  auto ok = reply(d, "t1");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("type").as_string(), "ok");
  // Await a close until past the old deadline: none comes.
  EXPECT_FALSE(run_until([&] { return d->closed_with != 0; }, std::chrono::milliseconds(2100)));
  EXPECT_EQ(d->closed_with, 0);
}

TEST_F(AdmissionTest, RefreshForAnotherUserOrInvalidIsRefused) {
  auto d = connect("alice", 1);
  frame(d, protocol::RefreshFrame{token("mallory", 3600)}, "t1");
  auto other = reply(d, "t1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->at("code").as_string(), "forbidden");
  frame(d, protocol::RefreshFrame{"garbage"}, "t2");
  auto invalid = reply(d, "t2");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->at("code").as_string(), "unauthorized");
  ASSERT_TRUE(run_until([&] { return d->closed_with != 0; }, std::chrono::seconds(4)));
  EXPECT_EQ(d->closed_with, gateway::kCloseTokenExpired);
}

TEST_F(AdmissionTest, SendsBeyondTheUserBucketAreRateLimited) {
  auto conv = group("g", {"bob"});
  ASSERT_TRUE(conv.ok());
  auto a = connect("alice");
  send(a, conv->conversation.id, "s1");
  send(a, conv->conversation.id, "s2");
  send(a, conv->conversation.id, "s3");
  auto third = reply(a, "s3");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->at("code").as_string(), "rate_limited");
  EXPECT_GT(third->at("retry_after_ms").as_int64(), 0);
  EXPECT_LE(third->at("retry_after_ms").as_int64(), 1000);
  EXPECT_EQ(reply(a, "s1")->at("type").as_string(), "ack");
  EXPECT_EQ(reply(a, "s2")->at("type").as_string(), "ack");
}

TEST_F(AdmissionTest, ConversationBucketIsSharedAndRefusalDoesNotChargeTheUser) {
  auto conv = group("g", {"bob", "carol"});
  auto quiet = group("q", {"bob", "carol"});
  ASSERT_TRUE(conv.ok() && quiet.ok());
  auto a = connect("alice"), b = connect("bob"), c = connect("carol");
  const auto& id = conv->conversation.id;
  send(a, id, "a1");
  send(b, id, "b1");
  send(c, id, "c1");
  send(c, id, "c2");  // the conversation's three are spent
  auto refused = reply(c, "c2");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("code").as_string(), "rate_limited");
  // carol has spent one of her two; the refused send did not take the other.
  send(c, quiet->conversation.id, "c3");
  EXPECT_EQ(reply(c, "c3")->at("type").as_string(), "ack");
  send(b, quiet->conversation.id, "b2");  // another conversation: its own bucket
  EXPECT_EQ(reply(b, "b2")->at("type").as_string(), "ack");
}

}  // namespace
}  // namespace parley::service
