// RS256 and EdDSA tokens against a JWKS, the composite verifier, and the
// issuer/audience rules. Keys are generated here with OpenSSL and tokens
// signed with the private halves, so every test exercises exactly one rule.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "auth/base64url.h"
#include "auth/composite_verifier.h"
#include "auth/hs256.h"
#include "auth/jwks.h"
#include "auth/jwks_verifier.h"

namespace parley::auth {
namespace {

namespace json = boost::json;
using PKey = std::shared_ptr<EVP_PKEY>;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kSecret = "jwks-test-secret";

PKey generate(const char* type, int rsa_bits = 0) {
  EVP_PKEY* key = rsa_bits ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(rsa_bits))
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  if (key == nullptr) throw std::runtime_error("key generation failed");
  return PKey(key, EVP_PKEY_free);
}

// RSA key generation takes a while: one key of each kind for the suite.
const PKey& rsa_key() {
  static const PKey k = generate("RSA", 2048);
  return k;
}
const PKey& rsa_key2() {
  static const PKey k = generate("RSA", 2048);
  return k;
}
const PKey& ed_key() {
  static const PKey k = generate("ED25519");
  return k;
}
const PKey& ed_key2() {
  static const PKey k = generate("ED25519");
  return k;
}

std::string bn_param(const PKey& key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) throw std::runtime_error("no param");
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

json::object rsa_jwk(const PKey& key, std::string kid) {
  return {{"kty", "RSA"}, {"kid", kid}, {"alg", "RS256"}, {"use", "sig"},
          {"n", base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_N))},
          {"e", base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_E))}};
}

json::object ed_jwk(const PKey& key, std::string kid) {
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key.get(), raw, &len);
  return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", kid}, {"alg", "EdDSA"},
          {"x", base64url_encode(std::string_view(reinterpret_cast<char*>(raw), len))}};
}

std::string key_set(std::vector<json::object> keys) {
  json::array a;
  for (auto& k : keys) a.push_back(std::move(k));
  return json::serialize(json::object{{"keys", std::move(a)}});
}

std::string sign(const PKey& key, bool rsa, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, rsa ? EVP_sha256() : nullptr, nullptr, key.get());
  std::size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  return sig;
}

std::string compact(const json::object& header, const json::object& payload) {
  return base64url_encode(json::serialize(header)) + "." +
         base64url_encode(json::serialize(payload));
}

json::object claims(std::string sub = "alice") {
  return {{"sub", sub}, {"iat", kNow - 10}, {"exp", kNow + 3600}};
}

