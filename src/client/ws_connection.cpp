// The one place the client touches Beast's WebSocket. Everything here runs on
// the io_context; handlers keep the connection alive through shared_from_this.
#include "client/ws_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <optional>

namespace parley::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// Frames above this size are refused; the server's own limit is 64 KiB.
constexpr std::size_t kMaxReadBytes = 1 << 20;
// Client frames must be masked, which Beast does through a write buffer
// kept for the connection's life: small, since client frames are small.
constexpr std::size_t kWriteBufferBytes = 1024;

class BeastWsConnection final : public WsConnection,
                                public std::enable_shared_from_this<BeastWsConnection> {
 public:
  BeastWsConnection(net::io_context& io, Listener& listener)
      : listener_(&listener), ws_(io), timer_(io) {}

  void open(Target target) override {
    target_ = std::move(target);
    timer_.expires_after(target_.timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->open_) self->abort("connect timed out");
    });
    beast::error_code ec;
    auto address = net::ip::make_address(target_.host, ec);
    if (!ec) return connect_to(tcp::endpoint(address, target_.port));
    // Names need the resolver; literal addresses (the common case for many
    // clients) skip it.
    resolver_ = std::make_unique<tcp::resolver>(ws_.get_executor());
    resolver_->async_resolve(
        target_.host, std::to_string(target_.port),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->resolver_.reset();
          if (ec) return self->finish(failure("resolve: " + ec.message()));
          net::async_connect(
              beast::get_lowest_layer(self->ws_), results,
              [self](beast::error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
        });
  }

  void send(std::string text) override {
    if (closing_ || done_) return;
    queue_.push_back(std::move(text));
    if (open_ && !writing_) write_next();
  }

  void set_idle_timeout(std::chrono::milliseconds idle) override {
    websocket::stream_base::timeout t{target_.timeout, idle, true};
    ws_.set_option(t);
  }

  void close(int code) override {
    if (closing_ || done_) return;
    closing_ = true;
    close_code_ = code;
    if (!open_) {
      // Posted: the listener never hears from inside a call it made.
      net::post(ws_.get_executor(),
                [self = shared_from_this()] { self->abort("closed before open"); });
      return;
    }
    close_when_idle();
  }

  void detach() override { listener_ = nullptr; }

  std::size_t queued() const override { return queue_.size(); }

 private:
  static CloseInfo failure(std::string reason) {
    CloseInfo info;
    info.reason = std::move(reason);
    return info;
  }

  void connect_to(const tcp::endpoint& endpoint) {
    if (!target_.local_address.empty()) {
      if (auto ec = bind_local(endpoint); ec) {
        // Posted: this runs inside open(), and the listener never hears
        // from inside a call it made.
        return net::post(ws_.get_executor(), [self = shared_from_this(), ec] {
          self->abort("bind: " + ec.message());
        });
      }
    }
    beast::get_lowest_layer(ws_).async_connect(
        endpoint, [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
  }

  // Binds to the local address with port 0 and IP_BIND_ADDRESS_NO_PORT, so
  // the kernel still picks the port at connect() by the whole 4-tuple (a
  // plain bind would reserve a port for every destination).
  beast::error_code bind_local(const tcp::endpoint& destination) {
    beast::error_code ec;
    auto local = net::ip::make_address(target_.local_address, ec);
    if (ec) return ec;
    auto& socket = beast::get_lowest_layer(ws_);
    if (!socket.is_open()) socket.open(destination.protocol(), ec);
    if (ec) return ec;
#ifdef IP_BIND_ADDRESS_NO_PORT
    int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    socket.bind(tcp::endpoint(local, 0), ec);
    return ec;
  }

  void on_connect(beast::error_code ec) {
    if (done_) return;
    if (ec) return finish(failure("connect: " + ec.message()));
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ignored);
    ws_.set_option(
        websocket::stream_base::timeout{target_.timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [auth = "Bearer " + target_.token](websocket::request_type& req) {
          req.set(beast::http::field::authorization, auth);
          req.set(beast::http::field::user_agent, "parley-client");
        }));
    ws_.read_message_max(kMaxReadBytes);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(kWriteBufferBytes);
    response_ = std::make_unique<websocket::response_type>();
    ws_.async_handshake(
        *response_, target_.host + ":" + std::to_string(target_.port), target_.path,
        [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    int status = response_ ? static_cast<int>(response_->result_int()) : 0;
    response_.reset();
    if (done_) return;
    if (ec) {
      CloseInfo info = failure("handshake: " + ec.message());
      // Only a response that came is a refusal: Beast presets the status to
      // 500 before the handshake, so a timeout or a reset used to read as
      // "upgrade refused with HTTP 500".
      if (ec == websocket::error::upgrade_declined) info.http_status = status;
      return finish(info);
    }
    timer_.cancel();
    open_ = true;
    target_.token.clear();
    // The decorator holds a copy of the token; it is needed no longer.
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type&) {}));
    if (listener_) listener_->on_open();
    if (done_) return;
    read_next();
    if (closing_) {
      close_when_idle();
    } else if (!queue_.empty() && !writing_) {
      write_next();
    }
  }

  void read_next() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      CloseInfo info;
      info.opened = true;
      if (ec == websocket::error::closed) {
        info.code = ws_.reason().code;
        info.reason.assign(ws_.reason().reason.data(), ws_.reason().reason.size());
      } else {
        info.reason = ec.message();
      }
      return finish(info);
    }
    if (ws_.got_text() && listener_ && !done_) {
      auto data = buffer_.cdata();
      listener_->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    // Freed after every frame: an idle connection (most of them, in a bench
    // of thousands) holds no read buffer; Beast reads headers into its own.
    buffer_.consume(buffer_.size());
    buffer_.shrink_to_fit();
    if (!done_) read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        net::buffer(queue_.front()),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      queue_.clear();  // the read side sees the failure and reports it
      return;
    }
    queue_.pop_front();
    if (closing_) return close_when_idle();
    if (!queue_.empty()) write_next();
  }

  // Frames queued before close() go out first, whole and in order.
  void close_when_idle() {
    if (writing_ || close_sent_ || done_) return;
    if (!queue_.empty()) return write_next();
    close_sent_ = true;
    ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(close_code_)),
                    [self = shared_from_this()](beast::error_code ec) {
                      CloseInfo info;
                      info.opened = true;
                      info.code = self->close_code_;
                      info.reason = "closed by the client";
                      self->finish(info);
                    });
  }

  // Ends the connection without a close handshake.
  void abort(std::string reason) {
    if (done_) return;
    beast::error_code ignored;
    if (resolver_) resolver_->cancel();
    beast::get_lowest_layer(ws_).close(ignored);
    finish(failure(std::move(reason)));
  }

  // Reports the end once; later completions find done_ set.
  void finish(const CloseInfo& info) {
    if (done_) return;
    done_ = true;
    open_ = false;
    timer_.cancel();
    queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    if (auto* l = std::exchange(listener_, nullptr)) l->on_closed(info);
  }

  Listener* listener_;
  websocket::stream<tcp::socket> ws_;
  net::steady_timer timer_;  // connect + handshake deadline
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  Target target_;
  std::unique_ptr<websocket::response_type> response_;  // during the handshake only
  std::unique_ptr<tcp::resolver> resolver_;             // during name resolution only
  int close_code_ = 1000;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool done_ = false;
};

}  // namespace

std::shared_ptr<WsConnection> WsConnection::create(net::io_context& io, Listener& listener) {
  return std::make_shared<BeastWsConnection>(io, listener);
}

}  // namespace parley::client
