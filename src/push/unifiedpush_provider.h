#pragma once
// UnifiedPush: the distributor gives the app an endpoint URL; the server
// POSTs the payload to it as is (no encryption layer of its own, so the
// payload holds ids only unless previews are on). TTL, Urgency and Topic as
// in RFC 8030, which UnifiedPush servers accept.
#include <cstdint>

#include "push/provider.h"

namespace parley::push {

struct UnifiedPushOptions {
  std::int64_t ttl_s = 86'400;
  std::chrono::milliseconds timeout{10'000};
};

class UnifiedPushProvider final : public Provider {
 public:
  UnifiedPushProvider(HttpClient& http, UnifiedPushOptions options)
      : http_(http), options_(options) {}
  SendResult send(const Device& device, const PushMessage& message) override;

 private:
  HttpClient& http_;
  UnifiedPushOptions options_;
};

}  // namespace parley::push
