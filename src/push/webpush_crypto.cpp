#include "push/webpush_crypto.h"

#include <openssl/evp.h>

#include <memory>

namespace parley::push {
namespace {

constexpr std::uint32_t kRecordSize = 4096;

Error bad(std::string what) { return make_error(Errc::bad_request, "webpush: " + what); }

struct Keys {
  std::string cek;    // 16 bytes
  std::string nonce;  // 12 bytes
};

// RFC 8291 section 3.4 and RFC 8188 section 2.2; HKDF-Expand to at most 32
// bytes is a single HMAC over info || 0x01.
Keys derive(std::string_view ecdh_secret, std::string_view auth_secret,
            std::string_view ua_public, std::string_view as_public, std::string_view salt) {
  std::string prk_key = hmac_sha256(auth_secret, ecdh_secret);
  std::string key_info = std::string("WebPush: info") + '\0';
  key_info.append(ua_public).append(as_public).push_back('\x01');
  std::string ikm = hmac_sha256(prk_key, key_info);
  std::string prk = hmac_sha256(salt, ikm);
  std::string cek_info = std::string("Content-Encoding: aes128gcm") + '\0' + '\x01';
  std::string nonce_info = std::string("Content-Encoding: nonce") + '\0' + '\x01';
  return {hmac_sha256(prk, cek_info).substr(0, 16), hmac_sha256(prk, nonce_info).substr(0, 12)};
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};

// AES-128-GCM with a 12-byte nonce; encrypting appends the 16-byte tag,
// decrypting checks and strips it.
Result<std::string> aes_gcm(bool encrypt, const Keys& k, std::string_view in) {
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  auto u = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  if (!ctx) return make_error(Errc::internal, "webpush: no cipher context");
  std::string_view data = in;
  std::string_view tag;
  if (!encrypt) {
    if (in.size() < 16) return bad("record shorter than its tag");
    data = in.substr(0, in.size() - 16);
    tag = in.substr(in.size() - 16);
  }
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, u(k.cek), u(k.nonce),
                        encrypt ? 1 : 0) != 1)
    return make_error(Errc::internal, "webpush: cipher init failed");
  std::string out(data.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int n = 0, fin = 0;
  if (EVP_CipherUpdate(ctx.get(), o, &n, u(data), static_cast<int>(data.size())) != 1)
    return make_error(Errc::internal, "webpush: cipher failed");
  if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16,
                                      const_cast<char*>(tag.data())) != 1)
    return make_error(Errc::internal, "webpush: cipher failed");
  if (EVP_CipherFinal_ex(ctx.get(), o + n, &fin) != 1) return bad("authentication failed");
  n += fin;
  if (encrypt) {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + n) != 1)
      return make_error(Errc::internal, "webpush: cipher failed");
    n += 16;
  }
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

Result<std::string> webpush_encrypt(std::string_view plaintext, std::string_view ua_public,
                                    std::string_view auth_secret, const EcKey& sender,
                                    std::string_view salt) {
  if (plaintext.size() > kMaxWebPushPlaintext) return bad("payload too large");
  if (auth_secret.size() != 16) return bad("auth secret must be 16 bytes");
  if (salt.size() != 16) return bad("salt must be 16 bytes");
  auto peer = EcKey::from_public(ua_public);
  if (!peer) return bad("p256dh is not a P-256 public key");
  auto secret = sender.ecdh(*peer);
  if (!secret) return secret.error();
  std::string as_public = sender.public_point();
  Keys k = derive(*secret, auth_secret, ua_public, as_public, salt);
  // One record, the last: the delimiter 0x02 and no further padding.
  std::string padded(plaintext);
  padded.push_back('\x02');
  auto sealed = aes_gcm(true, k, padded);
  if (!sealed) return sealed.error();
  std::string body(salt);
  for (int shift = 24; shift >= 0; shift -= 8)
    body.push_back(static_cast<char>((kRecordSize >> shift) & 0xff));
  body.push_back(static_cast<char>(as_public.size()));
  body += as_public;
  body += *sealed;
  return body;
}

Result<std::string> webpush_encrypt(std::string_view plaintext, std::string_view ua_public,
                                    std::string_view auth_secret) {
  auto sender = EcKey::generate();
  if (!sender) return sender.error();
  return webpush_encrypt(plaintext, ua_public, auth_secret, *sender, random_bytes(16));
}

Result<std::string> webpush_decrypt(std::string_view body, const EcKey& ua_private,
                                    std::string_view auth_secret) {
  if (body.size() < 21) return bad("body shorter than its header");
  std::string_view salt = body.substr(0, 16);
  std::size_t idlen = static_cast<unsigned char>(body[20]);
  if (body.size() < 21 + idlen + 16) return bad("body shorter than its header");
  std::string_view as_public = body.substr(21, idlen);
  auto sender = EcKey::from_public(as_public);
  if (!sender) return bad("keyid is not a P-256 public key");
  auto secret = ua_private.ecdh(*sender);
  if (!secret) return secret.error();
  Keys k = derive(*secret, auth_secret, ua_private.public_point(), as_public, salt);
  auto padded = aes_gcm(false, k, body.substr(21 + idlen));
  if (!padded) return padded.error();
  // Strip the padding: zeros after the last record's 0x02 delimiter.
  auto end = padded->find_last_not_of('\0');
  if (end == std::string::npos || (*padded)[end] != '\x02') return bad("bad record padding");
  padded->resize(end);
  return std::move(*padded);
}

}  // namespace parley::push
