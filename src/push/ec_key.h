#pragma once
// P-256 keys through OpenSSL 3 (EVP): what Web Push (ECDH, RFC 8291), VAPID
// (RFC 8292) and APNs provider tokens (ES256) need, and nothing else.
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct evp_pkey_st;

namespace parley::push {

class EcKey {
 public:
  // A fresh random key pair.
  static Result<EcKey> generate();
  // From the 32-byte private scalar (the public point is derived).
  static Result<EcKey> from_private(std::string_view scalar);
  // A public key from its 65-byte uncompressed point (0x04 || X || Y).
  static Result<EcKey> from_public(std::string_view point);
  // From PEM: PKCS#8 ("BEGIN PRIVATE KEY", as APNs .p8 files) or SEC1.
  static Result<EcKey> from_pem(std::string_view pem);

  // The 65-byte uncompressed public point.
  std::string public_point() const;
  // The 32-byte private scalar; empty for a public key.
  std::string private_scalar() const;
  // PKCS#8 PEM of the private key.
  std::string to_pem() const;

  // The raw ECDH shared secret (32 bytes, the X coordinate) with peer.
  Result<std::string> ecdh(const EcKey& peer) const;
  // ES256 (JWS, RFC 7518 3.4): SHA-256 and ECDSA, the signature as R || S,
  // 32 bytes each, not DER.
  Result<std::string> sign_es256(std::string_view data) const;
  bool verify_es256(std::string_view data, std::string_view signature) const;

  evp_pkey_st* get() const { return key_.get(); }

 private:
  struct Free {
    void operator()(evp_pkey_st* k) const noexcept;
  };
  explicit EcKey(evp_pkey_st* k) : key_(k, Free{}) {}
  std::shared_ptr<evp_pkey_st> key_;
};

// HMAC-SHA-256, the PRF of HKDF (RFC 5869) as RFC 8291 spells it out.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Cryptographically random bytes.
std::string random_bytes(std::size_t n);

}  // namespace parley::push
