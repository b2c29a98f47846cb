// One WebSocket, on a plain socket: RFC 6455 framing is ours (ws_frame.h),
// which lets a session coalesce every queued frame into one gathered write
// and hold no buffer at all while idle. Beast handles only the HTTP upgrade.
#include "gateway/websocket_session.h"

#include <array>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "common/ids.h"
#include "gateway/gateway_metrics.h"
#include "gateway/outbound_queue.h"
#include "gateway/ws_frame.h"
#include "protocol/server_frames.h"

namespace parley::gateway {
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxFramesPerWrite = 64;
constexpr auto kCloseGrace = std::chrono::seconds(5);

// One read buffer per thread, shared by every connection: an idle
// connection holds none.
std::array<std::uint8_t, 64 * 1024>& scratch() {
  thread_local std::array<std::uint8_t, 64 * 1024> buffer;
  return buffer;
}

// A buffer sequence over the session's gather vector, copied cheaply into
// the write operation.
struct Gather {
  const net::const_buffer* first;
  const net::const_buffer* last;
  const net::const_buffer* begin() const { return first; }
  const net::const_buffer* end() const { return last; }
};

class WebsocketSession final : public Connection,
                               public Closable,
                               public std::enable_shared_from_this<WebsocketSession> {
 public:
  WebsocketSession(std::shared_ptr<Gateway::State> state, tcp::socket socket, Admission admission)
      : state_(std::move(state)),
        socket_(std::move(socket)),
        user_id_(std::move(admission.user_id)),
        session_id_(new_id("s_")),
        token_expires_s_(admission.token_expires_s),
        parser_(state_->options.max_frame_bytes),
        queue_(state_->options.max_queue_frames, state_->options.max_queue_bytes),
        last_heard_(Clock::now()) {
    state_->add(this);
    metric::connections_open.add(1);
    metric::connections_total.inc();
  }
  ~WebsocketSession() override {
    metric::connections_open.add(-1);
    state_->remove(this);
  }

  void start(std::string handshake, std::string early_bytes) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    queue_.push_unbounded(protocol::share(std::move(handshake)));
    open_ = true;
    state_->chat.on_connect(shared_from_this());  // queues hello behind the 101
    write_next();
    if (!early_bytes.empty()) {
      consume(reinterpret_cast<const std::uint8_t*>(early_bytes.data()), early_bytes.size());
    }
    wait_readable();
  }

  // ---- Connection ----
  const std::string& user_id() const override { return user_id_; }
  const std::string& session_id() const override { return session_id_; }
  std::int64_t token_expires_s() const override { return token_expires_s_; }

  void send(Frame frame, bool ephemeral) override {
    if (closing_ || !open_) return;
    if (queue_.push(std::move(frame), ephemeral) == OutboundQueue::Push::overflow) {
      // Too slow to keep up: what is queued is dropped; what is being
      // written finishes, then the close frame tells it to resume.
      queue_.clear();
      metric::slow_disconnects.inc();
      close(ws::close_code::too_slow, "too slow; reconnect and resume");
      return;
    }
    if (writing_ || write_deferred_) return;  // goes with the write in flight, or the next
    write_deferred_ = true;
    defer_write(state_, weak_from_this());
  }

