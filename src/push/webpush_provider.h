#pragma once
// Web Push (RFC 8030): POST to the subscription's endpoint, payload
// encrypted for the subscription (RFC 8291, aes128gcm), the server
// identified by VAPID (RFC 8292). Topic collapses a conversation's pushes
// still waiting at the push service into the latest.
#include <cstdint>
#include <string>

#include "push/ec_key.h"
#include "push/provider.h"

namespace parley::push {

struct WebPushOptions {
  std::string subject;  // VAPID sub
  std::int64_t ttl_s = 86'400;
  std::chrono::milliseconds timeout{10'000};
};

class WebPushProvider final : public Provider {
 public:
  WebPushProvider(HttpClient& http, EcKey vapid, WebPushOptions options)
      : http_(http), vapid_(std::move(vapid)), options_(std::move(options)) {}
  SendResult send(const Device& device, const PushMessage& message) override;

 private:
  HttpClient& http_;
  EcKey vapid_;
  WebPushOptions options_;
};

}  // namespace parley::push
