#include "push/webpush_provider.h"

#include "auth/base64url.h"
#include "common/clock.h"
#include "push/vapid.h"
#include "push/webpush_crypto.h"

namespace parley::push {

SendResult WebPushProvider::send(const Device& device, const PushMessage& message) {
  auto ua_public = auth::base64url_decode(device.p256dh);
  auto auth_secret = auth::base64url_decode(device.auth);
  if (!ua_public || !auth_secret) return {Outcome::failed, {}, "webpush: bad subscription keys"};
  auto body = webpush_encrypt(payload_json(message), *ua_public, *auth_secret);
  if (!body) return {Outcome::failed, {}, body.error().message};
  auto authorization =
      vapid_authorization(vapid_, device.endpoint, options_.subject, now_ms() / 1000);
  if (!authorization) return {Outcome::failed, {}, authorization.error().message};
  HttpCall call;
  call.url = device.endpoint;
  call.user_supplied = true;
  call.timeout = options_.timeout;
  call.body = std::move(*body);
  call.headers = {{"Authorization", *authorization},
                  {"Content-Encoding", "aes128gcm"},
                  {"Content-Type", "application/octet-stream"},
                  {"TTL", std::to_string(options_.ttl_s)},
                  {"Urgency", "high"},
                  {"Topic", collapse_topic(message.conversation_id)}};
  return classify(http_.send(call));
}

}  // namespace parley::push
