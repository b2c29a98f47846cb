// Tokens beyond HS256 (RS256 and EdDSA from a --jwks file), algorithm
// confusion, iss/aud, and a token that expires while its connection is open.
// Keys are generated here; the server sees only the public halves.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "support.h"

namespace bb {
namespace {

using PKey = std::shared_ptr<EVP_PKEY>;

PKey generate(const char* type, size_t rsa_bits = 0) {
  EVP_PKEY* k = rsa_bits ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, rsa_bits)
                         : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  if (!k) fail("key generation failed");
  return PKey(k, EVP_PKEY_free);
}

const PKey& rsa_key() {
  static const PKey k = generate("RSA", 2048);
  return k;
}
const PKey& ed_key() {
  static const PKey k = generate("ED25519");
  return k;
}

std::string bn_param(const PKey& key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) fail("no RSA parameter");
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

json::object rsa_jwk() {
  return {{"kty", "RSA"}, {"kid", "rsa-1"}, {"alg", "RS256"}, {"use", "sig"},
          {"n", base64url(bn_param(rsa_key(), OSSL_PKEY_PARAM_RSA_N))},
          {"e", base64url(bn_param(rsa_key(), OSSL_PKEY_PARAM_RSA_E))}};
}

json::object ed_jwk() {
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(ed_key().get(), raw, &len);
  return {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "ed-1"}, {"alg", "EdDSA"},
          {"x", base64url(std::string(reinterpret_cast<char*>(raw), len))}};
}

std::string rsa_public_pem() {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), rsa_key().get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string sign(const PKey& key, bool rsa, const std::string& data) {
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

std::string signed_token(const json::object& header, const json::object& payload, const PKey& key,
                         bool rsa) {
  std::string input = base64url(json::serialize(header)) + "." + base64url(json::serialize(payload));
  return input + "." + base64url(sign(key, rsa, input));
}

json::object claims(const std::string& user, long long ttl_s = 3600) {
  return {{"sub", user}, {"iat", unix_now_s()}, {"exp", unix_now_s() + ttl_s}};
}

std::string rs256(const json::object& payload, const std::string& kid = "rsa-1") {
  return signed_token({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid}}, payload, rsa_key(), true);
}

std::string eddsa(const json::object& payload, const std::string& kid = "ed-1") {
  return signed_token({{"alg", "EdDSA"}, {"kid", kid}}, payload, ed_key(), false);
}

// A server with a JWKS file of one RSA and one Ed25519 public key.
class JwksTest : public BlackboxTest {
 protected:
  std::vector<std::string> server_args() override {
    jwks_path_ = std::filesystem::temp_directory_path() / unique_id("parley-jwks");
    jwks_path_ += "-" + std::to_string(::getpid()) + ".json";
    std::ofstream(jwks_path_) << json::serialize(json::object{{"keys", json::array{rsa_jwk(), ed_jwk()}}});
    return {"--jwks", jwks_path_.string()};
  }
  void TearDown() override {
    BlackboxTest::TearDown();
    std::error_code ec;
    std::filesystem::remove(jwks_path_, ec);
  }

  // The upgrade with `tok` is refused with 401 unauthorized, and REST too.
  void expect_refused(const std::string& tok, const std::string& what) {
    auto res = http().raw_upgrade("/ws", {{"Authorization", "Bearer " + tok}});
    EXPECT_EQ(res.status, 401) << what << ": " << res.error << " " << res.body;
    EXPECT_EQ(res.error_code(), "unauthorized") << what << ": " << res.body;
    auto rest = http().get("/api/conversations", tok);
    EXPECT_EQ(rest.status, 401) << what << " (REST): " << rest.body;
  }

  // The upgrade with `tok` succeeds and hello names `user`.
  void expect_accepted(const std::string& tok, const std::string& user) {
    WsClient ws;
    auto r = ws.connect(port(), tok);
    ASSERT_TRUE(r.ok) << r.error << " HTTP " << r.http_status << " " << r.body;
    auto hello = ws.next_frame(5s);
    ASSERT_TRUE(hello);
    EXPECT_EQ(str(*hello, "type"), "hello");
    EXPECT_EQ(str(*hello, "user_id"), user);
    EXPECT_EQ(http().get("/api/conversations", tok).status, 200);
  }

