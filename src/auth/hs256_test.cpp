#include "auth/hs256.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <string_view>
#include <vector>

#include "auth/base64url.h"

namespace parley::auth {
namespace {

constexpr std::string_view kSecret = "test-secret-0123456789abcdef";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kFarFuture = 4'102'444'800;  // 2100-01-01

// Computed outside this code base at test-writing time:
//   python3: hmac.new(secret, h + "." + p, hashlib.sha256), urlsafe_b64encode,
//   '=' stripped, json.dumps(..., separators=(',', ':')).
constexpr std::string_view kVectorSecret = "parley-known-vector-secret";
// {"alg":"HS256","typ":"JWT"} . {"sub":"alice@example.com","iat":1700000000,"exp":4102444800}
constexpr std::string_view kVectorToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ."
    "FES4ccL2TILvJDL8z40TKMqmZWEaKhyvFakbGdmyTow";
// { "typ": "jwt", "alg": "HS256" } . {"exp": 4102444800, "nbf": 1600000000, "sub": "user:42"}
// (whitespace, other key order, lower-case typ: not what sign_hs256 writes)
constexpr std::string_view kVectorToken2 =
    "eyAidHlwIjogImp3dCIsICJhbGciOiAiSFMyNTYiIH0."
    "eyJleHAiOiA0MTAyNDQ0ODAwLCAibmJmIjogMTYwMDAwMDAwMCwgInN1YiI6ICJ1c2VyOjQyIn0."
    "PfbT0q_AppblzLmi1A4F2w6evx9rSW5m3PlXKNeHtHU";

std::string raw_hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Builds a token from raw JSON text, correctly HMAC-SHA256 signed, so each
// test exercises exactly one rule rather than tripping over the signature.
std::string forge(std::string_view header_json, std::string_view payload_json,
                  std::string_view secret = kSecret) {
  std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return signing_input + "." + base64url_encode(raw_hmac(secret, signing_input));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

std::string payload_with_sub(std::string_view sub_json) {
  return std::string(R"({"sub":)") + std::string(sub_json) + R"(,"exp":4102444800})";
}

Claims alice() {
  Claims c;
  c.sub = "alice";
  c.iat = kNow - 10;
  c.exp = kNow + 3600;
  return c;
}

std::vector<std::string> split(std::string_view token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = token.find('.', start);
    parts.emplace_back(token.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Every rejection: unauthorized, a reason, and no piece of the token in it.
void expect_rejected(const Result<Claims>& r, std::string_view token, std::string_view reason = {}) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, make_error_code(Errc::unauthorized));
  EXPECT_FALSE(r.error().message.empty());
  if (!reason.empty()) {
    EXPECT_EQ(r.error().message, reason);
  }
  for (const std::string& part : split(token)) {
    if (part.size() >= 8) {
      EXPECT_EQ(r.error().message.find(part), std::string::npos);
    }
  }
}

void expect_rejected(const Hs256Verifier& v, const std::string& token, std::string_view reason = {},
                     std::int64_t now = kNow) {
  expect_rejected(v.verify(token, now), token, reason);
}

// --- signing and known vectors ---

TEST(Hs256, RoundTrip) {
  Claims in = alice();
  in.nbf = kNow - 5;
  const Hs256Verifier v{std::string(kSecret)};
  const TokenVerifier& as_interface = v;
  auto r = as_interface.verify(sign_hs256(in, kSecret), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, in.sub);
  EXPECT_EQ(r->exp, in.exp);
  EXPECT_EQ(r->iat, in.iat);
  EXPECT_EQ(r->nbf, in.nbf);
}

TEST(Hs256, SignWritesFixedHeaderAndOmitsZeroNbf) {
  const auto parts = split(sign_hs256(alice(), kSecret));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(base64url_decode(parts[0]), std::string(kHeader));
  const auto payload = base64url_decode(parts[1]);
  ASSERT_TRUE(payload);
  EXPECT_EQ(payload->find("nbf"), std::string::npos);
  EXPECT_NE(payload->find(R"("sub":"alice")"), std::string::npos);
}

TEST(Hs256, SignMatchesIndependentVector) {
  Claims c;
  c.sub = "alice@example.com";
  c.iat = 1'700'000'000;
  c.exp = kFarFuture;
  EXPECT_EQ(sign_hs256(c, kVectorSecret), kVectorToken);
}

TEST(Hs256, VerifiesIndependentVectors) {
  const Hs256Verifier v{std::string(kVectorSecret)};
  auto r = v.verify(kVectorToken, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sub, "alice@example.com");
  EXPECT_EQ(r->iat, 1'700'000'000);
  EXPECT_EQ(r->exp, kFarFuture);
  EXPECT_EQ(r->nbf, 0);

  auto r2 = v.verify(kVectorToken2, kNow);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2->sub, "user:42");
  EXPECT_EQ(r2->nbf, 1'600'000'000);
  EXPECT_EQ(r2->iat, 0);
}

TEST(Hs256, Rfc7515ExampleSignatureChecksButLacksSub) {
  // RFC 7515 appendix A.1: a correct HS256 signature over a payload with no
  // "sub" (and long expired). Failing on "missing sub", not "bad signature",
  // shows the MAC and the base64url key decoding agree with the RFC.
  const auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key);
  const Hs256Verifier v{*key};
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  expect_rejected(v, token, "missing sub", 1'300'819'000);
}

// --- signature ---

TEST(Hs256, RejectsWrongSecret) {
  const Hs256Verifier v{"another-secret"};
  expect_rejected(v, sign_hs256(alice(), kSecret), "bad signature");
}

TEST(Hs256, RejectsTamperedPayload) {
  const Hs256Verifier v{std::string(kSecret)};
  auto parts = split(sign_hs256(alice(), kSecret));
  Claims mallory = alice();
  mallory.sub = "mallory";
  parts[1] = split(sign_hs256(mallory, "whatever"))[1];
  expect_rejected(v, parts[0] + "." + parts[1] + "." + parts[2], "bad signature");
}

TEST(Hs256, RejectsTamperedOrTruncatedSignature) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string token = sign_hs256(alice(), kSecret);
  std::string flipped = token;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  expect_rejected(v, flipped, "bad signature");
  expect_rejected(v, token.substr(0, token.size() - 3), "bad signature");  // 30 bytes
  expect_rejected(v, token.substr(0, token.rfind('.') + 1));               // empty signature
}

TEST(Hs256, EmptySecretFailsClosed) {
  const Hs256Verifier v{""};
  expect_rejected(v, sign_hs256(alice(), ""), "verifier has no secret");
}

// --- header / alg allowlist ---

TEST(Hs256, RejectsAlgNoneWithEmptySignature) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string token = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                            base64url_encode(payload_with_sub(R"("alice")")) + ".";
  expect_rejected(v, token, "unsupported alg");
  // Even with a valid HMAC attached, "none" is not on the list.
  expect_rejected(v, forge(R"({"alg":"none"})", payload_with_sub(R"("alice")")), "unsupported alg");
}

TEST(Hs256, RejectsOtherAlgorithms) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string payload = payload_with_sub(R"("alice")");
  for (const char* header :
       {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"HS256 ","typ":"JWT"})",
        R"({"alg":"None"})", R"({"alg":["HS256"]})", R"({"alg":null})", R"({"typ":"JWT"})"}) {
    SCOPED_TRACE(header);
    expect_rejected(v, forge(header, payload), "unsupported alg");
  }
}

