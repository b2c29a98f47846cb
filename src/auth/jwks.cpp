#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>

#include "auth/base64url.h"

namespace parley::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t kEd25519KeyBytes = 32;

Error bad(std::string_view kid, std::string what) {
  return make_error(Errc::bad_request,
                    "jwks: key \"" + std::string(kid.substr(0, 64)) + "\": " + std::move(what));
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

std::string member(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// RFC 7518 section 6.3.1: n and e are unsigned big-endian base64url.
Result<std::shared_ptr<EVP_PKEY>> rsa_key(const json::object& o, std::string_view kid) {
  auto n = base64url_decode(member(o, "n"));
  auto e = base64url_decode(member(o, "e"));
  if (!n || !e || n->empty() || e->empty()) return bad(kid, "RSA key needs base64url n and e");
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr),
      BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr),
      BN_free);
  if (!bn_n || !bn_e) return bad(kid, "cannot read n and e");
  if (BN_num_bits(bn_n.get()) < kMinRsaBits)
    return bad(kid, "RSA modulus shorter than " + std::to_string(kMinRsaBits) + " bits");

  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return bad(kid, "cannot build RSA parameters");
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return bad(kid, "not a usable RSA public key");
  return own(key);
}

// RFC 8037 section 2: an OKP key with crv Ed25519 and the raw 32-byte x.
Result<std::shared_ptr<EVP_PKEY>> ed25519_key(const json::object& o, std::string_view kid) {
  if (member(o, "crv") != "Ed25519") return bad(kid, "OKP keys must have crv Ed25519");
  auto x = base64url_decode(member(o, "x"));
  if (!x || x->size() != kEd25519KeyBytes) return bad(kid, "Ed25519 key needs a 32-byte x");
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (key == nullptr) return bad(kid, "not a usable Ed25519 public key");
  return own(key);
}

Result<Jwk> read_key(const json::value& v) {
  if (!v.is_object()) return make_error(Errc::bad_request, "jwks: every key must be an object");
  const json::object& o = v.get_object();
  const std::string kid = member(o, "kid");
  if (kid.empty()) return make_error(Errc::bad_request, "jwks: every key needs a kid");
  if (const json::value* use = o.if_contains("use"); use && (!use->is_string() || use->get_string() != "sig"))
    return bad(kid, "use must be \"sig\"");
  // A verifier holds public keys only: private parts here mean the file was
  // written from the wrong side of the issuer.
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"})
    if (o.contains(secret)) return bad(kid, "holds private key material");

  const std::string kty = member(o, "kty");
  const json::value* alg_v = o.if_contains("alg");
  if (alg_v && !alg_v->is_string()) return bad(kid, "alg must be a string");
  const std::string alg = member(o, "alg");
  if (kty == "RSA") {
    if (alg_v && alg != "RS256") return bad(kid, "RSA keys are accepted for RS256 only");
    auto key = rsa_key(o, kid);
    if (!key) return std::move(key).error();
    return Jwk(kid, JwkAlg::rs256, std::move(*key));
  }
  if (kty == "OKP") {
    if (alg_v && alg != "EdDSA") return bad(kid, "OKP keys are accepted for EdDSA only");
    auto key = ed25519_key(o, kid);
    if (!key) return std::move(key).error();
    return Jwk(kid, JwkAlg::eddsa, std::move(*key));
  }
  return bad(kid, "kty must be RSA or OKP (HS256 uses jwt_secret, not the key set)");
}

}  // namespace

std::string_view alg_name(JwkAlg alg) { return alg == JwkAlg::rs256 ? "RS256" : "EdDSA"; }

bool Jwk::verify(std::string_view data, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) return false;
  // Ed25519 hashes internally and takes no digest; RS256 is PKCS#1 v1.5,
  // OpenSSL's default RSA padding for signatures.
  const EVP_MD* md = alg_ == JwkAlg::rs256 ? EVP_sha256() : nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

Result<Jwks> Jwks::parse(std::string_view json_text) {
  json::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec || !doc.is_object()) return make_error(Errc::bad_request, "jwks: not a JSON object");
  const json::value* keys = doc.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array() || keys->get_array().empty())
    return make_error(Errc::bad_request, "jwks: \"keys\" must be a non-empty array");
  Jwks out;
  for (const json::value& v : keys->get_array()) {
    auto key = read_key(v);
    if (!key) return std::move(key).error();
    // A kid that names two keys would let the token's header pick between them.
    if (out.find(key->kid()) != nullptr) return bad(key->kid(), "kid appears twice");
    out.keys_.push_back(std::move(*key));
  }
  return out;
}

Result<Jwks> Jwks::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot read JWKS file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

const Jwk* Jwks::find(std::string_view kid) const {
  for (const auto& k : keys_)
    if (k.kid() == kid) return &k;
  return nullptr;
}

}  // namespace parley::auth
