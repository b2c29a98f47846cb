// Frames from the server: resume (hello, sync/synced), ordered delivery with
// `received` acknowledgements, acks of sends, and the pass-through events.
#include <algorithm>

#include "client/client_impl.h"
#include "client/rest.h"
#include "common/clock.h"

namespace parley::client {

namespace {
// A heartbeat may be late by this much before the connection counts as dead.
constexpr std::chrono::milliseconds kHeartbeatSlack{2000};

bool retryable(const Error& e) {
  return e.code == Errc::rate_limited || e.code == Errc::unavailable || e.code == Errc::internal;
}
}  // namespace

void Client::Impl::on_text(std::string_view text) {
  // A callback may destroy the Client: keep the state alive until we return.
  auto self = shared_from_this();
  auto frame = decode_server_frame(text);
  if (!frame) return report(client_error(frame.error()));
  dispatch(std::move(frame).value());
}

void Client::Impl::report(ClientError e) { emit(on_.error, e); }

void Client::Impl::dispatch(ServerFrame frame) {
  std::visit(
      [this](auto&& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, Session> || std::is_same_v<T, AckFrame> ||
                      std::is_same_v<T, Message> || std::is_same_v<T, Synced> ||
                      std::is_same_v<T, ErrorFrame> || std::is_same_v<T, PongFrame>) {
          handle(std::move(f));
        } else if constexpr (std::is_same_v<T, MessageUpdate>) {
          emit(on_.message_updated, f);
        } else if constexpr (std::is_same_v<T, Typing>) {
          emit(on_.typing, f);
        } else if constexpr (std::is_same_v<T, Receipt>) {
          emit(on_.receipt, f);
        } else if constexpr (std::is_same_v<T, Presence>) {
          emit(on_.presence, f);
        } else if constexpr (std::is_same_v<T, ReconnectFrame>) {
          // The server is draining and closes with 1001 next; on_closed waits this long.
          reconnect_after_ms_ = std::max<std::int64_t>(0, f.after_ms);
        } else if constexpr (std::is_same_v<T, OkFrame>) {
          emit(on_.ok, f.req);
        }  // UnknownFrame: ignored, a newer server may add frames
      },
      std::move(frame));
}

// ---- resume ----

void Client::Impl::handle(Session hello) {
  session_ = std::move(hello);
  if (session_.heartbeat_ms > 0)
    conn_->set_idle_timeout(std::chrono::milliseconds(2 * session_.heartbeat_ms) + kHeartbeatSlack);
  set_state(State::syncing);
  if (state_ != State::syncing) return;  // a callback stopped the client
  std::vector<std::string> ids;
  ids.reserve(conversations_.size());
  for (auto& [id, st] : conversations_) ids.push_back(id);
  request_sync(std::move(ids), true);
}

void Client::Impl::request_sync(std::vector<std::string> ids, bool resume) {
  // A resume sends at least one sync (maybe empty): its synced marks "live".
  std::size_t at = 0;
  do {
    std::size_t n = std::min(kMaxSyncConversations, ids.size() - at);
    std::vector<std::pair<std::string, std::int64_t>> from;
    SyncInFlight sync{next_req(resume ? 'y' : 'g'), {}, resume};
    for (std::size_t i = at; i < at + n; ++i) {
      auto& st = conversations_.at(ids[i]);
      st.sync_in_flight = true;
      from.emplace_back(ids[i], st.buffer.last_seq());
      sync.conversation_ids.push_back(ids[i]);
    }
    at += n;
    conn_->send(encode_sync(sync.req, from));
    syncs_.push_back(std::move(sync));
  } while (at < ids.size());
}

// A sync is over (synced or error): live once no sync of the resume is left.
void Client::Impl::finish_sync(bool resume) {
  if (resume && state_ == State::syncing &&
      std::none_of(syncs_.begin(), syncs_.end(), [](const SyncInFlight& s) { return s.resume; }))
    go_live();
}

