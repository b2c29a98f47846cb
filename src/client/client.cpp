// Client life cycle: connect, resume, reconnect with backoff, and the
// requests the application makes. Frames from the server: client_inbound.cpp.
#include <algorithm>
#include <random>
#include <tuple>

#include "client/client_impl.h"
#include "common/ids.h"

namespace parley::client {

const char* to_string(State s) noexcept {
  switch (s) {
    case State::idle:
      return "idle";
    case State::connecting:
      return "connecting";
    case State::syncing:
      return "syncing";
    case State::live:
      return "live";
    case State::waiting:
      return "waiting";
    case State::stopped:
      return "stopped";
  }
  return "?";
}

Client::Impl::Impl(boost::asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      backoff_(options_.backoff_base, options_.backoff_max),
      timer_(io),
      received_timer_(io),
      gap_timer_(io),
      device_id_(options_.device_id.empty() ? new_id("d").substr(0, 13) : options_.device_id) {}

std::uint64_t Client::Impl::random() {
  // One generator per thread, not per client: thousands of clients share it.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

std::string Client::Impl::token() const {
  return options_.token_provider ? options_.token_provider() : options_.token;
}

std::string Client::Impl::next_req(char prefix) {
  std::string req(1, prefix);
  req += std::to_string(++counter_);
  return req;
}

void Client::Impl::set_state(State s, int close_code, std::string reason,
                             std::chrono::milliseconds retry_in) {
  if (state_ == s && s != State::waiting) return;
  state_ = s;
  emit(on_.state, StateChange{s, close_code, std::move(reason), retry_in});
}

void Client::Impl::arm_timer(std::chrono::milliseconds delay, void (Impl::*what)()) {
  auto generation = ++timer_generation_;
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this(), generation, what](boost::system::error_code ec) {
    if (ec || self->shut_down_ || generation != self->timer_generation_) return;
    ((*self).*what)();
  });
}

// ---- life cycle ----

void Client::Impl::start() {
  if (shut_down_ || state_ == State::connecting || connected() || state_ == State::waiting) return;
  connect();
}

void Client::Impl::connect() {
  if (shut_down_) return;
  set_state(State::connecting);
  if (options_.endpoint_provider) std::tie(options_.host, options_.port) = options_.endpoint_provider();
  conn_ = WsConnection::create(io_, *this);
  conn_->open(
      WsConnection::Target{options_.host, options_.port, "/ws", token(), options_.connect_timeout,
                           options_.local_address});
}

void Client::Impl::stop() {
  ++timer_generation_;
  timer_.cancel();
  received_timer_.cancel();
  received_armed_ = false;
  gap_timer_.cancel();
  gap_armed_ = false;
  if (conn_) {
    conn_->detach();
    conn_->close(1000);
    conn_.reset();
  }
  outbox_.connection_lost();
  syncs_.clear();
  pings_.clear();
  for (auto& [id, st] : conversations_) st.sync_in_flight = false;
  set_state(State::stopped, 1000, "stopped by the application");
}

void Client::Impl::shutdown() {
  // Nothing reaches the application any more. The handlers stay until the
  // Impl goes: one of them may be running (the Client destroyed from it).
  shut_down_ = true;
  stop();
}

void Client::Impl::on_open() {
  // Until hello tells the heartbeat, the connect timeout bounds silence.
  conn_->set_idle_timeout(options_.connect_timeout);
}

void Client::Impl::on_closed(const CloseInfo& info) {
  auto self = shared_from_this();
  conn_.reset();
  ++timer_generation_;
  received_timer_.cancel();
  received_armed_ = false;
  gap_timer_.cancel();
  gap_armed_ = false;
  outbox_.connection_lost();
  syncs_.clear();
  pings_.clear();
  for (auto& [id, st] : conversations_) {
    st.sync_in_flight = false;
    st.received_sent = st.buffer.last_seq();  // the next resume starts from there
  }
  if (info.http_status != 0) {
    Errc code = info.http_status == 401 ? Errc::unauthorized : Errc::unavailable;
    report(client_error(
        make_error(code, "upgrade refused with HTTP " + std::to_string(info.http_status))));
  }
  if (shut_down_) return;
  if (!options_.auto_reconnect) {
    reconnect_after_ms_ = -1;
    return set_state(State::stopped, info.code, info.reason);
  }
  std::chrono::milliseconds delay = reconnect_after_ms_ >= 0
                                        ? std::chrono::milliseconds(reconnect_after_ms_)
                                        : backoff_.next(random());
  reconnect_after_ms_ = -1;
  set_state(State::waiting, info.code, info.reason, delay);
  arm_timer(delay, &Impl::connect);
}

void Client::Impl::go_live() {
  backoff_.reset();
  set_state(State::live);
  if (!live()) return;  // a callback stopped the client
  for (auto& r : reads_) conn_->send(encode_receipt(r.req, r.conversation_id, true, r.seq));
  reads_.clear();
  flush_outbox();
}

// ---- requests ----

void Client::Impl::track(const std::string& conversation_id, std::int64_t last_seq) {
  auto [it, inserted] = conversations_.try_emplace(conversation_id, last_seq);
  it->second.left_to_app = false;
  if (!inserted) {
    std::vector<Message> ready;
    it->second.buffer.advance_to(last_seq, ready);
    deliver(ready);
  }
  if (connected() && !it->second.sync_in_flight) request_sync({conversation_id}, false);
}

void Client::Impl::flush_outbox() {
  outbox_.flush(Clock::now(), [this](const OutgoingMessage& m) {
    // The client_msg_id doubles as the req: an error names the send it refuses.
    conn_->send(encode_send(m.client_msg_id, m));
  });
}

void Client::Impl::retry_sends() {
  if (!live()) return;
  flush_outbox();
  // Another conversation's refused send may fall due later.
  if (auto due = outbox_.next_due()) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*due - Clock::now());
    arm_timer(std::max(wait, std::chrono::milliseconds(10)), &Impl::retry_sends);
  }
}

