#pragma once
// The one narrow interface between the network layer (gateway/) and the
// chat service: the gateway knows nothing of stores, buses or presence.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "gateway/connection.h"
#include "protocol/client_frames.h"

namespace parley::gateway {

// A WebSocket upgrade the service accepted: whose it is, and until when its
// token is good (the connection carries it to on_connect).
struct Admission {
  std::string user_id;
  std::int64_t token_expires_s = 0;  // seconds since the epoch; 0: never
};

class ChatHandler {
 public:
  virtual ~ChatHandler() = default;

  // Checks a bearer token; the user id on success, unauthorized otherwise.
  virtual Result<std::string> authenticate(std::string_view token) = 0;

  // Decides a WebSocket upgrade: authenticate() plus whether this user may
  // open one more connection. unauthorized (401) or rate_limited (429).
  virtual Result<Admission> admit(std::string_view token) = 0;

  // All calls below happen on the gateway's event loop.
  virtual void on_connect(const ConnectionPtr& conn) = 0;
  virtual void on_frame(const ConnectionPtr& conn, protocol::ClientFrame frame) = 0;
  virtual void on_disconnect(const ConnectionPtr& conn) = 0;
};

}  // namespace parley::gateway
