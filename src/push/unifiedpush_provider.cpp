#include "push/unifiedpush_provider.h"

namespace parley::push {

SendResult UnifiedPushProvider::send(const Device& device, const PushMessage& message) {
  HttpCall call;
  call.url = device.endpoint;
  call.user_supplied = true;
  call.timeout = options_.timeout;
  call.body = payload_json(message);
  call.headers = {{"Content-Type", "application/json"},
                  {"TTL", std::to_string(options_.ttl_s)},
                  {"Urgency", "high"},
                  {"Topic", collapse_topic(message.conversation_id)}};
  return classify(http_.send(call));
}

}  // namespace parley::push
