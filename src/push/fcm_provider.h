#pragma once
// Firebase Cloud Messaging, HTTP v1: POST
// {base_url}/v1/projects/{project_id}/messages:send with an OAuth 2 bearer
// token and {"message":{"token":..,"data":{..},"android":{"collapse_key":..}}}.
// Data-only: the app decides what to show (FCM data values are strings).
#include <chrono>
#include <mutex>
#include <string>

#include "push/provider.h"
#include "push/push_config.h"

namespace parley::push {

class FcmProvider final : public Provider {
 public:
  FcmProvider(HttpClient& http, FcmConfig config, std::chrono::milliseconds timeout)
      : http_(http), config_(std::move(config)), timeout_(timeout) {}
  SendResult send(const Device& device, const PushMessage& message) override;

 private:
  std::string access_token();

  HttpClient& http_;
  FcmConfig config_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::string file_token_;
  std::chrono::steady_clock::time_point file_read_{};
};

}  // namespace parley::push
