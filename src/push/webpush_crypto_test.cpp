// RFC 8291 encryption against the RFC's own example (Appendix A), ES256 and
// VAPID tokens checked the way a push service checks them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"
#include "push/jwt_es256.h"
#include "push/vapid.h"
#include "push/webpush_crypto.h"

namespace parley::push {
namespace {

std::string b64(std::string_view s) { return auth::base64url_decode(s).value(); }

// RFC 8291 Appendix A.
constexpr const char* kPlaintext = "When I grow up, I want to be a watermelon";
constexpr const char* kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr const char* kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr const char* kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr const char* kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr const char* kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr const char* kAuthSecret = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr const char* kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6Tl"
    "zAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

TEST(WebPushCrypto, KeysFromScalarsMatchTheRfc) {
  auto as = EcKey::from_private(b64(kAsPrivate));
  ASSERT_TRUE(as) << as.error().message;
  EXPECT_EQ(auth::base64url_encode(as->public_point()), kAsPublic);
  EXPECT_EQ(auth::base64url_encode(as->private_scalar()), kAsPrivate);
  auto ua = EcKey::from_private(b64(kUaPrivate));
  ASSERT_TRUE(ua);
  EXPECT_EQ(auth::base64url_encode(ua->public_point()), kUaPublic);
}

TEST(WebPushCrypto, EncryptsTheRfc8291ExampleByteForByte) {
  auto as = EcKey::from_private(b64(kAsPrivate));
  ASSERT_TRUE(as);
  auto body = webpush_encrypt(kPlaintext, b64(kUaPublic), b64(kAuthSecret), *as, b64(kSalt));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(auth::base64url_encode(*body), kBody);
}

TEST(WebPushCrypto, DecryptsTheRfc8291Example) {
  auto ua = EcKey::from_private(b64(kUaPrivate));
  ASSERT_TRUE(ua);
  auto plain = webpush_decrypt(b64(kBody), *ua, b64(kAuthSecret));
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(*plain, kPlaintext);
}

TEST(WebPushCrypto, FreshKeysRoundTripAndTamperingFails) {
  auto ua = EcKey::generate();
  ASSERT_TRUE(ua);
  std::string secret = random_bytes(16);
  auto body = webpush_encrypt(R"({"seq":7})", ua->public_point(), secret);
  ASSERT_TRUE(body);
  auto again = webpush_encrypt(R"({"seq":7})", ua->public_point(), secret);
  ASSERT_TRUE(again);
  EXPECT_NE(*body, *again) << "salt and sender key must be fresh per message";
  auto plain = webpush_decrypt(*body, *ua, secret);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, R"({"seq":7})");
  std::string tampered = *body;
  tampered.back() ^= 1;
  EXPECT_FALSE(webpush_decrypt(tampered, *ua, secret));
  EXPECT_FALSE(webpush_decrypt(*body, *ua, random_bytes(16))) << "wrong auth secret";
}

TEST(WebPushCrypto, RefusesBadKeysAndOversizedPayloads) {
  auto as = EcKey::generate();
  ASSERT_TRUE(as);
  std::string not_a_point(65, '\x04');
  EXPECT_FALSE(webpush_encrypt("x", not_a_point, random_bytes(16)));
  EXPECT_FALSE(webpush_encrypt("x", as->public_point(), random_bytes(15)));
  EXPECT_FALSE(webpush_encrypt(std::string(kMaxWebPushPlaintext + 1, 'a'), as->public_point(),
                               random_bytes(16)));
  EXPECT_TRUE(webpush_encrypt(std::string(kMaxWebPushPlaintext, 'a'), as->public_point(),
                              random_bytes(16)));
}

TEST(Es256, SignaturesVerifyOnlyWithTheRightKeyAndData) {
  auto key = EcKey::generate();
  auto other = EcKey::generate();
  ASSERT_TRUE(key && other);
  auto sig = key->sign_es256("hello");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 64u);
  auto pub = EcKey::from_public(key->public_point());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(pub->verify_es256("hello", *sig));
  EXPECT_FALSE(pub->verify_es256("hellO", *sig));
  EXPECT_FALSE(other->verify_es256("hello", *sig));
}

TEST(Es256, PemRoundTrip) {
  auto key = EcKey::generate();
  ASSERT_TRUE(key);
  auto back = EcKey::from_pem(key->to_pem());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->public_point(), key->public_point());
  EXPECT_FALSE(EcKey::from_pem("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"));
}

TEST(Vapid, HeaderCarriesAJwtThePushServiceCanVerify) {
  auto key = EcKey::generate();
  ASSERT_TRUE(key);
  auto header = vapid_authorization(*key, "https://push.example.net:8443/wpush/v2/abc?x=1",
                                    "mailto:ops@example.org", 1'700'000'000);
  ASSERT_TRUE(header);
  // "vapid t=<jwt>, k=<key>"
  ASSERT_TRUE(header->starts_with("vapid t="));
  auto comma = header->find(", k=");
  ASSERT_NE(comma, std::string::npos);
  std::string jwt = header->substr(8, comma - 8);
  std::string k = header->substr(comma + 4);
  auto pub = EcKey::from_public(b64(k));
  ASSERT_TRUE(pub);
  auto claims = verify_jwt_es256(*pub, jwt);
  ASSERT_TRUE(claims) << claims.error().message;
  auto c = boost::json::parse(*claims).as_object();
  EXPECT_EQ(c.at("aud").as_string(), "https://push.example.net:8443");
  EXPECT_EQ(c.at("sub").as_string(), "mailto:ops@example.org");
  EXPECT_EQ(c.at("exp").as_int64(), 1'700'000'000 + 12 * 3600);
  auto header_json = boost::json::parse(b64(jwt.substr(0, jwt.find('.')))).as_object();
  EXPECT_EQ(header_json.at("alg").as_string(), "ES256");
}

TEST(Vapid, KeyIsCreatedOnceAndKept) {
  auto path = std::filesystem::temp_directory_path() /
              ("parley_vapid_test_" + std::to_string(::getpid()) + ".pem");
  std::filesystem::remove(path);
  auto first = load_or_create_vapid_key(path.string());
  ASSERT_TRUE(first);
  auto second = load_or_create_vapid_key(path.string());
  ASSERT_TRUE(second);
  EXPECT_EQ(first->public_point(), second->public_point());
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
  std::filesystem::remove(path);
}

TEST(Vapid, ProcessesCreatingTheKeyAtOnceAllGetTheOneWritten) {
  // Gateways and push workers sharing push.vapid_key_file, started together.
  auto dir = std::filesystem::temp_directory_path() /
             ("parley_vapid_race_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "vapid.pem").string();
  constexpr int kProcesses = 8;
  std::vector<std::string> keys(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] {
      auto key = load_or_create_vapid_key(path);
      if (key) keys[i] = key->public_point();
    });
  }
  for (auto& t : threads) t.join();
  auto on_disk = load_or_create_vapid_key(path);
  ASSERT_TRUE(on_disk);
  for (const auto& k : keys) EXPECT_EQ(k, on_disk->public_point());
  // Nothing left behind but the key.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::push
