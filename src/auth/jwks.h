#pragma once
// A JSON Web Key Set (RFC 7517) of public keys, each bound to exactly one
// signature algorithm: RS256 for RSA keys, EdDSA for Ed25519 (OKP) keys.
// Loaded once at start-up; a bad file is a start-up error, not a silent skip.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace parley::auth {

enum class JwkAlg { rs256, eddsa };

// The JWS "alg" name of each: "RS256", "EdDSA".
std::string_view alg_name(JwkAlg alg);

// Smallest RSA modulus accepted: shorter keys are factorable (NIST SP 800-131A).
inline constexpr int kMinRsaBits = 2048;

class Jwk {
 public:
  Jwk(std::string kid, JwkAlg alg, std::shared_ptr<EVP_PKEY> key)
      : kid_(std::move(kid)), alg_(alg), key_(std::move(key)) {}

  const std::string& kid() const { return kid_; }
  JwkAlg alg() const { return alg_; }
  // True when `signature` is this key's signature over `data` with its own
  // algorithm (RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519).
  bool verify(std::string_view data, std::string_view signature) const;

 private:
  std::string kid_;
  JwkAlg alg_;
  std::shared_ptr<EVP_PKEY> key_;
};

class Jwks {
 public:
  // {"keys":[...]}. Every key needs a unique "kid"; "use", when present, must
  // be "sig"; "alg", when present, must be the one its kty/crv allows; keys
  // carrying private parts, symmetric ("oct") keys, other curves and short
  // RSA moduli are refused (bad_request naming the kid).
  static Result<Jwks> parse(std::string_view json_text);
  static Result<Jwks> load_file(const std::string& path);

  const Jwk* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::vector<Jwk> keys_;
};

}  // namespace parley::auth