void Client::Impl::handle(Synced s) {
  auto it = std::find_if(syncs_.begin(), syncs_.end(),
                         [&](const SyncInFlight& f) { return f.req == s.req; });
  bool resume = false;
  if (it != syncs_.end()) {
    resume = it->resume;
    for (auto& id : it->conversation_ids)
      if (auto c = conversations_.find(id); c != conversations_.end())
        c->second.sync_in_flight = false;
    syncs_.erase(it);
  }
  for (auto& id : s.not_member) conversations_.erase(id);
  for (auto& [id, last] : s.too_far_behind) {
    auto c = conversations_.find(id);
    if (c == conversations_.end()) continue;
    if (!options_.page_too_far_behind) {
      // The application fetches the history and calls track() again; until
      // then a gap there asks the server nothing.
      c->second.left_to_app = true;
      continue;
    }
    s.paging = true;
    if (!c->second.paging) page(id);
  }
  emit(on_.synced, s);
  finish_sync(resume);
  if (shut_down_) return;
  for (const auto& [id, st] : conversations_)
    if (st.buffer.has_gap() && st.may_sync())
      return arm_once(gap_timer_, gap_armed_, options_.gap_retry_interval, &Impl::retry_gaps);
}

void Client::Impl::retry_gaps() {
  std::vector<std::string> ids;
  for (const auto& [id, st] : conversations_)
    if (st.buffer.has_gap() && st.may_sync()) ids.push_back(id);
  if (!ids.empty()) request_sync(std::move(ids), false);
}

// Fetches what the replay refused (too_far_behind), a page at a time; live
// messages arriving meanwhile wait in the buffer.
void Client::Impl::page(const std::string& conversation_id) {
  auto c = conversations_.find(conversation_id);
  if (c == conversations_.end()) return;
  c->second.paging = true;
  RestClient rest(io_, options_.host, options_.port,
                  [self = shared_from_this()] { return self->token(); });
  rest.history_after(conversation_id, c->second.buffer.last_seq(), kHistoryPage,
                     [self = shared_from_this(), conversation_id](Result<HistoryPage> page) {
                       if (self->shut_down_) return;
                       auto c = self->conversations_.find(conversation_id);
                       if (c == self->conversations_.end()) return;
                       if (!page) {
                         c->second.paging = false;
                         return self->report(client_error(page.error(), conversation_id));
                       }
                       std::vector<Message> ready;
                       for (auto& m : page->messages) {
                         if (m.conversation_id.empty()) m.conversation_id = conversation_id;
                         (void)c->second.buffer.push(std::move(m), ready);
                       }
                       bool more = page->has_more && !page->messages.empty();
                       if (!more) c->second.paging = false;
                       self->deliver(ready);
                       if (more) return self->page(conversation_id);
                       // Anything still out of order past the history: ask the socket.
                       c = self->conversations_.find(conversation_id);
                       if (c != self->conversations_.end() && c->second.buffer.has_gap() &&
                           c->second.may_sync() && self->connected())
                         self->request_sync({conversation_id}, false);
                     });
}

// ---- messages ----

void Client::Impl::handle(Message m) {
  m.received_at = Clock::now();
  m.received_at_ms = now_ms();
  auto c = conversations_.find(m.conversation_id);
  // Never tracked: tracked from this message on.
  if (c == conversations_.end()) c = conversations_.try_emplace(m.conversation_id, m.seq - 1).first;
  auto& st = c->second;
  std::vector<Message> ready;
  std::string id = m.conversation_id;
  switch (st.buffer.push(std::move(m), ready)) {
    case ConversationBuffer::Verdict::delivered:
      deliver(ready);
      break;
    case ConversationBuffer::Verdict::duplicate:
      // A retransmit: our `received` may not have arrived; say it again.
      st.received_sent = 0;
      arm_received();
      break;
    case ConversationBuffer::Verdict::buffered:
    case ConversationBuffer::Verdict::dropped:
      if (st.may_sync() && connected()) request_sync({id}, false);
      break;
  }
}