std::string Client::Impl::send(const std::string& conversation_id, std::string content,
                               std::string kind, std::string reply_to) {
  std::string id = device_id_ + "-" + std::to_string(++counter_);
  OutgoingMessage m;
  m.conversation_id = conversation_id;
  m.client_msg_id = id;
  m.content = std::move(content);
  m.kind = kind.empty() ? "text" : std::move(kind);
  m.reply_to = std::move(reply_to);
  m.queued_at = Clock::now();
  outbox_.push(std::move(m));
  if (live()) flush_outbox();
  return id;
}

std::string Client::Impl::mark_read(const std::string& conversation_id, std::int64_t seq) {
  auto it = conversations_.find(conversation_id);
  if (seq <= 0) seq = it == conversations_.end() ? 0 : it->second.buffer.last_seq();
  std::string req = next_req('q');
  if (seq <= 0) return req;  // nothing to mark
  if (live()) {
    conn_->send(encode_receipt(req, conversation_id, true, seq));
  } else {
    auto r = std::find_if(reads_.begin(), reads_.end(), [&](const PendingRead& p) {
      return p.conversation_id == conversation_id;
    });
    if (r == reads_.end()) r = reads_.insert(reads_.end(), PendingRead{conversation_id, 0, {}});
    r->seq = std::max(r->seq, seq);
    r->req = req;
  }
  return req;
}

void Client::Impl::typing(const std::string& conversation_id) {
  if (live()) conn_->send(encode_typing(conversation_id));
}

Result<std::string> Client::Impl::request(std::string_view what, std::string req,
                                          std::string frame) {
  if (!live()) return make_error(Errc::unavailable, std::string(what) + ": not connected");
  conn_->send(std::move(frame));
  return req;
}

// ---- Client ----

Client::Client(boost::asio::io_context& io, Options options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

Client::~Client() { impl_->shutdown(); }

void Client::start() { impl_->start(); }
void Client::stop() { impl_->stop(); }
State Client::state() const noexcept { return impl_->state_; }
const Session& Client::session() const noexcept { return impl_->session_; }

void Client::track(const std::string& conversation_id, std::int64_t last_seq) {
  impl_->track(conversation_id, last_seq);
}

std::int64_t Client::last_seq(const std::string& conversation_id) const {
  auto it = impl_->conversations_.find(conversation_id);
  return it == impl_->conversations_.end() ? 0 : it->second.buffer.last_seq();
}

std::string Client::send(const std::string& conversation_id, std::string content, std::string kind,
                         std::string reply_to) {
  return impl_->send(conversation_id, std::move(content), std::move(kind), std::move(reply_to));
}

std::string Client::mark_read(const std::string& conversation_id, std::int64_t seq) {
  return impl_->mark_read(conversation_id, seq);
}

void Client::typing(const std::string& conversation_id) { impl_->typing(conversation_id); }

Result<std::string> Client::edit(const std::string& conversation_id, const std::string& message_id,
                                 const std::string& content) {
  auto req = impl_->next_req('q');
  return impl_->request("edit", req, encode_edit(req, conversation_id, message_id, content));
}

Result<std::string> Client::delete_message(const std::string& conversation_id,
                                           const std::string& message_id) {
  auto req = impl_->next_req('q');
  return impl_->request("delete", req, encode_delete(req, conversation_id, message_id));
}

Result<std::string> Client::ping() {
  auto req = impl_->next_req('p');
  auto r = impl_->request("ping", req, encode_ping(req));
  if (r) impl_->pings_.emplace_back(req, Clock::now());
  return r;
}

std::size_t Client::pending_sends() const noexcept { return impl_->outbox_.size(); }

void Client::on_message(std::function<void(const Message&)> f) {
  impl_->on_.message = std::move(f);
}
void Client::on_ack(std::function<void(const Ack&)> f) { impl_->on_.ack = std::move(f); }
void Client::on_message_updated(std::function<void(const MessageUpdate&)> f) {
  impl_->on_.message_updated = std::move(f);
}
void Client::on_typing(std::function<void(const Typing&)> f) { impl_->on_.typing = std::move(f); }
void Client::on_receipt(std::function<void(const Receipt&)> f) {
  impl_->on_.receipt = std::move(f);
}
void Client::on_presence(std::function<void(const Presence&)> f) {
  impl_->on_.presence = std::move(f);
}
void Client::on_state(std::function<void(const StateChange&)> f) {
  impl_->on_.state = std::move(f);
}
void Client::on_synced(std::function<void(const Synced&)> f) { impl_->on_.synced = std::move(f); }
void Client::on_error(std::function<void(const ClientError&)> f) {
  impl_->on_.error = std::move(f);
}
void Client::on_ok(std::function<void(const std::string&)> f) { impl_->on_.ok = std::move(f); }
void Client::on_pong(std::function<void(const std::string&, std::chrono::microseconds)> f) {
  impl_->on_.pong = std::move(f);
}

}  // namespace parley::client
