#pragma once
// One push for one user: which conversation woke them, by whom, up to which
// seq. Privacy: ids only unless the operator turns previews on; the payload
// passes through third parties (Apple, Google, Mozilla, a UnifiedPush
// distributor), and Web Push is the only provider whose payload is end-to-end
// encrypted.
#include <cstdint>
#include <string>

namespace parley::push {

struct PushMessage {
  std::string user_id;  // the recipient
  std::string conversation_id;
  std::string sender_id;
  std::string message_id;
  std::int64_t seq = 0;
  std::string preview;  // empty unless PushConfig::preview
};

// The JSON the device gets (Web Push, UnifiedPush; APNs and FCM wrap the
// same fields in their envelopes):
// {"type":"message","conversation_id":..,"sender_id":..,"message_id":..,
//  "seq":N[,"preview":".."]}
std::string payload_json(const PushMessage& m);

// A collapse key for the conversation that fits every provider: RFC 8030
// Topic allows 32 characters of the base64url alphabet, APNs
// apns-collapse-id 64 bytes. base64url of the first 24 bytes of SHA-256.
std::string collapse_topic(const std::string& conversation_id);

}  // namespace parley::push