TEST(Hs256, TypIsOptionalAndCaseInsensitive) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string payload = payload_with_sub(R"("alice")");
  EXPECT_TRUE(v.verify(forge(R"({"alg":"HS256"})", payload), kNow).ok());
  EXPECT_TRUE(v.verify(forge(R"({"alg":"HS256","typ":"jwt"})", payload), kNow).ok());
  expect_rejected(v, forge(R"({"alg":"HS256","typ":"JWS"})", payload), "unsupported typ");
  expect_rejected(v, forge(R"({"alg":"HS256","typ":1})", payload), "unsupported typ");
}

TEST(Hs256, RejectsCritHeader) {
  const Hs256Verifier v{std::string(kSecret)};
  expect_rejected(v, forge(R"({"alg":"HS256","crit":["exp"]})", payload_with_sub(R"("alice")")),
                  "unsupported crit");
}

TEST(Hs256, RejectsMalformedHeader) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string payload = payload_with_sub(R"("alice")");
  expect_rejected(v, forge("not json", payload), "bad header");
  expect_rejected(v, forge(R"(["HS256"])", payload), "bad header");
  expect_rejected(v, forge(R"({"alg":"HS256",})", payload), "bad header");  // trailing comma
  expect_rejected(v, forge("", payload), "bad header");
}

// --- structure and encoding ---

TEST(Hs256, RejectsWrongNumberOfParts) {
  const Hs256Verifier v{std::string(kSecret)};
  const auto p = split(sign_hs256(alice(), kSecret));
  expect_rejected(v, p[0] + "." + p[1], "token must have three parts");
  expect_rejected(v, p[0] + "." + p[1] + "." + p[2] + "." + p[2], "token must have three parts");
  expect_rejected(v, p[0] + "." + p[1] + "." + p[2] + ".", "token must have three parts");
  expect_rejected(v, p[0], "token must have three parts");
  expect_rejected(v, "..", "bad header");
  expect_rejected(v, "", "missing token");
}

TEST(Hs256, RejectsBadBase64) {
  const Hs256Verifier v{std::string(kSecret)};
  const auto p = split(sign_hs256(alice(), kSecret));
  expect_rejected(v, "eyJ*bGciOiJIUzI1NiJ9." + p[1] + "." + p[2], "bad header encoding");
  expect_rejected(v, p[0] + "." + p[1] + "." + p[2] + "+", "bad signature encoding");
  // Padding is well-formed base64url but not allowed in a JWS part.
  expect_rejected(v, p[0] + "." + p[1] + "." + p[2] + "=", "bad signature encoding");
  // A payload part that is not base64url but is covered by a valid MAC.
  const std::string input = p[0] + ".e30!";
  expect_rejected(v, input + "." + base64url_encode(raw_hmac(kSecret, input)),
                  "bad payload encoding");
}