void Client::Impl::deliver(std::vector<Message>& ready) {
  if (ready.empty()) return;
  arm_received();
  for (auto& m : ready) {
    if (shut_down_) return;
    emit(on_.message, m);
  }
}

void Client::Impl::arm_received() {
  arm_once(received_timer_, received_armed_, options_.received_interval, &Impl::flush_received);
}

void Client::Impl::arm_once(boost::asio::steady_timer& timer, bool& armed,
                            std::chrono::milliseconds delay, void (Impl::*what)()) {
  if (armed || !connected()) return;
  armed = true;
  timer.expires_after(delay);
  timer.async_wait([self = shared_from_this(), &armed, what](boost::system::error_code ec) {
    if (ec || self->shut_down_) return;
    armed = false;
    if (self->connected()) (self.get()->*what)();
  });
}

void Client::Impl::flush_received() {
  if (!connected()) return;
  for (auto& [id, st] : conversations_) {
    auto last = st.buffer.last_seq();
    if (last <= st.received_sent || last == 0) continue;
    conn_->send(encode_received(id, last));
    st.received_sent = last;
  }
}

// ---- replies ----

void Client::Impl::handle(AckFrame a) {
  auto m = outbox_.take(a.client_msg_id);
  if (!m) return;  // the ack of a resend already acknowledged
  if (m->refusals > 0) {  // the probe of a refused conversation got through
    outbox_.accepted(m->conversation_id);
    if (live()) flush_outbox();
  }
  auto now = Clock::now();
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  emit(on_.ack,
       Ack{std::move(a.conversation_id), std::move(a.client_msg_id), std::move(a.message_id), a.seq,
           a.ts, duration_cast<microseconds>(now - m->sent_at),
           duration_cast<microseconds>(now - m->queued_at), m->transmissions});
}

void Client::Impl::handle(PongFrame p) {
  auto it = std::find_if(pings_.begin(), pings_.end(), [&](auto& e) { return e.first == p.req; });
  if (it == pings_.end()) return;
  auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - it->second);
  pings_.erase(it);
  emit(on_.pong, p.req, rtt);
}

void Client::Impl::handle(ErrorFrame e) {
  ClientError out = client_error(std::move(e.error));
  out.req = e.req;
  out.retry_after_ms = e.retry_after_ms;
  if (const auto* m = e.req.empty() ? nullptr : outbox_.find(e.req)) {
    out.conversation_id = m->conversation_id;
    if (retryable(out.error)) {
      // Kept, and sent again shortly with the same client_msg_id.
      // Doubling from 1 s up to 4 s while the conversation keeps refusing
      // (its store shard is down, say), unless the server said when. Only
      // its oldest send is tried again (Outbox::flush), so a long queue is
      // not sent whole every round.
      const int shift = std::min(m->refusals, 2);
      auto delay = std::chrono::milliseconds(e.retry_after_ms > 0 ? e.retry_after_ms
                                                                  : 1000 << shift);
      outbox_.unsend(e.req, Clock::now() + delay);
      const auto due = outbox_.next_due().value_or(Clock::now() + delay);  // the earliest
      arm_timer(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()),
                         std::chrono::milliseconds(10)),
                &Impl::retry_sends);
    } else {
      out.client_msg_id = e.req;
      outbox_.take(e.req);
    }
    return report(std::move(out));
  }
  auto sync = std::find_if(syncs_.begin(), syncs_.end(),
                           [&](const SyncInFlight& f) { return f.req == e.req; });
  if (sync != syncs_.end()) {
    // A server without sync (or refusing it): carry on without the replay.
    bool resume = sync->resume;
    for (auto& id : sync->conversation_ids)
      if (auto c = conversations_.find(id); c != conversations_.end())
        c->second.sync_in_flight = false;
    syncs_.erase(sync);
    report(std::move(out));
    return finish_sync(resume);
  }
  pings_.erase(
      std::remove_if(pings_.begin(), pings_.end(), [&](auto& p) { return p.first == e.req; }),
      pings_.end());
  report(std::move(out));
}

}  // namespace parley::client
