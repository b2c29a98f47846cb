#pragma once
// parley::client::Client: one device's WebSocket session with a Parley
// server, kept alive across disconnects. Runs on the caller's io_context,
// single-threaded: call every method, and receive every callback, on the
// thread that runs the io_context. No threads, no blocking calls.
//
// Guarantees (see README.md): every message of a tracked conversation is
// delivered once, in seq order, without gaps; every send() is stored once
// (its client_msg_id is kept across resends) and sent in call order.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "client/events.h"
#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace parley::client {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string token;
  // When set, asked for a token on every (re)connect and REST call instead
  // of `token`; it must answer at once (no blocking).
  std::function<std::string()> token_provider;
  // When set, asked on every (re)connect for the gateway to use instead of
  // host and port: a client that knows several gateways fails over by
  // answering another one (behind a load balancer, leave it unset).
  std::function<std::pair<std::string, std::uint16_t>()> endpoint_provider;

  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{30'000};
  // Off: a connection that ends leaves the client stopped (start() again).
  bool auto_reconnect = true;
  // `received` is sent at most this often per conversation.
  std::chrono::milliseconds received_interval{100};
  // A gap a sync left open (the missing message was not yet stored where
  // the server read) is asked for again after this.
  std::chrono::milliseconds gap_retry_interval{250};
  std::chrono::milliseconds connect_timeout{10'000};
  // When set, the local IP address connections leave from (the port is
  // still the kernel's choice, per destination). A load generator holding
  // more connections than one source address has ephemeral ports for a
  // destination spreads them over 127.0.0.x this way. Used with a literal
  // host address (a host name goes through the resolver, which does not
  // keep the binding).
  std::string local_address;
  // On `synced` too_far_behind: page the gap over REST (true), or only report
  // it in on_synced (false): the application then fetches the history itself
  // and calls track(id, seq) with what it holds, and delivery goes on from there.
  bool page_too_far_behind = true;
  // Prefix of generated client_msg_ids; a random one when empty.
  std::string device_id;
};

class Client {
 public:
  Client(boost::asio::io_context& io, Options options);
  ~Client();  // closes the connection (1000); no callback runs afterwards
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- life cycle ----
  void start();  // connect, and keep connected until stop()
  void stop();   // close with 1000; queued sends stay queued for a later start()
  State state() const noexcept;
  const Session& session() const noexcept;  // the last hello

  // ---- conversations ----
  // Deliver `conversation_id` after `last_seq` (what the application holds).
  // Conversations never tracked are tracked from the first message seen.
  void track(const std::string& conversation_id, std::int64_t last_seq = 0);
  // The last seq delivered in order (0: none, or untracked).
  std::int64_t last_seq(const std::string& conversation_id) const;

  // ---- requests ----
  // Queues a message; returns its client_msg_id. Sent now when live, else
  // after the next resume; resent with the same id until acknowledged.
  std::string send(const std::string& conversation_id, std::string content,
                   std::string kind = "text", std::string reply_to = {});
  // Read mark up to `seq` (0: the last delivered). Kept for the next resume
  // when offline. Returns the req.
  std::string mark_read(const std::string& conversation_id, std::int64_t seq = 0);
  // Best-effort: dropped when not live.
  void typing(const std::string& conversation_id);
  // Need a live connection (unavailable otherwise); return the req, answered
  // by on_ok or on_error.
  Result<std::string> edit(const std::string& conversation_id, const std::string& message_id,
                           const std::string& content);
  Result<std::string> delete_message(const std::string& conversation_id,
                                     const std::string& message_id);
  Result<std::string> ping();  // answered by on_pong

  std::size_t pending_sends() const noexcept;  // queued or unacknowledged

  // ---- callbacks ----
  void on_message(std::function<void(const Message&)> f);
  void on_ack(std::function<void(const Ack&)> f);
  void on_message_updated(std::function<void(const MessageUpdate&)> f);
  void on_typing(std::function<void(const Typing&)> f);
  void on_receipt(std::function<void(const Receipt&)> f);
  void on_presence(std::function<void(const Presence&)> f);
  void on_state(std::function<void(const StateChange&)> f);
  void on_synced(std::function<void(const Synced&)> f);
  void on_error(std::function<void(const ClientError&)> f);
  void on_ok(std::function<void(const std::string& req)> f);
  void on_pong(std::function<void(const std::string& req, std::chrono::microseconds rtt)> f);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::client
