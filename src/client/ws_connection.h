#pragma once
// One WebSocket connection to /ws: connect, handshake with a bearer token,
// a read loop, and a write queue with one write in flight. Beast stays in
// ws_connection.cpp. A connection is used once; reconnecting makes a new one.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace parley::client {

struct CloseInfo {
  int code = 0;         // WebSocket close code; 0 when there was no close frame
  std::string reason;   // for people
  int http_status = 0;  // the upgrade was refused with this status (e.g. 401)
  bool opened = false;  // the handshake had completed
};

class WsConnection {
 public:
  // Called on the io_context, never from inside a WsConnection method.
  class Listener {
   public:
    virtual void on_open() = 0;
    virtual void on_text(std::string_view text) = 0;
    virtual void on_closed(const CloseInfo& info) = 0;

   protected:
    ~Listener() = default;
  };

  struct Target {
    std::string host;
    std::uint16_t port = 0;
    std::string path = "/ws";
    std::string token;
    std::chrono::milliseconds timeout{10'000};  // TCP connect + handshake
    std::string local_address;                  // empty: the kernel picks
  };

  static std::shared_ptr<WsConnection> create(boost::asio::io_context& io, Listener& listener);
  virtual ~WsConnection() = default;

  virtual void open(Target target) = 0;
  // Queued; dropped once the connection is closing.
  virtual void send(std::string text) = 0;
  // Idle limit once open: no frame (data or control) for this long ends it.
  virtual void set_idle_timeout(std::chrono::milliseconds idle) = 0;
  // A graceful close after the queued frames; the listener hears on_closed.
  virtual void close(int code) = 0;
  // No more listener calls; the socket is closed. Safe at any time.
  virtual void detach() = 0;
  // Frames queued and not yet written.
  virtual std::size_t queued() const = 0;
};

}  // namespace parley::client
