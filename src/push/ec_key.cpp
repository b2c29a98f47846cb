#include "push/ec_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace parley::push {
namespace {

Error crypto_error(std::string what) { return make_error(Errc::internal, "crypto: " + what); }

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { F(p); }
};
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using Point = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Sig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Builds a key from OSSL_PARAMs (group name, public point, maybe private).
Result<EVP_PKEY*> from_params(std::string_view point, const BIGNUM* priv) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                               "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()) ||
      (priv && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv)))
    return crypto_error("building key parameters");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) <= 0)
    return crypto_error("not a P-256 key");
  return key;
}

}  // namespace

void EcKey::Free::operator()(evp_pkey_st* k) const noexcept { EVP_PKEY_free(k); }

Result<EcKey> EcKey::generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!k) return crypto_error("key generation failed");
  return EcKey(k);
}

Result<EcKey> EcKey::from_private(std::string_view scalar) {
  if (scalar.size() != 32) return crypto_error("a P-256 private key is 32 bytes");
  Bn d(BN_bin2bn(bytes(scalar), 32, nullptr));
  Group group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!d || !group) return crypto_error("bad private key");
  Point pub(EC_POINT_new(group.get()));
  if (!pub || !EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr, nullptr))
    return crypto_error("bad private key");
  unsigned char point[65];
  if (EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point,
                         sizeof point, nullptr) != sizeof point)
    return crypto_error("bad private key");
  auto key = from_params(std::string_view(reinterpret_cast<char*>(point), sizeof point), d.get());
  if (!key) return key.error();
  return EcKey(*key);
}

Result<EcKey> EcKey::from_public(std::string_view point) {
  if (point.size() != 65 || point[0] != 0x04)
    return crypto_error("a P-256 public key is 65 bytes, uncompressed");
  auto key = from_params(point, nullptr);
  if (!key) return key.error();
  return EcKey(*key);
}

Result<EcKey> EcKey::from_pem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!k) return crypto_error("not a PEM private key");
  EcKey key(k);
  if (!EVP_PKEY_is_a(k, "EC") || EVP_PKEY_get_bits(k) != 256)
    return crypto_error("not a P-256 key");
  return key;
}

std::string EcKey::public_point() const {
  unsigned char* out = nullptr;
  std::size_t n = EVP_PKEY_get1_encoded_public_key(key_.get(), &out);
  std::string point(reinterpret_cast<char*>(out), n);
  OPENSSL_free(out);
  return point;
}

std::string EcKey::private_scalar() const {
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw)) return {};
  Bn d(raw);
  std::string out(32, '\0');
  BN_bn2binpad(d.get(), reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

std::string EcKey::to_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr))
    return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> EcKey::ecdh(const EcKey& peer) const {
  PkeyCtx ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  std::size_t n = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.key_.get()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &n) <= 0)
    return crypto_error("ECDH failed");
  std::string secret(n, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &n) <= 0)
    return crypto_error("ECDH failed");
  secret.resize(n);
  return secret;
}

Result<std::string> EcKey::sign_es256(std::string_view data) const {
  MdCtx md(EVP_MD_CTX_new());
  std::size_t n = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) <= 0 ||
      EVP_DigestSign(md.get(), nullptr, &n, bytes(data), data.size()) <= 0)
    return crypto_error("signing failed");
  std::string der(n, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(der.data()), &n, bytes(data),
                     data.size()) <= 0)
    return crypto_error("signing failed");
  const unsigned char* p = bytes(der);
  Sig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(n)));
  if (!sig) return crypto_error("signing failed");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32);
  return raw;
}

bool EcKey::verify_es256(std::string_view data, std::string_view signature) const {
  if (signature.size() != 64) return false;
  Sig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(signature), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature) + 32, 32, nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return false;
  MdCtx md(EVP_MD_CTX_new());
  bool ok = md &&
            EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) > 0 &&
            EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(n), bytes(data),
                             data.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
            out, &n))
    throw std::runtime_error("HMAC-SHA256 failed");  // only when OpenSSL itself is broken
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");  // no entropy: nothing safe to do
  return out;
}

}  // namespace parley::push