  void start_deferred_write() override {
    write_deferred_ = false;
    write_next();
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_ || !open_) return;
    closing_ = true;
    close_deadline_ = Clock::now() + kCloseGrace;
    queue_.push_unbounded(protocol::share(ws::close_frame(code, reason)), /*is_close=*/true);
    if (!writing_) write_next();
  }

  // ---- Closable ----
  void shutdown(std::uint16_t code) override { close(code, "server shutting down"); }

  void tick(Clock::time_point now) override {
    if (!open_) return;
    if (closing_) {
      if (now >= close_deadline_) drop();
      return;
    }
    auto heartbeat = state_->options.heartbeat;
    auto silent = now - last_heard_;
    // Ping after one quiet heartbeat; drop before the second one ends.
    if (silent >= heartbeat * 2 - state_->tick_period()) {
      drop();
    } else if (silent >= heartbeat && !ping_outstanding_) {
      ping_outstanding_ = true;
      queue_.push_unbounded(protocol::share(ws::control_frame(ws::Opcode::ping, {})));
      if (!writing_) write_next();
    }
  }

 private:
  // ---- read side ----
  void wait_readable() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         if (ec) return self->on_closed();
                         self->read_available();
                       });
  }

  void read_available() {
    auto& buf = scratch();
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(net::buffer(buf), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) return wait_readable();
    if (ec) return on_closed();  // EOF or reset
    last_heard_ = Clock::now();
    ping_outstanding_ = false;
    consume(buf.data(), n);
    if (!open_) return;
    parser_.release_memory();
    wait_readable();
  }

  void consume(const std::uint8_t* data, std::size_t n) {
    parser_.feed(data, n, [this](const ws::Event& e) { on_event(e); });
  }

  void on_event(const ws::Event& e) {
    switch (e.kind) {
      case ws::Event::Kind::message:
        if (closing_) return;
        if (!e.text) {
          send(protocol::share(protocol::encode_error(
                   "", make_error(Errc::bad_request, "binary frames are not accepted"))),
               false);
          return;
        }
        dispatch(e.payload);
        return;
      case ws::Event::Kind::ping:
        queue_.push_unbounded(protocol::share(ws::control_frame(ws::Opcode::pong, e.payload)));
        if (!writing_) write_next();
        return;
      case ws::Event::Kind::pong:
        return;
      case ws::Event::Kind::close:
        peer_closed_ = true;
        if (!closing_) {
          // Echo the peer's code, as RFC 6455 asks; on_written then drops.
          std::uint16_t code = e.code == ws::close_code::no_status ? ws::close_code::normal : e.code;
          close(code, {});
        } else if (close_sent_) {
          drop();
        }
        return;
      case ws::Event::Kind::error:
        metric::protocol_errors.inc();
        queue_.clear();
        close(e.code, e.code == ws::close_code::too_big ? "frame too large" : "protocol error");
        return;
    }
  }

  void dispatch(std::string_view text) {
    metric::frames_in.inc();
    std::string req;
    auto frame = protocol::decode_client_frame(text, state_->options.limits, req);
    if (!frame) {
      send(protocol::share(protocol::encode_error(req, frame.error())), false);
      return;
    }
    state_->chat.on_frame(shared_from_this(), std::move(frame).value());
  }

  // ---- write side: one gathered write in flight ----
  void write_next() {
    if (writing_ || close_in_flight_ || queue_.empty() || !socket_.is_open()) return;
    writing_ = true;
    queue_.take(kMaxFramesPerWrite, in_flight_);
    headers_.resize(in_flight_.size() * ws::kMaxHeaderBytes);
    gather_.clear();
    gather_.reserve(in_flight_.size() * 2);
    for (std::size_t i = 0; i < in_flight_.size(); ++i) {
      const auto& e = in_flight_[i];
      if (!e.raw) {
        auto* h = headers_.data() + i * ws::kMaxHeaderBytes;
        gather_.emplace_back(h, ws::write_header(h, ws::Opcode::text, e.frame->size()));
      }
      if (e.close) close_in_flight_ = true;
      gather_.emplace_back(e.frame->data(), e.frame->size());
    }
    metric::frames_out.inc(in_flight_.size());
    metric::writes.inc();
    net::async_write(socket_, Gather{gather_.data(), gather_.data() + gather_.size()},
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->on_written(ec);
                     });
  }

  void on_written(boost::system::error_code ec) {
    writing_ = false;
    in_flight_.clear();
    if (ec) return drop();
    if (close_in_flight_) {
      // Our close frame is out: no more writes. Wait (briefly) for the
      // peer's close, unless it already came.
      close_sent_ = true;
      boost::system::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      if (peer_closed_) return drop();
      return;
    }
    if (!queue_.empty()) return write_next();
    // Idle: give back what the burst needed.
    if (gather_.capacity() > 32) {
      std::vector<net::const_buffer>().swap(gather_);
      std::vector<std::uint8_t>().swap(headers_);
      std::vector<OutboundQueue::Entry>().swap(in_flight_);
    }
  }

  void drop() {
    boost::system::error_code ignored;
    socket_.close(ignored);  // pending operations end with an error
    on_closed();
  }

  void on_closed() {
    if (!open_) return;
    open_ = false;
    closing_ = true;
    queue_.clear();
    boost::system::error_code ignored;
    socket_.close(ignored);
    state_->chat.on_disconnect(shared_from_this());
  }

  std::shared_ptr<Gateway::State> state_;
  tcp::socket socket_;
  std::string user_id_;
  std::string session_id_;
  std::int64_t token_expires_s_ = 0;
  ws::FrameParser parser_;
  OutboundQueue queue_;
  std::vector<OutboundQueue::Entry> in_flight_;
  std::vector<std::uint8_t> headers_;
  std::vector<net::const_buffer> gather_;
  Clock::time_point last_heard_;
  Clock::time_point close_deadline_{};
  bool open_ = false;
  bool writing_ = false;
  bool write_deferred_ = false;  // in State::deferred_writes
  bool closing_ = false;
  bool close_in_flight_ = false;
  bool close_sent_ = false;
  bool peer_closed_ = false;
  bool ping_outstanding_ = false;
};

}  // namespace

void defer_write(const std::shared_ptr<Gateway::State>& state,
                 std::weak_ptr<Closable> writer) {
  state->deferred_writes.push_back(std::move(writer));
  if (state->deferred_writes_posted) return;
  state->deferred_writes_posted = true;
  net::post(state->ioc, [state] {
    state->deferred_writes_posted = false;
    // Swapped, not moved: both vectors keep their capacity from turn to turn.
    auto& due = state->deferred_writes_starting;
    std::swap(due, state->deferred_writes);
    for (auto& w : due)
      if (auto writer = w.lock()) writer->start_deferred_write();
    due.clear();
  });
}

void start_websocket_session(std::shared_ptr<Gateway::State> state, tcp::socket socket,
                             std::string handshake, std::string early_bytes,
                             Admission admission) {
  auto session =
      std::make_shared<WebsocketSession>(std::move(state), std::move(socket), std::move(admission));
  session->start(std::move(handshake), std::move(early_bytes));
}

}  // namespace parley::gateway
