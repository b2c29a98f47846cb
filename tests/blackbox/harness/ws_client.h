// Synchronous-looking WebSocket client (Beast underneath, driven by its own I/O thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace bb {

using namespace std::chrono_literals;

enum class TokenVia { header, query, subprotocol, none };

struct CloseInfo {
  int code = 0;          // close code from the peer's close frame; 1006 if the TCP stream just ended
  std::string reason;
};

struct ConnectResult {
  bool ok = false;
  int http_status = 0;             // status of the upgrade response (101 on success)
  std::string error;               // transport / handshake error text
  std::string subprotocol;         // Sec-WebSocket-Protocol of the response
  std::string body;                // response body when the upgrade was declined
};

using Predicate = std::function<bool(const boost::json::object&)>;

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Opens ws://127.0.0.1:port/ws carrying `token` as told by `via`. Does not read any frame.
  ConnectResult connect(uint16_t port, const std::string& token, TokenVia via = TokenVia::header,
                        std::chrono::milliseconds timeout = 10s);

  // Must be called before connect(): a small kernel receive buffer (SO_RCVBUF), to build
  // back-pressure quickly in slow-consumer tests.
  void set_receive_buffer(int bytes);
  // Stop reading from the socket after the read in progress (the server then sees a slow
  // consumer); resume_reading() starts again.
  void pause_reading();
  void resume_reading();

  // Queue a frame for sending; returns once written (false on error/timeout).
  bool send_json(const boost::json::object& obj, std::chrono::milliseconds timeout = 10s);
  bool send_text(const std::string& text, std::chrono::milliseconds timeout = 10s);
  bool send_binary(const std::string& bytes, std::chrono::milliseconds timeout = 10s);

  // Next received frame in arrival order (from the buffer first), or nullopt on timeout/closed.
  // Non-JSON or non-object text frames come back as {"type":"__invalid__","raw":...};
  // binary frames as {"type":"__binary__","size":N}.
  std::optional<boost::json::object> next_frame(std::chrono::milliseconds timeout = 5s);

  // First buffered or incoming frame of `type` satisfying `pred`; other frames stay buffered.
  std::optional<boost::json::object> wait_for(const std::string& type, const Predicate& pred = {},
                                              std::chrono::milliseconds timeout = 5s);

  // First buffered or incoming frame satisfying `pred` (which sees the whole frame, type included).
  std::optional<boost::json::object> wait_match(const Predicate& pred,
                                                std::chrono::milliseconds timeout = 5s);

  // Removes and returns all frames up to and including the first of `type` satisfying `pred`.
  // nullopt on timeout (the frames then stay buffered).
  std::optional<std::vector<boost::json::object>> collect_until(
      const std::string& type, const Predicate& pred = {}, std::chrono::milliseconds timeout = 5s);

  std::optional<std::vector<boost::json::object>> collect_until_match(
      const Predicate& pred, std::chrono::milliseconds timeout = 5s);

  // Frames currently buffered (not removed).
  std::vector<boost::json::object> buffered() const;
  void clear_buffer();

  // Waits until the connection is closed by the peer (or fails); returns how.
  std::optional<CloseInfo> wait_closed(std::chrono::milliseconds timeout = 5s);
  bool is_closed() const;

  // Sends a close frame (code 1000) and waits for the close handshake.
  void close(std::chrono::milliseconds timeout = 5s);

  // Sends a `ping` frame with a fresh req and waits for the matching pong (frames in between
  // stay buffered). Returns true on success.
  bool ping_pong(std::chrono::milliseconds timeout = 5s);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bb
