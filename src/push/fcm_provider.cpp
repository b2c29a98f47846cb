#include "push/fcm_provider.h"

#include <fstream>

#include "protocol/json_writer.h"

namespace parley::push {

std::string FcmProvider::access_token() {
  if (config_.access_token_file.empty()) return config_.access_token;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (file_token_.empty() || now - file_read_ > std::chrono::minutes(1)) {
    std::ifstream in(config_.access_token_file);
    std::string token;
    std::getline(in, token);
    if (!token.empty()) file_token_ = token;
    file_read_ = now;
  }
  return file_token_;
}

SendResult FcmProvider::send(const Device& device, const PushMessage& message) {
  std::string token = access_token();
  if (token.empty()) return {Outcome::failed, {}, "fcm: no access token configured"};
  protocol::JsonWriter w;
  w.begin_object().key("message").begin_object().field("token", device.token);
  w.key("data").begin_object();
  w.field("type", "message")
      .field("conversation_id", message.conversation_id)
      .field("sender_id", message.sender_id)
      .field("message_id", message.message_id)
      .field("seq", std::to_string(message.seq));
  if (!message.preview.empty()) w.field("preview", message.preview);
  w.end_object();
  w.key("android").begin_object();
  w.field("collapse_key", collapse_topic(message.conversation_id)).field("priority", "HIGH");
  w.end_object();
  w.end_object().end_object();
  HttpCall call;
  call.url = config_.base_url + "/v1/projects/" + config_.project_id + "/messages:send";
  call.timeout = timeout_;
  call.body = w.take();
  call.headers = {{"Authorization", "Bearer " + token},
                  {"Content-Type", "application/json; charset=UTF-8"}};
  return classify(http_.send(call));
}

}  // namespace parley::push
