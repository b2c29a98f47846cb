#pragma once
// What every session of one gateway shares: the handlers, the options, and
// the set of live sessions (for shutdown). Event-loop only.
#include <chrono>
#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "gateway/gateway.h"

namespace parley::gateway {

class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown(std::uint16_t code) = 0;
  // Called every tick_period by the gateway's one timer: heartbeats and
  // close deadlines without a timer per connection.
  virtual void tick(std::chrono::steady_clock::time_point now) {}
  // The write a session deferred to the end of a handler (defer_write).
  // Here rather than in an interface of its own: a second base with virtual
  // functions would add a pointer to every session.
  virtual void start_deferred_write() {}
};

struct Gateway::State {
  State(boost::asio::io_context& ioc, ChatHandler& chat, HttpHandler& http, GatewayOptions options)
      : ioc(ioc), acceptor(ioc), chat(chat), http(http), options(std::move(options)) {}

  boost::asio::io_context& ioc;
  boost::asio::ip::tcp::acceptor acceptor;
  ChatHandler& chat;
  HttpHandler& http;
  GatewayOptions options;

  std::unordered_set<Closable*> live;  // sessions register themselves
  // Disk reads of streamed bodies (streamed_write.h), off the event loop;
  // joined by ~Gateway, before the io_context goes.
  boost::asio::thread_pool readers{2};
  boost::asio::steady_timer ticker{ioc};
  std::chrono::milliseconds tick_period() const { return options.heartbeat / 4; }
  bool closing = false;
  std::function<void()> on_all_closed;

  // Sessions sent frames while the current handler runs. Their writes start
  // together once it returns (one posted handler per turn, not one per
  // session), so what one handler queues for a connection goes out in one
  // write: a commit's ack and the sender's own copy of the message, or the
  // acks of several sends in one group commit. Weak: a session that went
  // meanwhile has nothing to write.
  std::vector<std::weak_ptr<Closable>> deferred_writes;
  std::vector<std::weak_ptr<Closable>> deferred_writes_starting;
  bool deferred_writes_posted = false;

  void add(Closable* s) { live.insert(s); }
  void remove(Closable* s) {
    live.erase(s);
    if (closing && live.empty() && on_all_closed) std::exchange(on_all_closed, nullptr)();
  }
};

// Entry points of the two session kinds (http_session.cpp, websocket_session.cpp).
void start_ticker(std::shared_ptr<Gateway::State> state);
// Starts writer's write once the running handler returns (State::deferred_writes).
void defer_write(const std::shared_ptr<Gateway::State>& state,
                 std::weak_ptr<Closable> writer);
void start_http_session(std::shared_ptr<Gateway::State> state,
                        boost::asio::ip::tcp::socket socket);

}  // namespace parley::gateway
