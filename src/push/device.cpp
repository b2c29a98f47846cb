#include "push/device.h"

namespace parley::push {

std::string_view platform_name(Platform p) noexcept {
  switch (p) {
    case Platform::webpush: return "webpush";
    case Platform::unifiedpush: return "unifiedpush";
    case Platform::apns: return "apns";
    case Platform::fcm: return "fcm";
  }
  return "webpush";
}

std::optional<Platform> parse_platform(std::string_view name) noexcept {
  for (auto p : {Platform::webpush, Platform::unifiedpush, Platform::apns, Platform::fcm})
    if (platform_name(p) == name) return p;
  return std::nullopt;
}

}  // namespace parley::push
