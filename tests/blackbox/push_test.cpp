// Push notifications on the real binary: the device and mute routes, the
// VAPID key, and (once the embedded server feeds push from the event log) a
// Web Push to an offline member, decrypted by a fake push service with the
// test subscription's keys.
#include <boost/json.hpp>

#include "auth/base64url.h"
#include "push/ec_key.h"
#include "push/jwt_es256.h"
#include "push/testing/fake_push_server.h"
#include "push/webpush_crypto.h"
#include "support.h"

namespace bb {
namespace {

using parley::push::EcKey;
using parley::push::testing::FakePushServer;

class PushTest : public BlackboxTest {
 protected:
  // Loopback endpoints for the fake push service; no collapsing, so each
  // message gives one push.
  std::string server_config() override {
    return R"({"push": {"allow_loopback_http": true, "collapse_ms": 0, "retry_base_ms": 50}})";
  }

  struct Subscription {
    EcKey key;
    std::string auth_secret;
    json::object body;  // for POST /api/devices
  };

  Subscription subscribe(const std::string& endpoint) {
    auto key = EcKey::generate();
    require(key.ok(), "key generation");
    std::string secret = parley::push::random_bytes(16);
    json::object body{{"platform", "webpush"},
                      {"endpoint", endpoint},
                      {"keys",
                       {{"p256dh", parley::auth::base64url_encode(key->public_point())},
                        {"auth", parley::auth::base64url_encode(secret)}}}};
    return {*key, secret, body};
  }
};

TEST_F(PushTest, RegisterListAndRemoveDevices) {
  FakePushServer fake;
  auto sub = subscribe(fake.url("/wpush/bob"));
  auto created = http().post("/api/devices", token("bob"), sub.body);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = str(obj(*created.json), "device_id");
  ASSERT_FALSE(id.empty());

  auto list = http().get("/api/devices", token("bob"));
  ASSERT_EQ(list.status, 200) << list.body;
  auto devices = obj(*list.json).at("devices").as_array();
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(str(obj(devices[0]), "device_id"), id);
  EXPECT_EQ(str(obj(devices[0]), "endpoint"), fake.url("/wpush/bob"));
  EXPECT_TRUE(obj(*http().get("/api/devices", token("alice")).json).at("devices").as_array().empty());

  EXPECT_EQ(http().del("/api/devices/" + id, token("alice")).status, 404);
  EXPECT_EQ(http().del("/api/devices/" + id, token("bob")).status, 204);
  EXPECT_EQ(http().get("/api/devices", token("bob")).json->at("devices").as_array().size(), 0u);
  EXPECT_EQ(http().get("/api/devices").status, 401) << "devices need a signed-in user";
}

TEST_F(PushTest, BadRegistrationsAreRefusedWithAReason) {
  auto bad_platform = http().post("/api/devices", token("bob"), json::object{{"platform", "pigeon"}});
  EXPECT_EQ(bad_platform.status, 400);
  EXPECT_EQ(bad_platform.error_code(), "bad_request");
  auto internal = subscribe("https://169.254.169.254/latest/meta-data");
  auto ssrf = http().post("/api/devices", token("bob"), internal.body);
  EXPECT_EQ(ssrf.status, 400) << ssrf.body;
  auto plain_http = subscribe("http://push.example.com/x");
  EXPECT_EQ(http().post("/api/devices", token("bob"), plain_http.body).status, 400);
}

TEST_F(PushTest, MuteIsForMembersOnly) {
  std::string conv = create_group("alice", {"bob"});
  auto muted = http().request("PUT", "/api/conversations/" + conv + "/mute", token("bob"));
  ASSERT_EQ(muted.status, 200) << muted.body;
  EXPECT_TRUE(obj(*muted.json).at("muted").as_bool());
  EXPECT_EQ(http().request("PUT", "/api/conversations/" + conv + "/mute", token("carol")).status, 404);
  auto unmuted = http().request("DELETE", "/api/conversations/" + conv + "/mute", token("bob"));
  ASSERT_EQ(unmuted.status, 200);
  EXPECT_FALSE(obj(*unmuted.json).at("muted").as_bool());
}

TEST_F(PushTest, VapidPublicKeyIsAP256Point) {
  auto r = http().get("/api/push/vapid", token("bob"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto key = parley::auth::base64url_decode(str(obj(*r.json), "public_key"));
  ASSERT_TRUE(key);
  EXPECT_TRUE(EcKey::from_public(*key).ok());
  EXPECT_EQ(str(obj(*http().get("/api/push/vapid", token("carol")).json), "public_key"),
            str(obj(*r.json), "public_key"));
}

// Needs the embedded server to run the "push" consumer of the event log
// (see push/README.md, "Wiring"); enable it then.
TEST_F(PushTest, OfflineMemberGetsAnEncryptedWebPush) {
  FakePushServer fake;
  std::string conv = create_group("alice", {"bob"});
  auto sub = subscribe(fake.url("/wpush/bob"));
  ASSERT_EQ(http().post("/api/devices", token("bob"), sub.body).status, 201);
  auto vapid = parley::auth::base64url_decode(
      str(obj(*http().get("/api/push/vapid", token("bob")).json), "public_key"));
  ASSERT_TRUE(vapid);

  auto alice = connect("alice");
  auto ack = send_message(*alice, conv, "the plans are in the drawer");
  auto got = fake.wait_for(1, std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 1u) << "no push reached bob's push service";
  const auto& req = got[0];
  EXPECT_EQ(req.target, "/wpush/bob");
  EXPECT_EQ(req.header("content-encoding"), "aes128gcm");
  std::string authz = req.header("authorization");
  auto comma = authz.find(", k=");
  ASSERT_TRUE(authz.starts_with("vapid t=") && comma != std::string::npos) << authz;
  EXPECT_EQ(parley::auth::base64url_decode(authz.substr(comma + 4)), vapid);
  EXPECT_TRUE(parley::push::verify_jwt_es256(*EcKey::from_public(*vapid), authz.substr(8, comma - 8)).ok());
  auto plain = parley::push::webpush_decrypt(req.body, sub.key, sub.auth_secret);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  auto payload = json::parse(*plain).as_object();
  EXPECT_EQ(str(payload, "conversation_id"), conv);
  EXPECT_EQ(str(payload, "sender_id"), "alice");
  EXPECT_EQ(num(payload, "seq"), num(ack, "seq"));
  EXPECT_EQ(plain->find("drawer"), std::string::npos) << "no content in the payload by default";
}

}  // namespace
}  // namespace bb