std::string rs256(const json::object& payload, std::string kid = "rsa-1",
                  const PKey& key = rsa_key(), std::string alg = "RS256") {
  std::string input = compact({{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}, payload);
  return input + "." + base64url_encode(sign(key, true, input));
}

std::string eddsa(const json::object& payload, std::string kid = "ed-1",
                  const PKey& key = ed_key(), std::string alg = "EdDSA") {
  std::string input = compact({{"alg", alg}, {"kid", kid}}, payload);
  return input + "." + base64url_encode(sign(key, false, input));
}

std::string hmac(std::string_view secret, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hs256(const json::object& header, const json::object& payload,
                  std::string_view secret) {
  std::string input = compact(header, payload);
  return input + "." + base64url_encode(hmac(secret, input));
}

Jwks standard_keys() {
  auto keys = Jwks::parse(key_set({rsa_jwk(rsa_key(), "rsa-1"), ed_jwk(ed_key(), "ed-1")}));
  if (!keys) throw std::runtime_error(keys.error().message);
  return std::move(*keys);
}

void expect_rejected(const Result<Claims>& r, std::string_view reason) {
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << reason;
  EXPECT_EQ(r.error().code, make_error_code(Errc::unauthorized));
  EXPECT_EQ(r.error().message, reason);
}

// ---- accepted ----

TEST(JwksVerifier, AcceptsRs256AndEdDsa) {
  const JwksVerifier v(standard_keys());
  auto r = v.verify(rs256(claims("alice")), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->exp, kNow + 3600);
  auto e = v.verify(eddsa(claims("bob")), kNow);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->sub, "bob");
}

TEST(JwksVerifier, KidSelectsAmongSeveralKeysOfOneKind) {
  auto keys = Jwks::parse(key_set({rsa_jwk(rsa_key(), "a"), rsa_jwk(rsa_key2(), "b"),
                                   ed_jwk(ed_key(), "c"), ed_jwk(ed_key2(), "d")}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  const JwksVerifier v(std::move(*keys));
  EXPECT_TRUE(v.verify(rs256(claims(), "b", rsa_key2()), kNow).ok());
  EXPECT_TRUE(v.verify(eddsa(claims(), "d", ed_key2()), kNow).ok());
  // The right algorithm and a key of the set, but not the one kid names.
  expect_rejected(v.verify(rs256(claims(), "a", rsa_key2()), kNow), "bad signature");
  expect_rejected(v.verify(eddsa(claims(), "c", ed_key2()), kNow), "bad signature");
}

TEST(JwksVerifier, KeyWithoutAlgIsBoundByItsType) {
  auto rsa = rsa_jwk(rsa_key(), "rsa-1");
  rsa.erase("alg");
  auto ed = ed_jwk(ed_key(), "ed-1");
  ed.erase("alg");
  auto keys = Jwks::parse(key_set({rsa, ed}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  const JwksVerifier v(std::move(*keys));
  EXPECT_TRUE(v.verify(rs256(claims()), kNow).ok());
  EXPECT_TRUE(v.verify(eddsa(claims()), kNow).ok());
  expect_rejected(v.verify(rs256(claims(), "ed-1", rsa_key()), kNow), "alg does not match key");
}

// ---- rejected: algorithm ----

TEST(JwksVerifier, RejectsAlgNone) {
  const JwksVerifier v(standard_keys());
  const std::string unsigned_token =
      compact({{"alg", "none"}, {"kid", "rsa-1"}}, claims()) + ".";
  expect_rejected(v.verify(unsigned_token, kNow), "unsupported alg");
  // Even with a real signature attached.
  expect_rejected(v.verify(rs256(claims(), "rsa-1", rsa_key(), "none"), kNow), "unsupported alg");
}

TEST(JwksVerifier, RejectsOtherAlgorithms) {
  const JwksVerifier v(standard_keys());
  for (const char* alg : {"RS384", "RS512", "PS256", "ES256", "HS256", "rs256", "EDDSA", "Ed25519"}) {
    SCOPED_TRACE(alg);
    expect_rejected(v.verify(rs256(claims(), "rsa-1", rsa_key(), alg), kNow), "unsupported alg");
  }
}

TEST(JwksVerifier, EachKeyVerifiesOnlyWithItsOwnAlgorithm) {
  const JwksVerifier v(standard_keys());
  // An RS256 header naming the Ed25519 key, and the other way round.
  expect_rejected(v.verify(rs256(claims(), "ed-1"), kNow), "alg does not match key");
  expect_rejected(v.verify(eddsa(claims(), "rsa-1"), kNow), "alg does not match key");
}

TEST(JwksVerifier, RejectsMissingOrUnknownKid) {
  const JwksVerifier v(standard_keys());
  std::string input = compact({{"alg", "RS256"}}, claims());
  expect_rejected(v.verify(input + "." + base64url_encode(sign(rsa_key(), true, input)), kNow),
                  "missing kid");
  input = compact({{"alg", "RS256"}, {"kid", 7}}, claims());
  expect_rejected(v.verify(input + "." + base64url_encode(sign(rsa_key(), true, input)), kNow),
                  "missing kid");
  expect_rejected(v.verify(rs256(claims(), "rsa-2"), kNow), "unknown kid");
}

// ---- rejected: signature ----

TEST(JwksVerifier, RejectsTamperedPayloadAndSignature) {
  const JwksVerifier v(standard_keys());
  for (const std::string& token : {rs256(claims("alice")), eddsa(claims("alice"))}) {
    auto dot1 = token.find('.'), dot2 = token.rfind('.');
    const std::string forged_payload = base64url_encode(json::serialize(claims("mallory")));
    expect_rejected(v.verify(token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2), kNow),
                    "bad signature");
    std::string flipped = token;
    flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
    expect_rejected(v.verify(flipped, kNow), "bad signature");
    const auto sig = base64url_decode(token.substr(dot2 + 1));
    ASSERT_TRUE(sig);
    const std::string short_sig = base64url_encode(std::string_view(*sig).substr(0, sig->size() - 1));
    expect_rejected(v.verify(token.substr(0, dot2 + 1) + short_sig, kNow), "bad signature");
    expect_rejected(v.verify(token.substr(0, dot2 + 1), kNow), "bad signature");
  }
}

// ---- rejected: claims, for every algorithm ----

TEST(JwksVerifier, ChecksExpAndNbf) {
  const JwksVerifier v(standard_keys());
  auto c = claims();
  c["exp"] = kNow;
  expect_rejected(v.verify(rs256(c), kNow), "token expired");
  expect_rejected(v.verify(eddsa(c), kNow), "token expired");
  c = claims();
  c.erase("exp");
  expect_rejected(v.verify(eddsa(c), kNow), "missing exp");
  c = claims();
  c["nbf"] = kNow + 60;
  expect_rejected(v.verify(rs256(c), kNow), "token not yet valid");
  EXPECT_TRUE(v.verify(rs256(c), kNow + 60).ok());
}

TEST(ClaimRules, IssuerMustMatchWhenConfigured) {
  const JwksVerifier v(standard_keys(), ClaimRules{"https://id.example", ""});
  auto c = claims();
  expect_rejected(v.verify(rs256(c), kNow), "missing iss");
  c["iss"] = "https://evil.example";
  expect_rejected(v.verify(rs256(c), kNow), "wrong issuer");
  c["iss"] = 42;
  expect_rejected(v.verify(rs256(c), kNow), "wrong issuer");
  c["iss"] = "https://id.example";
  EXPECT_TRUE(v.verify(rs256(c), kNow).ok());
  EXPECT_TRUE(v.verify(eddsa(c), kNow).ok());
}

TEST(ClaimRules, AudienceMayBeStringOrArray) {
  const JwksVerifier v(standard_keys(), ClaimRules{"", "parley"});
  auto c = claims();
  expect_rejected(v.verify(eddsa(c), kNow), "missing aud");
  c["aud"] = "other";
  expect_rejected(v.verify(eddsa(c), kNow), "wrong audience");
  c["aud"] = json::array{"a", "b"};
  expect_rejected(v.verify(eddsa(c), kNow), "wrong audience");
  c["aud"] = json::array{"a", 1, "parley"};
  expect_rejected(v.verify(eddsa(c), kNow), "invalid aud");
  c["aud"] = json::object{{"parley", true}};
  expect_rejected(v.verify(eddsa(c), kNow), "invalid aud");
  c["aud"] = "parley";
  EXPECT_TRUE(v.verify(eddsa(c), kNow).ok());
  c["aud"] = json::array{"other", "parley"};
  EXPECT_TRUE(v.verify(eddsa(c), kNow).ok());
  c["aud"] = json::array{};
  expect_rejected(v.verify(eddsa(c), kNow), "wrong audience");
}

TEST(ClaimRules, Hs256ChecksIssuerAndAudienceToo) {
  const Hs256Verifier v(std::string(kSecret), ClaimRules{"issuer", "parley"});
  const json::object header{{"alg", "HS256"}};
  auto c = claims();
  expect_rejected(v.verify(hs256(header, c, kSecret), kNow), "missing iss");
  c["iss"] = "issuer";
  expect_rejected(v.verify(hs256(header, c, kSecret), kNow), "missing aud");
  c["aud"] = "parley";
  EXPECT_TRUE(v.verify(hs256(header, c, kSecret), kNow).ok());
  c["iss"] = "someone";
  expect_rejected(v.verify(hs256(header, c, kSecret), kNow), "wrong issuer");
}

// ---- the composite: routing by alg, algorithm confusion ----

CompositeVerifier both() {
  return CompositeVerifier(std::make_unique<Hs256Verifier>(std::string(kSecret)),
                           std::make_unique<JwksVerifier>(standard_keys()));
}

TEST(CompositeVerifier, RoutesEachAlgorithmToItsVerifier) {
  const auto v = both();
  EXPECT_TRUE(v.verify(hs256({{"alg", "HS256"}}, claims("h"), kSecret), kNow).ok());
  auto r = v.verify(rs256(claims("r")), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, "r");
  auto e = v.verify(eddsa(claims("e")), kNow);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->sub, "e");
}

TEST(CompositeVerifier, Hs256SignedWithThePublicKeyIsRejected) {
  // The classic confusion attack: take the server's RSA public key (public
  // by definition), use its bytes as an HMAC secret, and hope the server
  // verifies "HS256" with "the key for this kid".
  const auto v = both();
  const auto jwk = rsa_jwk(rsa_key(), "rsa-1");
  for (const std::string& secret :
       {json::serialize(jwk), bn_param(rsa_key(), OSSL_PKEY_PARAM_RSA_N),
        std::string(jwk.at("n").as_string())}) {
    const std::string token = hs256({{"alg", "HS256"}, {"kid", "rsa-1"}}, claims(), secret);
    expect_rejected(v.verify(token, kNow), "bad signature");
  }
  // With no HS256 secret configured, the family is refused outright.
  const CompositeVerifier jwks_only(nullptr, std::make_unique<JwksVerifier>(standard_keys()));
  expect_rejected(jwks_only.verify(hs256({{"alg", "HS256"}, {"kid", "rsa-1"}}, claims(),
                                         json::serialize(jwk)),
                                   kNow),
                  "unsupported alg");
  expect_rejected(jwks_only.verify(hs256({{"alg", "HS256"}}, claims(), kSecret), kNow),
                  "unsupported alg");
}

TEST(CompositeVerifier, RejectsNoneAndUnconfiguredFamilies) {
  const auto v = both();
  expect_rejected(v.verify(compact({{"alg", "none"}}, claims()) + ".", kNow), "unsupported alg");
  expect_rejected(v.verify(compact({{"alg", "None"}, {"kid", "rsa-1"}}, claims()) + ".", kNow),
                  "unsupported alg");
  expect_rejected(v.verify(compact({{"typ", "JWT"}}, claims()) + ".", kNow), "unsupported alg");
  const CompositeVerifier hs_only(std::make_unique<Hs256Verifier>(std::string(kSecret)), nullptr);
  expect_rejected(hs_only.verify(rs256(claims()), kNow), "unsupported alg");
  expect_rejected(hs_only.verify(eddsa(claims()), kNow), "unsupported alg");
  const CompositeVerifier none(nullptr, nullptr);
  expect_rejected(none.verify(hs256({{"alg", "HS256"}}, claims(), kSecret), kNow),
                  "unsupported alg");
  expect_rejected(v.verify("", kNow), "missing token");
  expect_rejected(v.verify("a.b", kNow), "token must have three parts");
}

// ---- the key set file ----

void expect_bad_set(const std::string& text, std::string_view fragment) {
  auto r = Jwks::parse(text);
  ASSERT_FALSE(r.ok()) << "accepted: " << text.substr(0, 80);
  EXPECT_EQ(r.error().code, make_error_code(Errc::bad_request));
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(Jwks, RefusesBadSets) {
  expect_bad_set("not json", "not a JSON object");
  expect_bad_set("[]", "not a JSON object");
  expect_bad_set(R"({"keys":[]})", "non-empty array");
  expect_bad_set(R"({"keys":{}})", "non-empty array");
  expect_bad_set(R"({"keys":[1]})", "must be an object");
  auto no_kid = rsa_jwk(rsa_key(), "x");
  no_kid.erase("kid");
  expect_bad_set(key_set({no_kid}), "needs a kid");
  expect_bad_set(key_set({rsa_jwk(rsa_key(), "dup"), ed_jwk(ed_key(), "dup")}), "twice");
}

TEST(Jwks, RefusesKeysNotBoundToOneSupportedAlgorithm) {
  auto rsa = rsa_jwk(rsa_key(), "k");
  rsa["alg"] = "PS256";
  expect_bad_set(key_set({rsa}), "RS256 only");
  rsa["alg"] = "HS256";
  expect_bad_set(key_set({rsa}), "RS256 only");
  auto ed = ed_jwk(ed_key(), "k");
  ed["alg"] = "RS256";
  expect_bad_set(key_set({ed}), "EdDSA only");
  ed = ed_jwk(ed_key(), "k");
  ed["crv"] = "Ed448";
  expect_bad_set(key_set({ed}), "crv Ed25519");
  ed = ed_jwk(ed_key(), "k");
  ed["x"] = base64url_encode("short");
  expect_bad_set(key_set({ed}), "32-byte x");
  expect_bad_set(key_set({{{"kty", "oct"}, {"kid", "k"}, {"k", "c2VjcmV0"}}}), "private key");
  expect_bad_set(key_set({{{"kty", "oct"}, {"kid", "k"}}}), "kty must be RSA or OKP");
  expect_bad_set(key_set({{{"kty", "EC"}, {"kid", "k"}, {"crv", "P-256"}}}),
                 "kty must be RSA or OKP");
  rsa = rsa_jwk(rsa_key(), "k");
  rsa["use"] = "enc";
  expect_bad_set(key_set({rsa}), "use must be");
  rsa = rsa_jwk(rsa_key(), "k");
  rsa["d"] = "AQAB";
  expect_bad_set(key_set({rsa}), "private key");
  rsa = rsa_jwk(rsa_key(), "k");
  rsa["n"] = "not base64!";
  expect_bad_set(key_set({rsa}), "n and e");
}

TEST(Jwks, RefusesShortRsaModulus) {
  const PKey small = generate("RSA", 1024);
  expect_bad_set(key_set({rsa_jwk(small, "small")}), "2048");
}

TEST(Jwks, LoadFileReportsMissingFile) {
  auto r = Jwks::load_file("/nonexistent/jwks.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, make_error_code(Errc::not_found));
}

}  // namespace
}  // namespace parley::auth
