#pragma once
// Apple Push Notification service, token-based: POST
// {base_url}/3/device/{token} over HTTP/2 with an ES256 provider token
// (kid = key id, iss = team id), renewed every 50 minutes (APNs refuses
// tokens older than an hour and too-frequent renewals).
#include <chrono>
#include <mutex>
#include <string>

#include "push/ec_key.h"
#include "push/provider.h"
#include "push/push_config.h"

namespace parley::push {

class ApnsProvider final : public Provider {
 public:
  ApnsProvider(HttpClient& http, EcKey key, ApnsConfig config, std::chrono::milliseconds timeout)
      : http_(http), key_(std::move(key)), config_(std::move(config)), timeout_(timeout) {}
  SendResult send(const Device& device, const PushMessage& message) override;

 private:
  Result<std::string> provider_token();

  HttpClient& http_;
  EcKey key_;
  ApnsConfig config_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::string token_;
  std::int64_t token_iat_ = 0;  // s
};

}  // namespace parley::push
