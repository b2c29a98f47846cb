#pragma once
// Internal to the client: the state behind parley::client::Client.
// client.cpp has the life cycle (connect, resume, reconnect) and the
// requests; client_inbound.cpp the handling of server frames.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "client/backoff.h"
#include "client/client.h"
#include "client/conversation_buffer.h"
#include "client/frames.h"
#include "client/outbox.h"
#include "client/ws_connection.h"

namespace parley::client {

// A ClientError for `error`, other fields empty.
inline ClientError client_error(Error error, std::string conversation_id = {}) {
  ClientError e;
  e.error = std::move(error);
  e.conversation_id = std::move(conversation_id);
  return e;
}

class Client::Impl final : public WsConnection::Listener,
                           public std::enable_shared_from_this<Impl> {
 public:
  // A `sync` names at most this many conversations (docs/protocol.md).
  static constexpr std::size_t kMaxSyncConversations = 500;
  static constexpr int kHistoryPage = 200;

  struct Handlers {
    std::function<void(const Message&)> message;
    std::function<void(const Ack&)> ack;
    std::function<void(const MessageUpdate&)> message_updated;
    std::function<void(const Typing&)> typing;
    std::function<void(const Receipt&)> receipt;
    std::function<void(const Presence&)> presence;
    std::function<void(const StateChange&)> state;
    std::function<void(const Synced&)> synced;
    std::function<void(const ClientError&)> error;
    std::function<void(const std::string&)> ok;
    std::function<void(const std::string&, std::chrono::microseconds)> pong;
  };

  struct ConversationState {
    explicit ConversationState(std::int64_t last_seq) : buffer(last_seq), received_sent(last_seq) {}
    ConversationBuffer buffer;
    std::int64_t received_sent = 0;  // last `received` seq sent on this connection
    bool sync_in_flight = false;     // a `sync` naming it awaits `synced`
    bool paging = false;             // too_far_behind: fetching over REST
    bool left_to_app = false;        // too_far_behind, and the application fetches
    // Nothing is filling a gap here yet: a `sync` for it may go out.
    bool may_sync() const noexcept { return !sync_in_flight && !paging && !left_to_app; }
  };

  Impl(boost::asio::io_context& io, Options options);

  // ---- client.cpp ----
  void start();
  void stop();
  void shutdown();  // the Client is going away
  void track(const std::string& conversation_id, std::int64_t last_seq);
  std::string send(const std::string& conversation_id, std::string content, std::string kind,
                   std::string reply_to);
  std::string mark_read(const std::string& conversation_id, std::int64_t seq);
  void typing(const std::string& conversation_id);
  Result<std::string> request(std::string_view type_for_error, std::string frame_req,
                              std::string frame);
  std::string next_req(char prefix);
  bool live() const noexcept { return state_ == State::live; }
  bool connected() const noexcept { return state_ == State::live || state_ == State::syncing; }

  // ---- WsConnection::Listener ----
  void on_open() override;
  void on_text(std::string_view text) override;
  void on_closed(const CloseInfo& info) override;

  // ---- client_inbound.cpp ----
  void dispatch(ServerFrame frame);
  void handle(Session hello);
  void handle(AckFrame ack);
  void handle(Message m);
  void handle(Synced s);
  void handle(ErrorFrame e);
  void handle(PongFrame p);
  void deliver(std::vector<Message>& ready);
  void request_sync(std::vector<std::string> conversation_ids, bool resume);
  void finish_sync(bool resume);
  void page(const std::string& conversation_id);
  void arm_received();
  void flush_received();
  void retry_gaps();
  // Runs `what` after `delay` while connected, unless `armed` already.
  void arm_once(boost::asio::steady_timer& timer, bool& armed, std::chrono::milliseconds delay,
                void (Impl::*what)());
  void report(ClientError e);

  // Calls an application callback, unless the Client is gone. Callbacks may
  // call the Client, even destroy it: callers hold a reference to *this.
  template <class F, class... Args>
  void emit(const F& f, Args&&... args) {
    if (f && !shut_down_) f(std::forward<Args>(args)...);
  }

  // ---- state (public within the client) ----
  void set_state(State s, int close_code = 0, std::string reason = {},
                 std::chrono::milliseconds retry_in = {});
  void go_live();
  void connect();
  void arm_timer(std::chrono::milliseconds delay, void (Impl::*what)());
  void flush_outbox();
  void retry_sends();
  std::string token() const;
  std::uint64_t random();

  boost::asio::io_context& io_;
  Options options_;
  Handlers on_;
  State state_ = State::idle;
  Session session_;
  std::shared_ptr<WsConnection> conn_;
  Backoff backoff_;
  // Offline: the reconnect delay; live: the retry of sends the server
  // refused for now (rate_limited, unavailable). Never both.
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer received_timer_;
  // A sync answered but a gap is still there (the server had not yet seen
  // the missing message): ask again a little later, not only when the next
  // message happens to arrive (there may be none).
  boost::asio::steady_timer gap_timer_;
  std::uint64_t timer_generation_ = 0;
  bool received_armed_ = false;
  bool gap_armed_ = false;
  bool shut_down_ = false;
  std::int64_t reconnect_after_ms_ = -1;  // from a `reconnect` frame; -1: none
  std::string device_id_;
  std::uint64_t counter_ = 0;
  Outbox outbox_;
  std::unordered_map<std::string, ConversationState> conversations_;
  // `sync` requests awaiting `synced`: req, the conversations, resume or gap.
  struct SyncInFlight {
    std::string req;
    std::vector<std::string> conversation_ids;
    bool resume = false;
  };
  std::vector<SyncInFlight> syncs_;
  std::vector<std::pair<std::string, Clock::time_point>> pings_;
  // mark_read calls made while not live, sent on the next resume.
  struct PendingRead {
    std::string conversation_id;
    std::int64_t seq = 0;
    std::string req;
  };
  std::vector<PendingRead> reads_;
};

}  // namespace parley::client
