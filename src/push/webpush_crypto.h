#pragma once
// Message encryption for Web Push (RFC 8291) in the aes128gcm content coding
// (RFC 8188): ECDH P-256 between a one-off sender key and the subscription's
// key, HKDF-SHA-256 with the subscription's auth secret, AES-128-GCM, one
// record.
#include <string>
#include <string_view>

#include "common/result.h"
#include "push/ec_key.h"

namespace parley::push {

// The largest plaintext one record carries (push services accept 4096-byte
// bodies: 86 bytes of header, 16 of tag, 1 of padding delimiter).
inline constexpr std::size_t kMaxWebPushPlaintext = 4096 - 86 - 16 - 1;

// ua_public: the subscription's p256dh (65 bytes); auth_secret: its auth (16
// bytes). sender and salt are fresh per message; the RFC's test vector
// fixes them, hence the parameters.
Result<std::string> webpush_encrypt(std::string_view plaintext, std::string_view ua_public,
                                    std::string_view auth_secret, const EcKey& sender,
                                    std::string_view salt);

// The same with a fresh sender key and salt: what the provider sends.
Result<std::string> webpush_encrypt(std::string_view plaintext, std::string_view ua_public,
                                    std::string_view auth_secret);

// The user agent's side (the subscription's private key): for the fake push
// service in tests, and to check our own output.
Result<std::string> webpush_decrypt(std::string_view body, const EcKey& ua_private,
                                    std::string_view auth_secret);

}  // namespace parley::push
