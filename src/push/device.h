#pragma once
// A device that can be woken by a push provider, as registered through
// POST /api/devices (docs/protocol.md, "Push notifications").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::push {

enum class Platform { webpush, unifiedpush, apns, fcm };

std::string_view platform_name(Platform p) noexcept;
std::optional<Platform> parse_platform(std::string_view name) noexcept;

struct Device {
  std::string id;       // "dev_..." (common/ids.h)
  std::string user_id;  // the owner
  Platform platform = Platform::webpush;
  // webpush, unifiedpush: the push resource URL. apns, fcm: unused.
  std::string endpoint;
  // apns: the device token (hex). fcm: the registration token. Else unused.
  std::string token;
  // webpush only: the subscription's P-256 public key (65 bytes, uncompressed)
  // and auth secret (16 bytes), base64url as the browser hands them out.
  std::string p256dh;
  std::string auth;
  std::int64_t created_at = 0;  // ms

  // What identifies the subscription at its provider: registering the same
  // one again updates the existing device instead of adding a second.
  const std::string& address() const {
    return platform == Platform::apns || platform == Platform::fcm ? token : endpoint;
  }
};

}  // namespace parley::push
