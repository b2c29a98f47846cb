#pragma once
// Frames a client sends, decoded and validated (docs/protocol.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace parley::protocol {

struct Limits {
  std::size_t max_content_bytes = 16 * 1024;
  std::size_t max_id_chars = 128;  // client_msg_id, req, conversation and message ids
  std::size_t max_sync_conversations = 500;
};

// The attachment a client names on an "image" or "file" send: an upload of
// its own. The server fills in everything else (size, type, dimensions)
// from its own record, never from the client.
struct MediaRef {
  std::string media_id;
  std::string name;  // shown instead of the upload's name; empty: the upload's
};
struct SendFrame {
  std::string conversation_id;
  std::string client_msg_id;
  std::string content;
  std::string kind = "text";
  std::string reply_to;  // empty: none
  std::optional<MediaRef> media;  // required for "image" and "file", refused otherwise
};
struct TypingFrame {
  std::string conversation_id;
};
struct ReceiptFrame {
  std::string conversation_id;
  bool read = false;  // false: delivered
  std::int64_t seq = 0;
};
struct EditFrame {
  std::string conversation_id;
  std::string message_id;
  std::string content;
};
struct DeleteFrame {
  std::string conversation_id;
  std::string message_id;
};
struct PingFrame {};
struct ReceivedFrame {  // transport ack: this device holds everything up to seq
  std::string conversation_id;
  std::int64_t seq = 0;
};
struct RefreshFrame {  // a new token for the same user, before the current one expires
  std::string token;
};
struct SyncFrame {  // resume: the client's last contiguous seq per conversation
  std::vector<std::pair<std::string, std::int64_t>> conversations;
};

using ClientPayload = std::variant<SendFrame, TypingFrame, ReceiptFrame, EditFrame, DeleteFrame,
                                   PingFrame, ReceivedFrame, SyncFrame, RefreshFrame>;

struct ClientFrame {
  std::string req;  // empty when the client sent none
  ClientPayload payload;
};

// Decodes one text frame. On failure the error is bad_request or too_large,
// and req_out holds the frame's req if it could be read, so the error frame
// can echo it.
Result<ClientFrame> decode_client_frame(std::string_view text, const Limits& limits,
                                        std::string& req_out);

// Validates a REST send body: the send frame's rules, the conversation taken
// from the path (a conversation_id in the body must match it).
Result<SendFrame> decode_send_body(std::string_view json_text, std::string_view conversation_id,
                                   const Limits& limits);

}  // namespace parley::protocol
