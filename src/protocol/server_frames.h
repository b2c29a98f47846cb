#pragma once
// Frames the server sends, serialized once (docs/protocol.md). A frame that
// goes to many devices is built once and shared as a Frame.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace parley::protocol {

using Frame = std::shared_ptr<const std::string>;

inline Frame share(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// The fields of a stored message, as the wire shows them.
struct MessageFields {
  std::string_view conversation_id;
  std::int64_t seq = 0;
  std::string_view message_id;
  std::string_view sender_id;
  std::string_view client_msg_id;
  std::string_view content;
  std::string_view kind;
  std::string_view reply_to;
  std::int64_t ts = 0;
  std::int64_t version = 1;
  bool deleted = false;
  std::string_view media;  // the server-built media JSON object; empty: none
};

struct HelloFields {
  std::string_view user_id;
  std::string_view session_id;
  std::int64_t heartbeat_ms = 0;
  std::int64_t retransmit_ms = 0;
  std::int64_t max_replay = 0;
  std::int64_t server_time = 0;
};

struct SyncedFields {
  std::string_view req;
  std::vector<std::pair<std::string, std::int64_t>> conversations;   // last seq held
  std::vector<std::pair<std::string, std::int64_t>> too_far_behind;  // current last seq
  std::vector<std::string> not_member;
};

std::string encode_hello(const HelloFields& h);
std::string encode_synced(const SyncedFields& s);
std::string encode_reconnect(std::int64_t after_ms);
std::string encode_ack(std::string_view req, const MessageFields& m);
class JsonWriter;
// The fields every view of a message shares (the `message` frame, REST
// history), from conversation_id to ts, into an open object.
void write_message_fields(JsonWriter& w, const MessageFields& m);

// Adds version (when > 1) and deleted (when true): a replayed message shows
// its latest state.
std::string encode_message(const MessageFields& m);
std::string encode_message_updated(const MessageFields& m);
std::string encode_typing(std::string_view conversation_id, std::string_view user_id);
std::string encode_receipt(std::string_view conversation_id, std::string_view user_id,
                           bool read, std::int64_t seq);
std::string encode_presence(std::string_view user_id, bool online, std::int64_t last_seen);
std::string encode_ok(std::string_view req);
std::string encode_pong(std::string_view req);
std::string encode_error(std::string_view req, const Error& error);

}  // namespace parley::protocol

namespace parley::protocol {
// The JSON body of a REST error: {"error":{"code":"...","message":"..."}}.
std::string encode_error_body(const Error& error);
}  // namespace parley::protocol