  std::filesystem::path jwks_path_;
};

TEST_F(JwksTest, Rs256AndEdDsaTokensAreAccepted) {
  expect_accepted(rs256(claims("rsa-user")), "rsa-user");
  expect_accepted(eddsa(claims("ed-user")), "ed-user");
  // HS256 with the server's secret still works beside them.
  expect_accepted(token("hs-user"), "hs-user");
}

TEST_F(JwksTest, MessagesFlowBetweenUsersOfDifferentAlgorithms) {
  auto conv = create_group("alice", {"rsa-user"});
  WsClient ws;
  ASSERT_TRUE(ws.connect(port(), rs256(claims("rsa-user"))).ok);
  ASSERT_TRUE(ws.wait_for("hello", {}, 5s));
  auto alice = connect("alice");
  auto ack = send_message(ws, conv, "signed by RSA");
  expect_message(*alice, conv, str(ack, "client_msg_id"));
}

TEST_F(JwksTest, AlgNoneIsRefused) {
  const auto payload = base64url(json::serialize(claims("mallory")));
  expect_refused(base64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".", "alg none");
  expect_refused(base64url(R"({"alg":"none","kid":"rsa-1"})") + "." + payload + ".", "alg none + kid");
}

TEST_F(JwksTest, Hs256SignedWithThePublicKeyIsRefused) {
  // Algorithm confusion: the attacker knows the public key and uses it as
  // an HMAC secret, hoping the server verifies "HS256" with the key for kid.
  for (const std::string& secret :
       {json::serialize(rsa_jwk()), rsa_public_pem(), bn_param(rsa_key(), OSSL_PKEY_PARAM_RSA_N)}) {
    expect_refused(craft_jwt({{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}}, claims("mallory"),
                             secret),
                   "HS256 with the public key as secret");
  }
}

TEST_F(JwksTest, KeyOfOneAlgorithmCannotVerifyAnother) {
  // Valid signatures, but the header's alg is not the one the kid's key is bound to.
  expect_refused(signed_token({{"alg", "RS256"}, {"kid", "ed-1"}}, claims("m"), rsa_key(), true),
                 "RS256 naming the Ed25519 key");
  expect_refused(signed_token({{"alg", "EdDSA"}, {"kid", "rsa-1"}}, claims("m"), ed_key(), false),
                 "EdDSA naming the RSA key");
  expect_refused(signed_token({{"alg", "PS256"}, {"kid", "rsa-1"}}, claims("m"), rsa_key(), true),
                 "PS256");
}

TEST_F(JwksTest, UnknownKidExpiredAndForgedAreRefused) {
  expect_refused(rs256(claims("m"), "rsa-2"), "unknown kid");
  expect_refused(signed_token({{"alg", "RS256"}}, claims("m"), rsa_key(), true), "no kid");
  expect_refused(rs256(claims("m", -10)), "expired");
  auto other = generate("ED25519");
  expect_refused(signed_token({{"alg", "EdDSA"}, {"kid", "ed-1"}}, claims("m"), other, false),
                 "signed by another key");
  auto nbf = claims("m");
  nbf["nbf"] = unix_now_s() + 600;
  expect_refused(eddsa(nbf), "not yet valid");
}

// The same, with iss and aud required.
class IssuerAudienceTest : public JwksTest {
 protected:
  std::vector<std::string> server_args() override {
    auto args = JwksTest::server_args();
    args.insert(args.end(), {"--jwt-issuer", "https://id.example", "--jwt-audience", "parley"});
    return args;
  }
  json::object with(json::object c, json::value iss, json::value aud) {
    if (!iss.is_null()) c["iss"] = iss;
    if (!aud.is_null()) c["aud"] = aud;
    return c;
  }
};

TEST_F(IssuerAudienceTest, RightIssuerAndAudienceAreAccepted) {
  expect_accepted(rs256(with(claims("u1"), "https://id.example", "parley")), "u1");
  expect_accepted(eddsa(with(claims("u2"), "https://id.example", json::array{"other", "parley"})),
                  "u2");
}

