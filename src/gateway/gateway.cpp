// The listener: binds, accepts, and hands each socket to an HTTP session.
#include "gateway/gateway.h"

#include <boost/asio/steady_timer.hpp>

#include "common/log.h"
#include "gateway/gateway_state.h"

namespace parley::gateway {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

void accept_next(std::shared_ptr<Gateway::State> state) {
  state->acceptor.async_accept([state](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !state->acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors and the like: log, count, carry on.
      component_logger("gateway")->warn("accept failed: {}", ec.message());
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      start_http_session(state, std::move(socket));
    }
    accept_next(state);
  });
}

}  // namespace

void start_ticker(std::shared_ptr<Gateway::State> state) {
  state->ticker.expires_after(state->tick_period());
  state->ticker.async_wait([state](const boost::system::error_code& ec) {
    if (ec) return;
    auto now = std::chrono::steady_clock::now();
    // Copy: a tick may end a session, which leaves the set.
    std::vector<Closable*> sessions(state->live.begin(), state->live.end());
    for (auto* s : sessions)
      if (state->live.count(s)) s->tick(now);
    start_ticker(state);
  });
}

Gateway::Gateway(net::io_context& ioc, ChatHandler& chat, HttpHandler& http,
                 GatewayOptions options)
    : state_(std::make_shared<State>(ioc, chat, http, std::move(options))) {}

Gateway::~Gateway() {
  stop_accepting();
  // A read in flight posts its result to the io_context: finish it while
  // that still exists.
  state_->readers.join();
}

Result<Endpoint> Gateway::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return make_error(Errc::bad_request, "not an IP address: " + host);
  tcp::endpoint ep(address, port);
  auto& a = state_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return make_error(Errc::unavailable, "cannot listen on " + host + ":" +
                                                   std::to_string(port) + ": " + ec.message());
  auto bound = a.local_endpoint();
  accept_next(state_);
  start_ticker(state_);
  return Endpoint{bound.address().to_string(), bound.port()};
}

void Gateway::stop_accepting() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
}

void Gateway::stop_ticking() { state_->ticker.cancel(); }

void Gateway::close_all(std::uint16_t code, std::chrono::milliseconds grace,
                        std::function<void()> done) {
  auto state = state_;
  state->closing = true;
  auto once = std::make_shared<std::function<void()>>(std::move(done));
  auto finish = [once] {
    if (*once) std::exchange(*once, nullptr)();
  };
  if (state->live.empty()) return finish();
  state->on_all_closed = finish;
  // Copy: sessions remove themselves while we walk.
  std::vector<Closable*> sessions(state->live.begin(), state->live.end());
  for (auto* s : sessions) s->shutdown(code);
  auto timer = std::make_shared<net::steady_timer>(state->ioc, grace);
  timer->async_wait([timer, finish](const boost::system::error_code&) { finish(); });
}

std::size_t Gateway::connection_count() const { return state_->live.size(); }

}  // namespace parley::gateway
