#pragma once
// RFC 6455 framing, server side, without I/O: an incremental parser for the
// (masked) frames clients send, and the headers of the (unmasked) frames we
// send. Pure and fuzzable; the session does the I/O.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::gateway::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t too_slow = 4008;  // Parley: reconnect and resume
}  // namespace close_code

inline constexpr std::size_t kMaxHeaderBytes = 10;  // server frames: no mask

// Writes the header of one unfragmented server frame; returns its length.
std::size_t write_header(std::uint8_t* out, Opcode op, std::size_t payload_bytes);

// A whole server control frame (close: code then reason, cut to fit 125).
std::string control_frame(Opcode op, std::string_view payload);
std::string close_frame(std::uint16_t code, std::string_view reason);

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

struct Event {
  enum class Kind { message, ping, pong, close, error };
  Kind kind;
  bool text = false;            // message: text or binary
  std::string_view payload;     // valid only during the callback
  std::uint16_t code = 0;       // close: the peer's code; error: ours to send
};

class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

  // Consumes bytes, calling on_event for each complete message or control
  // frame. After an error event the parser stays failed and returns false.
  template <class OnEvent>
  bool feed(const std::uint8_t* data, std::size_t n, OnEvent&& on_event);

  bool failed() const { return failed_; }
  // Frees the buffers an idle connection does not need.
  void release_memory();

 private:
  // Returns how many bytes of data the header took; sets phase_ when whole.
  std::size_t take_header(const std::uint8_t* data, std::size_t n, Event& error);
  std::size_t take_payload(const std::uint8_t* data, std::size_t n);
  bool frame_done(Event& out);  // false when the frame completes nothing

  enum class Phase { header, payload };
  std::size_t max_message_;
  Phase phase_ = Phase::header;
  std::uint8_t header_[14] = {};
  std::size_t header_have_ = 0;
  bool fin_ = false;
  Opcode opcode_ = Opcode::text;
  std::uint8_t mask_[4] = {};
  std::uint64_t payload_left_ = 0;
  std::uint64_t payload_pos_ = 0;  // within the frame, for the mask index
  bool in_message_ = false;        // a fragmented data message is open
  bool message_text_ = false;
  bool failed_ = false;
  std::string message_;  // data payload so far
  std::string control_;  // control payload (at most 125 bytes)
};

template <class OnEvent>
bool FrameParser::feed(const std::uint8_t* data, std::size_t n, OnEvent&& on_event) {
  while (n > 0 && !failed_) {
    std::size_t used;
    if (phase_ == Phase::header) {
      Event error{};
      error.kind = Event::Kind::error;
      used = take_header(data, n, error);
      if (error.code != 0) {
        failed_ = true;
        on_event(error);
        return false;
      }
    } else {
      used = take_payload(data, n);
    }
    data += used;
    n -= used;
    if (phase_ == Phase::payload && payload_left_ == 0) {
      Event e{};
      bool emits = frame_done(e);
      if (emits) {
        on_event(e);
        // Cleared only now: the event's payload viewed these bytes.
        if (e.kind == Event::Kind::message) message_.clear();
        else control_.clear();
        if (e.kind == Event::Kind::error) {
          failed_ = true;
          return false;
        }
      }
    }
  }
  return !failed_;
}

}  // namespace parley::gateway::ws