TEST_F(IssuerAudienceTest, WrongOrMissingIssuerOrAudienceIsRefused) {
  expect_refused(rs256(with(claims("m"), "https://evil.example", "parley")), "wrong iss");
  expect_refused(rs256(with(claims("m"), nullptr, "parley")), "missing iss");
  expect_refused(eddsa(with(claims("m"), "https://id.example", "other")), "wrong aud");
  expect_refused(eddsa(with(claims("m"), "https://id.example", json::array{"a", "b"})),
                 "aud array without us");
  expect_refused(eddsa(with(claims("m"), "https://id.example", nullptr)), "missing aud");
  // `parley token` writes neither claim: refused here too.
  expect_refused(token("hs-user"), "HS256 token without iss/aud");
}

// ---- expiry mid-connection and refresh ----

class TokenExpiryTest : public BlackboxTest {
 protected:
  // An HS256 token for `user` that expires in `ttl_s` seconds.
  std::string short_token(const std::string& user, long long ttl_s) {
    return craft_hs256(user, ttl_s, server().secret());
  }
  std::unique_ptr<WsClient> open(const std::string& tok) {
    auto ws = std::make_unique<WsClient>();
    auto r = ws->connect(port(), tok);
    require(r.ok, "connect: " + r.error + " " + r.body);
    require(ws->wait_for("hello", {}, 5s).has_value(), "no hello");
    return ws;
  }
  json::object refresh(WsClient& ws, const std::string& tok) {
    return request(ws, {{"type", "refresh"}, {"token", tok}});
  }
};

TEST_F(TokenExpiryTest, ExpiredTokenClosesTheConnectionWith4001) {
  const long long exp = unix_now_s() + 2;
  auto ws = open(short_token("alice", 2));
  auto other = connect("bob");  // an hour-long token: unaffected
  auto closed = ws->wait_closed(8s);
  ASSERT_TRUE(closed) << "connection outlived its token";
  EXPECT_EQ(closed->code, 4001) << closed->reason;
  EXPECT_EQ(closed->reason, "token expired");
  EXPECT_GE(unix_now_ms(), exp * 1000) << "closed before the token expired";
  EXPECT_TRUE(other->ping_pong());
}

TEST_F(TokenExpiryTest, RefreshKeepsTheConnectionPastTheOldExpiry) {
  const long long old_exp = unix_now_s() + 2;
  auto ws = open(short_token("alice", 2));
  auto reply = refresh(*ws, short_token("alice", 3600));
  ASSERT_EQ(str(reply, "type"), "ok") << dump(reply);
  // Await a close until well past the old expiry: none may come.
  const auto past_old = std::chrono::milliseconds(old_exp * 1000 + 1500 - unix_now_ms());
  auto closed = ws->wait_closed(past_old);
  EXPECT_FALSE(closed) << "closed with " << closed->code << " " << closed->reason;
  EXPECT_TRUE(ws->ping_pong());
}

TEST_F(TokenExpiryTest, RefreshWithAnotherUsersTokenIsRefusedAndExpiryStands) {
  auto ws = open(short_token("alice", 2));
  auto reply = refresh(*ws, short_token("mallory", 3600));
  EXPECT_EQ(str(reply, "type"), "error") << dump(reply);
  EXPECT_EQ(str(reply, "code"), "forbidden") << dump(reply);
  auto bad = refresh(*ws, short_token("alice", 3600) + "x");
  EXPECT_EQ(str(bad, "type"), "error") << dump(bad);
  EXPECT_EQ(str(bad, "code"), "unauthorized") << dump(bad);
  auto expired = refresh(*ws, short_token("alice", -5));
  EXPECT_EQ(str(expired, "code"), "unauthorized") << dump(expired);
  // The connection stays usable until its own token runs out, then closes.
  EXPECT_TRUE(ws->ping_pong());
  auto closed = ws->wait_closed(8s);
  ASSERT_TRUE(closed) << "connection outlived its token";
  EXPECT_EQ(closed->code, 4001) << closed->reason;
}

TEST_F(TokenExpiryTest, RefreshFrameNeedsAToken) {
  auto ws = connect("alice");
  expect_error(*ws, {{"type", "refresh"}}, "bad_request");
  expect_error(*ws, {{"type", "refresh"}, {"token", 42}}, "bad_request");
  expect_error(*ws, {{"type", "refresh"}, {"token", ""}}, "bad_request");
  EXPECT_TRUE(ws->ping_pong());
}

}  // namespace
}  // namespace bb
