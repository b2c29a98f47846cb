#pragma once
// What every session of one gateway shares: the handlers, the options, and
// the set of live sessions (for shutdown). Event-loop only.
#include <functional>
#include <memory>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/gateway.h"

namespace parley::gateway {

class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown(std::uint16_t code) = 0;
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
  bool closing = false;
  std::function<void()> on_all_closed;

  void add(Closable* s) { live.insert(s); }
  void remove(Closable* s) {
    live.erase(s);
    if (closing && live.empty() && on_all_closed) std::exchange(on_all_closed, nullptr)();
  }
};

// Entry points of the two session kinds (http_session.cpp, websocket_session.cpp).
void start_http_session(std::shared_ptr<Gateway::State> state,
                        boost::asio::ip::tcp::socket socket);

}  // namespace parley::gateway
