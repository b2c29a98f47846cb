#pragma once
// One connected device, as the chat service sees it. The gateway implements
// it over a WebSocket; tests implement it with a recorder.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::gateway {

using Frame = std::shared_ptr<const std::string>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const std::string& user_id() const = 0;
  virtual const std::string& session_id() const = 0;
  // Queues a serialized text frame; never blocks. A connection whose queue
  // overflows is closed (docs/protocol.md, close code 4008). Neither send
  // nor close calls back into the ChatHandler before returning.
  // Ephemeral frames (typing, presence) may be dropped under pressure;
  // messages never are: the connection is closed instead.
  virtual void send(Frame frame, bool ephemeral = false) = 0;
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // The expiry of the token the connection was opened with (Admission);
  // 0 when unknown. A refresh moves the service's deadline, not this.
  virtual std::int64_t token_expires_s() const { return 0; }
};

// Close code for a connection whose token expired without a refresh
// (docs/protocol.md): reconnect with a fresh token.
inline constexpr std::uint16_t kCloseTokenExpired = 4001;

using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace parley::gateway
