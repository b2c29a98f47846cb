// The push REST routes: validation with clear errors, ownership, mutes for
// members only.
#include "push/push_routes.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"
#include "push/ec_key.h"
#include "push/memory/memory_device_registry.h"
#include "store/memory/memory_store.h"
#include "store/store_test_support.h"

namespace parley::push {
namespace {

class Routes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        store_.create_conversation(store::test_support::new_group("c_1", "alice", {"bob"})));
    auto key = EcKey::generate();
    ASSERT_TRUE(key);
    p256dh_ = auth::base64url_encode(key->public_point());
  }

  // Runs a request as user; the answer, or status -1 when the module passed.
  gateway::HttpResponse call(const std::string& user, const std::string& method,
                             const std::string& target, const std::string& body = {}) {
    gateway::HttpRequest req;
    req.method = method;
    req.target = target;
    req.content_type = "application/json";
    req.body = body;
    auto t = parse_target(target);
    gateway::HttpResponse out{-1, {}};
    int answers = 0;
    bool handled = routes_.handle(api::AuthedRequest{user, req, *t}, [&](gateway::HttpResponse r) {
      out = std::move(r);
      ++answers;
    });
    EXPECT_EQ(answers, handled ? 1 : 0);
    return out;
  }

  std::string webpush_body(const std::string& endpoint) {
    return R"({"platform":"webpush","endpoint":")" + endpoint + R"(","keys":{"p256dh":")" +
           p256dh_ + R"(","auth":"BTBZMqHH6r4Tts7J_aSIgg"}})";
  }

  static std::string message_of(const gateway::HttpResponse& r) {
    return std::string(boost::json::parse(r.body).at("error").at("message").as_string());
  }

  store::MemoryStore store_;
  MemoryDeviceRegistry registry_;
  PushRoutes routes_{registry_, store_, {EndpointPolicy{false}, "BPUBLICKEY", 3}};
  std::string p256dh_;
};

TEST_F(Routes, RegisterListAndDelete) {
  auto created = call("bob", "POST", "/api/devices", webpush_body("https://push.example/s/1"));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(boost::json::parse(created.body).at("device_id").as_string());
  EXPECT_TRUE(id.starts_with("dev_"));

  auto again = call("bob", "POST", "/api/devices", webpush_body("https://push.example/s/1"));
  EXPECT_EQ(again.status, 200) << "the same subscription again: updated, not added";
  EXPECT_EQ(boost::json::parse(again.body).at("device_id").as_string(), id);

  auto apns = call("bob", "POST", "/api/devices", R"({"platform":"apns","token":"0a1b2c"})");
  EXPECT_EQ(apns.status, 201) << apns.body;

  auto list = call("bob", "GET", "/api/devices");
  ASSERT_EQ(list.status, 200);
  auto devices = boost::json::parse(list.body).at("devices").as_array();
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].at("platform").as_string(), "webpush");
  EXPECT_FALSE(devices[0].as_object().contains("p256dh"));
  EXPECT_TRUE(boost::json::parse(call("alice", "GET", "/api/devices").body)
                  .at("devices").as_array().empty());

  EXPECT_EQ(call("alice", "DELETE", "/api/devices/" + id).status, 404) << "not hers";
  EXPECT_EQ(call("bob", "DELETE", "/api/devices/" + id).status, 204);
  EXPECT_EQ(call("bob", "DELETE", "/api/devices/" + id).status, 404);
}

TEST_F(Routes, ValidationSaysWhatIsWrong) {
  struct Case {
    std::string body;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {"nope", "JSON"},
           {R"({"platform":"pigeon"})", "platform must be one of"},
           {R"({"platform":"webpush"})", "endpoint"},
           {R"({"platform":"webpush","endpoint":"http://push.example/x","keys":{}})", "https://"},
           {R"({"platform":"webpush","endpoint":"https://10.0.0.1/x","keys":{}})", "private"},
           {R"({"platform":"webpush","endpoint":"https://push.example/x"})", "keys"},
           {R"({"platform":"webpush","endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"BTBZMqHH6r4Tts7J_aSIgg"}})",
            "keys.p256dh"},
           {R"({"platform":"unifiedpush","endpoint":"ftp://x"})", "https://"},
           {R"({"platform":"apns"})", "token"},
           {R"({"platform":"apns","token":"not hex!"})", "token"},
           {R"({"platform":"fcm","token":""})", "token"},
       }) {
    auto r = call("bob", "POST", "/api/devices", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(message_of(r).find(c.says), std::string::npos) << c.body << " -> " << r.body;
  }
  auto bad_auth = webpush_body("https://push.example/x");
  bad_auth.replace(bad_auth.find("BTBZ"), 4, "");
  auto r = call("bob", "POST", "/api/devices", bad_auth);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(message_of(r).find("keys.auth"), std::string::npos) << r.body;
}

TEST_F(Routes, DevicesPerUserAreCapped) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call("bob", "POST", "/api/devices",
                   webpush_body("https://push.example/s/" + std::to_string(i)))
                  .status,
              201);
  EXPECT_EQ(call("bob", "POST", "/api/devices", webpush_body("https://push.example/s/9")).status,
            409);
  EXPECT_EQ(call("bob", "POST", "/api/devices", webpush_body("https://push.example/s/0")).status,
            200)
      << "re-registering a known one is not a new device";
}

TEST_F(Routes, MuteIsForMembersOnly) {
  auto muted = call("bob", "PUT", "/api/conversations/c_1/mute");
  ASSERT_EQ(muted.status, 200) << muted.body;
  EXPECT_TRUE(boost::json::parse(muted.body).at("muted").as_bool());
  EXPECT_TRUE(*registry_.muted("bob", "c_1"));
  EXPECT_TRUE(boost::json::parse(call("bob", "GET", "/api/conversations/c_1/mute").body)
                  .at("muted").as_bool());
  EXPECT_EQ(call("bob", "DELETE", "/api/conversations/c_1/mute").status, 200);
  EXPECT_FALSE(*registry_.muted("bob", "c_1"));

  EXPECT_EQ(call("mallory", "PUT", "/api/conversations/c_1/mute").status, 404);
  EXPECT_EQ(call("bob", "PUT", "/api/conversations/c_nope/mute").status, 404);
  EXPECT_FALSE(*registry_.muted("mallory", "c_1"));
  EXPECT_EQ(call("bob", "POST", "/api/conversations/c_1/mute").status, 405);
}

TEST_F(Routes, VapidKeyAndOtherRoutesPassThrough) {
  auto vapid = call("bob", "GET", "/api/push/vapid");
  ASSERT_EQ(vapid.status, 200);
  EXPECT_EQ(boost::json::parse(vapid.body).at("public_key").as_string(), "BPUBLICKEY");
  EXPECT_EQ(call("bob", "GET", "/api/conversations/c_1").status, -1);
  EXPECT_EQ(call("bob", "GET", "/api/conversations/c_1/messages").status, -1);
  EXPECT_EQ(call("bob", "GET", "/api/conversations").status, -1);
}

}  // namespace
}  // namespace parley::push
