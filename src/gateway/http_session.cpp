// One HTTP/1.1 connection: reads requests, answers REST through the
// HttpHandler, and hands WebSocket upgrades at /ws over once authenticated.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/gateway_metrics.h"
#include "gateway/gateway_state.h"
#include "gateway/origin_check.h"
#include "gateway/streamed_write.h"
#include "gateway/upgrade_token.h"
#include "gateway/websocket_session.h"
#include "gateway/ws_frame.h"
#include "protocol/server_frames.h"

namespace parley::gateway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Gateway::State> state, net::ip::tcp::socket socket)
      : state_(std::move(state)), stream_(std::move(socket)) {
    state_->add(this);
  }
  ~HttpSession() override {
    if (registered_) state_->remove(this);
  }

  void run() { read_next(); }

  void shutdown(std::uint16_t) override {
    // An HTTP request in flight finishes; an idle keep-alive connection ends.
    closing_ = true;
    if (!busy_) {
      beast::error_code ignored;
      stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
    }
  }

 private:
  // Two clocks (docs/protocol.md "Limits"): between requests a keep-alive
  // connection may sit idle for http_idle_timeout; once a request has begun
  // (and from the moment of accept) its headers must all arrive within
  // handshake_timeout, so a client trickling bytes (slow-header attack)
  // cannot hold a connection open.
  void read_next() {
    parser_.emplace();
    parser_->body_limit(boost::none);  // chosen per request once its header is in (read_body)
    parser_->header_limit(16 * 1024);
    buffer_.max_size(64 * 1024);
    busy_ = false;
    if (fresh_ || buffer_.size() > 0) {
      fresh_ = false;
      return read_header();
    }
    stream_.expires_after(state_->options.http_idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](
                                                       beast::error_code ec, std::size_t n) {
      if (ec) return self->close_socket();  // idle too long, or closed
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void read_header() {
    stream_.expires_after(state_->options.handshake_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec || self->parser_->is_done()) return self->on_read(ec);
          self->read_body();
        });
  }

  // The handler picks the body limit from the method and target (uploads
  // take more than max_body_bytes); a declared length over it is refused
  // before any of the body is read.
  void read_body() {
    const auto& h = parser_->get();
    const std::size_t limit =
        state_->http.body_limit(h.method_string(), h.target(), state_->options.max_body_bytes);
    if (auto n = parser_->content_length(); n && *n > limit) {
      return on_read(http::error::body_limit);
    }
    parser_->body_limit(limit);
    // The body has the idle clock: a large upload may take a while, so it
    // gets a second more per 256 KiB of limit above the default.
    const auto extra = std::chrono::seconds(
        limit > state_->options.max_body_bytes ? limit / (256 * 1024) : 0);
    stream_.expires_after(state_->options.http_idle_timeout + extra);
    auto read = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    };
    if (beast::iequals(h[http::field::expect], "100-continue")) {
      // curl waits for this (up to a second) before it sends a large body.
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue),
                              [self = shared_from_this(), read](beast::error_code ec, std::size_t) {
                                if (ec) return self->close_socket();
                                read();
                              });
    }
    read();
  }

  void on_read(beast::error_code ec) {
    busy_ = true;
    if (ec == http::error::body_limit) {
      return respond_error(413, make_error(Errc::too_large, "request body too large"), false);
    }
    if (ec == http::error::header_limit) {
      return respond_error(431, make_error(Errc::too_large, "request headers too large"), false);
    }
    if (ec) return close_socket();  // closed, timed out, or not HTTP

    auto req = parser_->release();
    if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req));

    metric::http_requests.inc();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.range = std::string(req[http::field::range]);
    r.if_none_match = std::string(req[http::field::if_none_match]);
    r.body = std::move(req.body());
    bool keep_alive = req.keep_alive() && !closing_;
    unsigned version = req.version();
    state_->http.on_http(std::move(r), [self = shared_from_this(), keep_alive,
                                        version](HttpResponse response) {
      self->write(std::move(response), keep_alive, version);
    });
  }

  void upgrade(http::request<http::string_body> req) {
    auto path = req.target().substr(0, req.target().find('?'));
    if (path != "/ws") {
      return respond_error(404, make_error(Errc::not_found, "WebSocket endpoint is /ws"), false);
    }
    if (closing_) {
      return respond_error(503, make_error(Errc::unavailable, "server is shutting down"), false);
    }
    if (!origin_allowed(req[http::field::origin], req[http::field::host],
                        state_->options.allowed_origins)) {
      metric::auth_failures.inc();
      return respond_error(403, make_error(Errc::forbidden, "origin not allowed"), false);
    }
    if (req[http::field::sec_websocket_version] != "13") {
      return respond_error(426, make_error(Errc::bad_request, "WebSocket version 13 only"), false);
    }
    auto key = req[http::field::sec_websocket_key];
    if (key.empty() || key.size() > 64) {
      return respond_error(400, make_error(Errc::bad_request, "missing Sec-WebSocket-Key"), false);
    }
    auto found = find_upgrade_token(req[http::field::authorization], req.target(),
                                    req[http::field::sec_websocket_protocol]);
    if (found.token.empty()) {
      metric::auth_failures.inc();
      return respond_error(401, make_error(Errc::unauthorized, "missing token"), false);
    }
    auto admitted = state_->chat.admit(found.token);
    if (!admitted) {
      // 401 for a bad token, 429 for one connection too many.
      if (admitted.error().code == make_error_code(Errc::unauthorized)) metric::auth_failures.inc();
      return respond_error(http_status(admitted.error().code), admitted.error(), false);
    }

    std::string handshake =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Server: parley\r\n"
        "Sec-WebSocket-Accept: " + ws::accept_key(key) + "\r\n";
    if (found.offered_parley) handshake += "Sec-WebSocket-Protocol: parley\r\n";
    handshake += "\r\n";
    std::string early(static_cast<const char*>(buffer_.data().data()), buffer_.size());

    // The WebSocket session registers itself; this one leaves the books now.
    state_->remove(this);
    registered_ = false;
    stream_.expires_never();
    start_websocket_session(state_, stream_.release_socket(), std::move(handshake),
                            std::move(early), std::move(admitted).value());
  }

  void respond_error(int status, const Error& e, bool keep_alive) {
    write(HttpResponse{status, protocol::encode_error_body(e)}, keep_alive, 11);
  }

  void write(HttpResponse response, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version);
    res->set(http::field::server, "parley");
    res->set(http::field::content_type, response.content_type);
    res->set(http::field::cache_control, "no-store");
    res->set("X-Content-Type-Options", "nosniff");
    for (auto& [name, value] : response.headers) res->set(name, value);
    res->keep_alive(keep_alive && !closing_);
    if (response.stream) {
      // A large body (a media download): written chunk by chunk (streamed_write.h).
      const bool keep = res->keep_alive();
      return async_write_streamed(stream_, state_->readers, std::move(res->base()),
                                  std::move(response.stream),
                                  state_->options.http_idle_timeout,
                                  [self = shared_from_this(), keep](beast::error_code ec) {
                                    if (ec || !keep) return self->close_socket();
                                    self->read_next();
                                  });
    }
    res->body() = std::move(response.body);
    res->prepare_payload();
    stream_.expires_after(state_->options.http_idle_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !res->keep_alive()) return self->close_socket();
                        self->read_next();
                      });
  }

  void close_socket() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  std::shared_ptr<Gateway::State> state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool registered_ = true;
  bool fresh_ = true;  // no request read yet: the handshake clock runs from accept
  bool busy_ = false;
  bool closing_ = false;
};

}  // namespace

void start_http_session(std::shared_ptr<Gateway::State> state, net::ip::tcp::socket socket) {
  std::make_shared<HttpSession>(std::move(state), std::move(socket))->run();
}

}  // namespace parley::gateway
