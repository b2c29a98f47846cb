#pragma once
// The network facade: accepts TCP, speaks HTTP/1.1 and WebSocket, and hands
// frames and requests to a ChatHandler and an HttpHandler. No Beast type
// appears in this header; the Beast code lives in three .cpp files.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/result.h"
#include "gateway/chat_handler.h"
#include "gateway/http_handler.h"
#include "protocol/client_frames.h"

namespace parley::gateway {

struct GatewayOptions {
  std::chrono::milliseconds heartbeat{25'000};  // ping period; dead after two
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds http_idle_timeout{30'000};
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_queue_frames = 4096;          // per connection
  std::size_t max_queue_bytes = 8 * 1024 * 1024;  // per connection
  protocol::Limits limits;
  // Browser origins allowed besides the server's own (exact, or "*").
  std::vector<std::string> allowed_origins;
};

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

class Gateway {
 public:
  Gateway(boost::asio::io_context& ioc, ChatHandler& chat, HttpHandler& http,
          GatewayOptions options);
  ~Gateway();

  // Binds and starts accepting; port 0 picks a free port.
  Result<Endpoint> listen(const std::string& host, std::uint16_t port);
  void stop_accepting();
  void stop_ticking();  // the last step of shutdown: lets the event loop end
  // Closes every WebSocket with `code` and every HTTP connection; calls
  // done once all are gone (or after `grace`).
  void close_all(std::uint16_t code, std::chrono::milliseconds grace, std::function<void()> done);
  std::size_t connection_count() const;

  struct State;  // shared with the sessions; defined in gateway_state.h

 private:
  std::shared_ptr<State> state_;
};

}  // namespace parley::gateway
