#pragma once
// Private to gateway/: the hand-over from an HTTP upgrade to a WebSocket.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "gateway/gateway_state.h"

namespace parley::gateway {

// handshake: the 101 response to write first; early_bytes: frames the
// client sent behind its upgrade request, already read.
void start_websocket_session(std::shared_ptr<Gateway::State> state,
                             boost::asio::ip::tcp::socket socket, std::string handshake,
                             std::string early_bytes, Admission admission);

}  // namespace parley::gateway
