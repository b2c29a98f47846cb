#pragma once
// The one narrow interface between the network layer (gateway/) and the
// chat service: the gateway knows nothing of stores, buses or presence.
#include <string>
#include <string_view>

#include "common/result.h"
#include "gateway/connection.h"
#include "protocol/client_frames.h"

namespace parley::gateway {

class ChatHandler {
 public:
  virtual ~ChatHandler() = default;

  // Checks a bearer token; the user id on success, unauthorized otherwise.
  virtual Result<std::string> authenticate(std::string_view token) = 0;

  // All calls below happen on the gateway's event loop.
  virtual void on_connect(const ConnectionPtr& conn) = 0;
  virtual void on_frame(const ConnectionPtr& conn, protocol::ClientFrame frame) = 0;
  virtual void on_disconnect(const ConnectionPtr& conn) = 0;
};

}  // namespace parley::gateway
