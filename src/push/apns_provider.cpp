#include "push/apns_provider.h"

#include "common/clock.h"
#include "protocol/json_writer.h"
#include "push/jwt_es256.h"

namespace parley::push {
namespace {

constexpr std::int64_t kTokenLifetimeS = 50 * 60;

bool hex_token(const std::string& t) {
  return !t.empty() && t.size() <= 200 &&
         t.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

Result<std::string> ApnsProvider::provider_token() {
  std::int64_t now = now_ms() / 1000;
  std::lock_guard lock(mu_);
  if (token_.empty() || now - token_iat_ >= kTokenLifetimeS) {
    protocol::JsonWriter header, claims;
    header.begin_object().field("alg", "ES256").field("kid", config_.key_id).end_object();
    claims.begin_object().field("iss", config_.team_id).field("iat", now).end_object();
    auto jwt = sign_jwt_es256(key_, header.take(), claims.take());
    if (!jwt) return jwt.error();
    token_ = std::move(*jwt);
    token_iat_ = now;
  }
  return token_;
}

SendResult ApnsProvider::send(const Device& device, const PushMessage& message) {
  if (!hex_token(device.token)) return {Outcome::failed, {}, "apns: bad device token"};
  auto bearer = provider_token();
  if (!bearer) return {Outcome::failed, {}, bearer.error().message};
  protocol::JsonWriter w;
  w.begin_object().key("aps").begin_object();
  w.key("alert").begin_object().field("title", "New message");
  w.field("body", message.preview.empty() ? std::string_view("You have a new message")
                                          : std::string_view(message.preview));
  w.end_object();
  w.field("thread-id", message.conversation_id).field("mutable-content", 1).end_object();
  w.field("conversation_id", message.conversation_id)
      .field("sender_id", message.sender_id)
      .field("message_id", message.message_id)
      .field("seq", message.seq)
      .end_object();
  HttpCall call;
  call.url = config_.base_url + "/3/device/" + device.token;
  call.timeout = timeout_;
  call.body = w.take();
  call.headers = {{"authorization", "bearer " + *bearer},
                  {"apns-topic", config_.topic},
                  {"apns-push-type", "alert"},
                  {"apns-priority", "10"},
                  {"apns-collapse-id", collapse_topic(message.conversation_id)},
                  {"content-type", "application/json"}};
  return classify(http_.send(call));
}

}  // namespace parley::push
