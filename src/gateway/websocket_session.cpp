// One WebSocket: a read loop that decodes frames for the ChatHandler, and a
// write side with a bounded queue of shared frames and one write in flight.
#include "gateway/websocket_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "common/ids.h"
#include "gateway/outbound_queue.h"
#include "protocol/server_frames.h"

namespace parley::gateway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr std::uint16_t kTooSlow = 4008;  // docs/protocol.md

class WebsocketSession final : public Connection,
                               public Closable,
                               public std::enable_shared_from_this<WebsocketSession> {
 public:
  WebsocketSession(std::shared_ptr<Gateway::State> state, beast::tcp_stream stream,
                   std::string user_id)
      : state_(std::move(state)),
        ws_(std::move(stream)),
        user_id_(std::move(user_id)),
        session_id_(new_id("s_")),
        queue_(state_->options.max_queue_frames, state_->options.max_queue_bytes) {
    state_->add(this);
  }
  ~WebsocketSession() override { state_->remove(this); }

  void run(http::request<http::string_body> request, bool echo_parley) {
    const auto& o = state_->options;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
    // Ping after one idle heartbeat, drop after two.
    websocket::stream_base::timeout timeouts{o.handshake_timeout, o.heartbeat * 2, true};
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([echo_parley](websocket::response_type& res) {
      res.set(http::field::server, "parley");
      if (echo_parley) res.set(http::field::sec_websocket_protocol, "parley");
    }));
    ws_.read_message_max(o.max_frame_bytes);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      self->on_accept(ec);
    });
  }

  // ---- Connection ----
  const std::string& user_id() const override { return user_id_; }
  const std::string& session_id() const override { return session_id_; }

  void send(Frame frame, bool ephemeral) override {
    if (closing_ || !open_) return;
    auto pushed = queue_.push(std::move(frame), ephemeral, writing_);
    if (pushed == OutboundQueue::Push::overflow) {
      // Too slow to keep up: drop what is queued and tell it to resume.
      queue_.clear();
      close(kTooSlow, "too slow; reconnect and resume");
      return;
    }
    if (!writing_ && !queue_.empty()) write_next();
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    // Posted, so that close never re-enters the caller (see connection.h).
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->close_when_idle(); });
  }

  // ---- Closable ----
  void shutdown(std::uint16_t code) override { close(code, "server shutting down"); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;  // the handshake failed; nothing was announced
    open_ = true;
    state_->chat.on_connect(shared_from_this());  // sends hello first
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_closed();
    if (!closing_) {
      if (!ws_.got_text()) {
        send(protocol::share(protocol::encode_error(
                 "", make_error(Errc::bad_request, "binary frames are not accepted"))),
             false);
      } else {
        dispatch(std::string_view(static_cast<const char*>(buffer_.data().data()),
                                  buffer_.size()));
      }
    }
    buffer_.consume(buffer_.size());
    // A big frame should not pin its buffer for the life of an idle connection.
    if (buffer_.capacity() > 16 * 1024) buffer_.shrink_to_fit();
    read_next();
  }

  void dispatch(std::string_view text) {
    std::string req;
    auto frame = protocol::decode_client_frame(text, state_->options.limits, req);
    if (!frame) {
      send(protocol::share(protocol::encode_error(req, frame.error())), false);
      return;
    }
    state_->chat.on_frame(shared_from_this(), std::move(frame).value());
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      queue_.clear();
      return;  // the read side sees the failure and ends the session
    }
    queue_.pop();
    if (closing_) return close_when_idle();
    if (!queue_.empty()) write_next();
  }

  // Beast allows a close beside a pending write, but finishing the write
  // first keeps frames whole and ordered before the close frame.
  void close_when_idle() {
    if (writing_ || close_sent_) return;
    close_sent_ = true;
    queue_.clear();
    if (!open_) {
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
      return;
    }
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  void on_closed() {
    if (!open_) return;
    open_ = false;
    closing_ = true;
    queue_.clear();
    state_->chat.on_disconnect(shared_from_this());
  }

  std::shared_ptr<Gateway::State> state_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string user_id_;
  std::string session_id_;
  OutboundQueue queue_;
  websocket::close_reason close_reason_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
};

}  // namespace

void start_websocket_session(std::shared_ptr<Gateway::State> state, beast::tcp_stream stream,
                             http::request<http::string_body> request, std::string user_id,
                             bool echo_parley_protocol) {
  auto session = std::make_shared<WebsocketSession>(std::move(state), std::move(stream),
                                                    std::move(user_id));
  session->run(std::move(request), echo_parley_protocol);
}

}  // namespace parley::gateway
