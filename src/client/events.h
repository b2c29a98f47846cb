#pragma once
// What a Client reports to the application: plain values, no Beast, no JSON.
// Times named *_ms are wall-clock milliseconds since the epoch (comparable
// with the server's `ts`); time_points are steady_clock, for latencies.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace parley::client {

using Clock = std::chrono::steady_clock;

// A chat message, pushed live, replayed by `sync` or paged over REST.
struct Message {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string message_id;
  std::string sender_id;
  std::string client_msg_id;
  std::string content;
  std::string kind = "text";
  std::string reply_to;  // empty: none
  std::int64_t ts = 0;   // server time of storage
  std::int64_t version = 1;
  bool deleted = false;
  bool from_history = false;        // fetched over REST (too_far_behind), not pushed
  Clock::time_point received_at{};  // when the frame (or page) was read
  std::int64_t received_at_ms = 0;  // the same moment, wall clock
};

// The server stored one of our sends.
struct Ack {
  std::string conversation_id;
  std::string client_msg_id;
  std::string message_id;
  std::int64_t seq = 0;
  std::int64_t ts = 0;
  std::chrono::microseconds latency{0};       // from the last transmission to the ack
  std::chrono::microseconds since_queued{0};  // from send() to the ack (offline time included)
  int transmissions = 0;                      // 1 unless resent after a reconnect or error
};

struct MessageUpdate {
  std::string conversation_id;
  std::string message_id;
  std::int64_t seq = 0;
  std::int64_t version = 0;
  std::string content;
  bool deleted = false;
};

struct Typing {
  std::string conversation_id;
  std::string user_id;
};

struct Receipt {
  std::string conversation_id;
  std::string user_id;
  bool read = false;  // false: delivered
  std::int64_t seq = 0;
};

struct Presence {
  std::string user_id;
  std::string status;          // "online" | "offline"
  std::int64_t last_seen = 0;  // 0: never (null on the wire)
  bool online() const { return status == "online"; }
};

// The answer to a `sync` (one per `sync` frame; a resume may need several).
struct Synced {
  std::string req;
  std::vector<std::pair<std::string, std::int64_t>> conversations;   // last seq replayed/held
  std::vector<std::pair<std::string, std::int64_t>> too_far_behind;  // conversation, last_seq
  std::vector<std::string> not_member;                               // now untracked
  bool paging = false;  // too_far_behind is being fetched over REST by the client
};

// The `hello` of the current connection.
struct Session {
  std::string user_id;
  std::string session_id;
  std::int64_t heartbeat_ms = 0;
  std::int64_t retransmit_ms = 0;  // 0: the server does not retransmit
  std::int64_t max_replay = 0;
  std::int64_t server_time = 0;
};

enum class State {
  idle,        // not started
  connecting,  // TCP + WebSocket handshake
  syncing,     // hello received, waiting for `synced`
  live,        // resumed; sends flow
  waiting,     // disconnected, reconnecting after a delay
  stopped,     // stop() was called, or auto_reconnect is off and the connection ended
};
const char* to_string(State s) noexcept;

struct StateChange {
  State state = State::idle;
  int close_code = 0;                     // when a connection ended: its close code (0: none)
  std::string reason;                     // why it ended, for people
  std::chrono::milliseconds retry_in{0};  // State::waiting: delay before the next attempt
};

// A failure reported by the server (error frame, REST error) or by the transport.
struct ClientError {
  Error error;                  // error.code is a parley::Errc (wire code)
  std::string req;              // the request it answers, if any
  std::string conversation_id;  // when known
  std::string client_msg_id;    // a send that was given up
  std::int64_t retry_after_ms = 0;
};

}  // namespace parley::client
