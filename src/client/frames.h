#pragma once
// The client's side of docs/protocol.md: client frames written with the
// protocol's JsonWriter, server frames decoded into the values of events.h.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "client/events.h"
#include "client/outbox.h"
#include "common/result.h"

namespace parley::client {

// ---- server frames ----
struct AckFrame {
  std::string req, conversation_id, client_msg_id, message_id;
  std::int64_t seq = 0, ts = 0;
};
struct ReconnectFrame {
  std::int64_t after_ms = 0;
};
struct OkFrame {
  std::string req;
};
struct PongFrame {
  std::string req;
};
struct ErrorFrame {
  std::string req;
  Error error;
  std::int64_t retry_after_ms = 0;
};
struct UnknownFrame {
  std::string type;  // ignored: newer servers may add frames
};

using ServerFrame =
    std::variant<Session, AckFrame, Message, MessageUpdate, Typing, Receipt, Presence, Synced,
                 ReconnectFrame, OkFrame, PongFrame, ErrorFrame, UnknownFrame>;

// bad_request when the text is not a JSON object with a string `type` or a
// known frame lacks a required field.
Result<ServerFrame> decode_server_frame(std::string_view text);

// The Errc of a wire error code ("not_member"); internal for unknown ones.
Errc wire_errc(std::string_view code) noexcept;

// ---- client frames ----
std::string encode_send(std::string_view req, const OutgoingMessage& m);
std::string encode_typing(std::string_view conversation_id);
std::string encode_receipt(std::string_view req, std::string_view conversation_id, bool read,
                           std::int64_t seq);
std::string encode_received(std::string_view conversation_id, std::int64_t seq);
std::string encode_edit(std::string_view req, std::string_view conversation_id,
                        std::string_view message_id, std::string_view content);
std::string encode_delete(std::string_view req, std::string_view conversation_id,
                          std::string_view message_id);
std::string encode_ping(std::string_view req);
std::string encode_sync(std::string_view req,
                        const std::vector<std::pair<std::string, std::int64_t>>& conversations);

}  // namespace parley::client
