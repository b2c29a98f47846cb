#pragma once
// One push provider (Web Push, UnifiedPush, APNs, FCM): turns a push for a
// device into the provider's HTTP request, and its answer into what the
// dispatcher should do next. Providers hold no per-request state and may be
// called from several worker threads at once.
#include <chrono>
#include <string>

#include "push/device.h"
#include "push/http_client.h"
#include "push/push_message.h"

namespace parley::push {

enum class Outcome {
  delivered,  // the provider took it
  gone,       // the subscription no longer exists (404, 410): remove the device
  retry,      // try again later (5xx, 429, no answer)
  failed,     // a permanent refusal of this push (other 4xx, bad keys)
};

struct SendResult {
  Outcome outcome = Outcome::failed;
  std::chrono::seconds retry_after{0};  // the provider's wish, when it said one
  std::string detail;                   // for logs: status and provider reason, never payloads
};

// The usual reading of an HTTP answer (or of no answer).
SendResult classify(const Result<HttpAnswer>& answer);

class Provider {
 public:
  virtual ~Provider() = default;
  virtual SendResult send(const Device& device, const PushMessage& message) = 0;
};

}  // namespace parley::push