TEST(Hs256, RejectsHugeToken) {
  const Hs256Verifier v{std::string(kSecret)};
  // Correctly signed and otherwise valid: only its size is wrong.
  const std::string padded = R"({"sub":"alice","exp":4102444800,"pad":")" +
                             std::string(kMaxTokenBytes, 'x') + R"("})";
  expect_rejected(v, forge(kHeader, padded), "token too long");
  expect_rejected(v, std::string(kMaxTokenBytes + 1, 'A'), "token too long");
}

// --- payload / claims ---

TEST(Hs256, RejectsNonObjectPayload) {
  const Hs256Verifier v{std::string(kSecret)};
  for (const char* payload : {"[1,2,3]", R"("alice")", "42", "null", "{", "", R"({"sub":"a"} x)"}) {
    SCOPED_TRACE(payload);
    expect_rejected(v, forge(kHeader, payload), "payload is not a JSON object");
  }
}

TEST(Hs256, RejectsMissingOrBadSub) {
  const Hs256Verifier v{std::string(kSecret)};
  expect_rejected(v, forge(kHeader, R"({"exp":4102444800})"), "missing sub");
  expect_rejected(v, forge(kHeader, payload_with_sub("42")), "missing sub");
  expect_rejected(v, forge(kHeader, payload_with_sub("null")), "missing sub");
  for (const std::string& sub : std::vector<std::string>{
           R"("")", R"("alice smith")", R"("a/b")", R"("al\nice")", R"("caf\u00e9")", R"("a\u0000b")",
        "\"" + std::string(kMaxSubjectBytes + 1, 'a') + "\""}) {
    SCOPED_TRACE(sub);
    expect_rejected(v, forge(kHeader, payload_with_sub(sub)), "invalid sub");
  }
}

TEST(Hs256, AcceptsSubAlphabetAndMaxLength) {
  const Hs256Verifier v{std::string(kSecret)};
  for (const std::string& sub : {std::string("Az09_.@:-"), std::string(kMaxSubjectBytes, 'a')}) {
    auto r = v.verify(forge(kHeader, payload_with_sub("\"" + sub + "\"")), kNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->sub, sub);
  }
}

TEST(Hs256, RejectsExpiredAtTheBoundary) {
  const Hs256Verifier v{std::string(kSecret)};
  const Claims c = alice();
  const std::string token = sign_hs256(c, kSecret);
  EXPECT_TRUE(v.verify(token, c.exp - 1).ok());
  expect_rejected(v, token, "token expired", c.exp);  // exp must be > now
  expect_rejected(v, token, "token expired", c.exp + 1);
}

TEST(Hs256, RejectsMissingOrNonNumericExp) {
  const Hs256Verifier v{std::string(kSecret)};
  expect_rejected(v, forge(kHeader, R"({"sub":"alice"})"), "missing exp");
  for (const char* exp : {R"("4102444800")", "true", "null", "[4102444800]", "1e300",
                          "18446744073709551615"}) {
    SCOPED_TRACE(exp);
    expect_rejected(v, forge(kHeader, std::string(R"({"sub":"alice","exp":)") + exp + "}"),
                    "invalid exp");
  }
}

TEST(Hs256, AcceptsFractionalExpRoundedDown) {
  const Hs256Verifier v{std::string(kSecret)};
  const std::string token = forge(kHeader, R"({"sub":"alice","exp":1700000000.5})");
  auto r = v.verify(token, kNow - 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exp, kNow);
  expect_rejected(v, token, "token expired", kNow);
}

TEST(Hs256, RejectsNbfInFuture) {
  const Hs256Verifier v{std::string(kSecret)};
  Claims c = alice();
  c.nbf = kNow + 60;
  const std::string token = sign_hs256(c, kSecret);
  expect_rejected(v, token, "token not yet valid", kNow);
  expect_rejected(v, token, "token not yet valid", c.nbf - 1);
  EXPECT_TRUE(v.verify(token, c.nbf).ok());  // nbf <= now
  expect_rejected(v, forge(kHeader, R"({"sub":"alice","exp":4102444800,"nbf":"0"})"),
                  "invalid nbf");
}

TEST(Hs256, IatIsOptionalButMustBeNumeric) {
  const Hs256Verifier v{std::string(kSecret)};
  auto r = v.verify(forge(kHeader, R"({"sub":"alice","exp":4102444800})"), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->iat, 0);
  expect_rejected(v, forge(kHeader, R"({"sub":"alice","exp":4102444800,"iat":"now"})"),
                  "invalid iat");
}

}  // namespace
}  // namespace parley::auth
