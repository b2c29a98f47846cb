#include "push/push_message.h"

#include <openssl/sha.h>

#include "auth/base64url.h"
#include "protocol/json_writer.h"

namespace parley::push {

std::string payload_json(const PushMessage& m) {
  protocol::JsonWriter w;
  w.begin_object()
      .field("type", "message")
      .field("conversation_id", m.conversation_id)
      .field("sender_id", m.sender_id)
      .field("message_id", m.message_id)
      .field("seq", m.seq);
  if (!m.preview.empty()) w.field("preview", m.preview);
  w.end_object();
  return w.take();
}

std::string collapse_topic(const std::string& conversation_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(conversation_id.data()), conversation_id.size(),
         digest);
  return auth::base64url_encode(std::string_view(reinterpret_cast<char*>(digest), 24));
}

}  // namespace parley::push
