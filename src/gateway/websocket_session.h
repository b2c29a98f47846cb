#pragma once
// Private to gateway/: the hand-over from an HTTP upgrade to a WebSocket.
#include <memory>
#include <string>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway/gateway_state.h"

namespace parley::gateway {

void start_websocket_session(std::shared_ptr<Gateway::State> state,
                             boost::beast::tcp_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> request,
                             std::string user_id, bool echo_parley_protocol);

}  // namespace parley::gateway
