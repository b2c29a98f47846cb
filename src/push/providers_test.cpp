// Each provider against a fake push service on loopback that checks the
// request the way the real service would: Web Push decrypted with the test
// subscription's keys and its VAPID JWT verified; APNs' provider token
// verified with the key's public half.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"
#include "push/apns_provider.h"
#include "push/curl_http_client.h"
#include "push/fcm_provider.h"
#include "push/jwt_es256.h"
#include "push/testing/fake_push_server.h"
#include "push/unifiedpush_provider.h"
#include "push/webpush_crypto.h"
#include "push/webpush_provider.h"

namespace parley::push {
namespace {

using namespace std::chrono_literals;
using testing::FakeAnswer;
using testing::FakePushServer;
using testing::RecordedRequest;

PushMessage message() {
  PushMessage m;
  m.user_id = "bob";
  m.conversation_id = "c_1";
  m.sender_id = "alice";
  m.message_id = "m_1";
  m.seq = 42;
  return m;
}

boost::json::object json_of(const std::string& s) { return boost::json::parse(s).as_object(); }

class Providers : public ::testing::Test {
 protected:
  FakePushServer fake_;
  CurlHttpClient http_{EndpointPolicy{true}};
};

TEST_F(Providers, WebPushIsEncryptedForTheSubscriptionAndSignedWithVapid) {
  auto ua = EcKey::generate();  // the browser's subscription key
  auto vapid = EcKey::generate();
  ASSERT_TRUE(ua && vapid);
  std::string auth_secret = random_bytes(16);
  Device d;
  d.id = "dev_1";
  d.platform = Platform::webpush;
  d.endpoint = fake_.url("/wpush/abc");
  d.p256dh = auth::base64url_encode(ua->public_point());
  d.auth = auth::base64url_encode(auth_secret);
  WebPushProvider provider(http_, *vapid, {"mailto:ops@example.org", 3600, 5s});

  SendResult r = provider.send(d, message());
  EXPECT_EQ(r.outcome, Outcome::delivered) << r.detail;

  auto got = fake_.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  const RecordedRequest& req = got[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/wpush/abc");
  EXPECT_EQ(req.header("content-encoding"), "aes128gcm");
  EXPECT_EQ(req.header("ttl"), "3600");
  EXPECT_EQ(req.header("topic"), collapse_topic("c_1"));
  EXPECT_EQ(req.header("topic").size(), 32u);
  // The push service's check: the JWT verifies under k, for this origin.
  std::string authz = req.header("authorization");
  ASSERT_TRUE(authz.starts_with("vapid t="));
  auto comma = authz.find(", k=");
  ASSERT_NE(comma, std::string::npos);
  auto k = auth::base64url_decode(authz.substr(comma + 4));
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, vapid->public_point());
  auto claims = verify_jwt_es256(*EcKey::from_public(*k), authz.substr(8, comma - 8));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(json_of(*claims).at("aud").as_string(), fake_.url(""));
  // The browser's check: the body decrypts with the subscription's keys.
  auto plain = webpush_decrypt(req.body, *ua, auth_secret);
  ASSERT_TRUE(plain) << plain.error().message;
  auto payload = json_of(*plain);
  EXPECT_EQ(payload.at("conversation_id").as_string(), "c_1");
  EXPECT_EQ(payload.at("sender_id").as_string(), "alice");
  EXPECT_EQ(payload.at("seq").as_int64(), 42);
  EXPECT_FALSE(payload.contains("preview")) << "no content unless previews are on";
}

TEST_F(Providers, UnifiedPushPostsThePayloadAsIs) {
  Device d;
  d.platform = Platform::unifiedpush;
  d.endpoint = fake_.url("/up/xyz");
  UnifiedPushProvider provider(http_, {60, 5s});
  auto m = message();
  m.preview = "hi there";
  EXPECT_EQ(provider.send(d, m).outcome, Outcome::delivered);
  auto got = fake_.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/up/xyz");
  EXPECT_EQ(got[0].header("ttl"), "60");
  auto payload = json_of(got[0].body);
  EXPECT_EQ(payload.at("seq").as_int64(), 42);
  EXPECT_EQ(payload.at("preview").as_string(), "hi there");
}

TEST_F(Providers, ApnsRequestShape) {
  auto key = EcKey::generate();
  ASSERT_TRUE(key);
  ApnsConfig config;
  config.base_url = fake_.url("");
  config.key_id = "KEY1234567";
  config.team_id = "TEAM123456";
  config.topic = "org.parley.app";
  ApnsProvider provider(http_, *key, config, 5s);
  Device d;
  d.platform = Platform::apns;
  d.token = "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0";
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::delivered);
  auto got = fake_.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  const auto& req = got[0];
  EXPECT_EQ(req.target, "/3/device/" + d.token);
  EXPECT_EQ(req.header("apns-topic"), "org.parley.app");
  EXPECT_EQ(req.header("apns-push-type"), "alert");
  EXPECT_EQ(req.header("apns-collapse-id"), collapse_topic("c_1"));
  std::string authz = req.header("authorization");
  ASSERT_TRUE(authz.starts_with("bearer "));
  std::string jwt = authz.substr(7);
  auto claims = verify_jwt_es256(*EcKey::from_public(key->public_point()), jwt);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(json_of(*claims).at("iss").as_string(), "TEAM123456");
  auto header = json_of(*auth::base64url_decode(jwt.substr(0, jwt.find('.'))));
  EXPECT_EQ(header.at("kid").as_string(), "KEY1234567");
  EXPECT_EQ(header.at("alg").as_string(), "ES256");
  auto body = json_of(req.body);
  EXPECT_TRUE(body.at("aps").as_object().at("alert").is_object());
  EXPECT_EQ(body.at("conversation_id").as_string(), "c_1");
  EXPECT_EQ(body.at("seq").as_int64(), 42);
}

TEST_F(Providers, FcmRequestShape) {
  FcmConfig config;
  config.base_url = fake_.url("");
  config.project_id = "parley-test";
  config.access_token = "ya29.test-token";
  FcmProvider provider(http_, config, 5s);
  Device d;
  d.platform = Platform::fcm;
  d.token = "fcm-registration-token";
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::delivered);
  auto got = fake_.wait_for(1, 5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/v1/projects/parley-test/messages:send");
  EXPECT_EQ(got[0].header("authorization"), "Bearer ya29.test-token");
  auto msg = json_of(got[0].body).at("message").as_object();
  EXPECT_EQ(msg.at("token").as_string(), "fcm-registration-token");
  EXPECT_EQ(msg.at("data").as_object().at("seq").as_string(), "42");
  EXPECT_EQ(msg.at("android").as_object().at("collapse_key").as_string(), collapse_topic("c_1"));
}

TEST_F(Providers, AnswersAreClassified) {
  Device d;
  d.platform = Platform::unifiedpush;
  d.endpoint = fake_.url("/up");
  UnifiedPushProvider provider(http_, {60, 5s});
  int status = 410;
  fake_.respond_with([&](const RecordedRequest&) {
    FakeAnswer a;
    a.status = status;
    if (status == 429) a.headers = {{"Retry-After", "7"}};
    return a;
  });
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::gone);
  status = 404;
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::gone);
  status = 503;
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::retry);
  status = 429;
  auto r = provider.send(d, message());
  EXPECT_EQ(r.outcome, Outcome::retry);
  EXPECT_EQ(r.retry_after, 7s);
  status = 400;
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::failed);
}

TEST_F(Providers, NoAnswerWithinTheTimeoutIsRetryable) {
  fake_.respond_with([](const RecordedRequest&) {
    FakeAnswer a;
    a.hold = true;
    return a;
  });
  Device d;
  d.platform = Platform::unifiedpush;
  d.endpoint = fake_.url("/slow");
  UnifiedPushProvider provider(http_, {60, 300ms});
  EXPECT_EQ(provider.send(d, message()).outcome, Outcome::retry);
  fake_.release_held();
}

TEST_F(Providers, UserEndpointsMayNotReachLoopbackUnlessAllowed) {
  CurlHttpClient strict{EndpointPolicy{false}};
  HttpCall call;
  call.url = fake_.url("/x");  // http: refused by protocol
  call.user_supplied = true;
  EXPECT_FALSE(strict.send(call));
  call.url = "https://127.0.0.1:" + fake_.url("").substr(fake_.url("").rfind(':') + 1) + "/x";
  auto refused = strict.send(call);  // https to loopback: refused at connect
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(Errc::forbidden)) << refused.error().message;
  EXPECT_TRUE(fake_.requests().empty());
}

}  // namespace
}  // namespace parley::push
