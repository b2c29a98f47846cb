#include "service/chat_service.h"

#include <random>

#include <boost/container/small_vector.hpp>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "protocol/server_frames.h"
#include "service/message_fields.h"
#include "service/service_metrics.h"

namespace parley::service {
namespace {

std::int64_t monotonic_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

ChatService::ChatService(boost::asio::any_io_executor ex, Backends backends,
                         ServiceOptions options)
    : ex_(ex),
      b_(backends),
      options_(options),
      members_(backends.store, 100'000, options.membership_ttl_ms),
      typing_(options.typing_interval_ms),
      presence_tracker_(
          ex, backends.presence, options.presence_debounce_ms,
          [this](const std::string& u, bool online, std::int64_t last_seen) {
            announce_presence(u, online, last_seen);
          },
          [this](const std::string& u) { return sessions_.devices_of(u) == nullptr; },
          // Cluster mode: a Redis round trip each, on a lane of their own (in order).
          [this](auto call, auto done) {
            read_off_loop(std::move(call), std::move(done), ReadLane::presence);
          }),
      delivery_({options.retransmit_ms, options.max_retransmits, options.max_unacked}),
      subscriptions_(backends.bus),
      reorder_({options.reorder_window_ms}),
      retransmit_timer_(ex),
      reorder_timer_(ex),
      catch_up_timer_(ex),
      user_sends_(options.user_sends),
      conversation_sends_(options.conversation_sends),
      expiry_timer_(ex) {
  b_.bus.set_handler([this](const bus::Envelope& e) { on_bus(e); });
  // One thread for each ordered lane; two for REST calls, which need no
  // order. The PostgreSQL store opens a reader connection per concurrent read
  // (up to PostgresStore::kMaxReaders; beyond that a read waits for one).
  if (options_.cluster) {
    store_reads_ = std::make_unique<boost::asio::thread_pool>(1);
    sync_reads_ = std::make_unique<boost::asio::thread_pool>(1);
    member_reads_ = std::make_unique<boost::asio::thread_pool>(1);
    presence_calls_ = std::make_unique<boost::asio::thread_pool>(1);
    request_calls_ = std::make_unique<boost::asio::thread_pool>(2);
    members_.set_refresher([this](auto read, auto apply) {
      read_off_loop(std::move(read), std::move(apply), ReadLane::members);
    });
  }
  schedule_retransmits();
}

void ChatService::join_lanes() {
  // Destroying a pool joins its threads (a call already running finishes).
  request_calls_.reset();
  sync_reads_.reset();
  member_reads_.reset();
  presence_calls_.reset();
  store_reads_.reset();
}

void ChatService::cancel_timers() {
  presence_tracker_.cancel_all();
  retransmit_timer_.cancel();
  reorder_timer_.cancel();
  catch_up_timer_.cancel();
  expiry_timer_.cancel();
}

// One timer for the whole service, not one per connection.
void ChatService::schedule_retransmits() {
  retransmit_timer_.expires_after(
      std::chrono::milliseconds(std::max<std::int64_t>(50, options_.retransmit_ms / 4)));
  retransmit_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto due = delivery_.collect_due(now_ms());
    for (auto& [device, frame] : due.resend) device->send(frame);
    metric::retransmits.inc(due.resend.size());
    for (auto& device : due.give_up) too_slow(device);
    schedule_retransmits();
  });
}

void ChatService::too_slow(const gateway::ConnectionPtr& device) {
  delivery_.forget(*device);
  device->close(4008, "too slow; reconnect and resume");
}

void ChatService::announce_reconnect(std::int64_t max_ms) {
  std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(0, max_ms));
  std::mt19937_64 rng{std::random_device{}()};
  sessions_.for_each_user([&](const std::string&, const auto& devices) {
    for (const auto& d : devices) d->send(protocol::share(protocol::encode_reconnect(jitter(rng))));
  });
}

Result<std::string> ChatService::authenticate(std::string_view token) {
  auto claims = b_.verifier.verify(token, now_ms() / 1000);
  if (!claims) return std::move(claims).error();
  return std::move(claims->sub);
}

void ChatService::on_connect(const gateway::ConnectionPtr& conn) {
  protocol::HelloFields hello;
  hello.user_id = conn->user_id();
  hello.session_id = conn->session_id();
  hello.heartbeat_ms = options_.heartbeat_ms;
  hello.retransmit_ms = options_.retransmit_ms;
  hello.max_replay = options_.max_replay;
  hello.server_time = now_ms();
  conn->send(protocol::share(protocol::encode_hello(hello)));
  delivery_.add(conn);
  expiry_.set(conn, conn->token_expires_s());
  arm_expiry_timer();
  if (sessions_.add(conn)) {
    b_.bus.subscribe(bus::Envelope::Scope::user, conn->user_id());
    if (options_.cluster) list_and_subscribe(conn->user_id());
    presence_tracker_.first_device_connected(conn->user_id());
  }
  // After the device's sync has run: see cluster_ops.cpp, "catch-up".
  if (options_.cluster) catch_up_when_subscribed(conn);
}

void ChatService::on_disconnect(const gateway::ConnectionPtr& conn) {
  delivery_.forget(*conn);
  expiry_.erase(conn.get());
  if (sessions_.remove(*conn)) {
    b_.bus.unsubscribe(bus::Envelope::Scope::user, conn->user_id());
    subscriptions_.user_left(conn->user_id());
    listings_.erase(conn->user_id());  // its answer, if any, is dropped
    if (!draining_) presence_tracker_.last_device_left(conn->user_id());
  }
}

void ChatService::on_frame(const gateway::ConnectionPtr& conn, protocol::ClientFrame frame) {
  std::visit([&](auto& payload) { handle(conn, frame.req, payload); }, frame.payload);
}

void ChatService::reply_error(const gateway::ConnectionPtr& conn, const std::string& req,
                              const Error& e) {
  conn->send(protocol::share(protocol::encode_error(req, e)));
}

void ChatService::submit(store::WriteOp op, GroupCommitter::Callback done) {
  if (draining_) {
    metric::write_refusals.inc();
    done(make_error(Errc::unavailable, "server is shutting down; retry on another connection"));
    return;
  }
  // The callback is moved into the committer only on success, so it is
  // still ours to call when the queue refuses.
  auto shared_done = std::make_shared<GroupCommitter::Callback>(std::move(done));
  if (!b_.committer.submit(std::move(op), [shared_done](store::WriteResult r) {
        (*shared_done)(std::move(r));
      })) {
    metric::write_refusals.inc();
    (*shared_done)(make_error(Errc::unavailable, "write queue full; retry shortly"));
  }
}

// ---- send ----

void ChatService::send(const std::string& user_id, protocol::SendFrame f, SendDone done) {
  auto arrived = std::chrono::steady_clock::now();
  if (auto set = members_.cached(f.conversation_id)) {  // no copies on the usual path
    auto member = MembershipCache::verdict(*set, f.conversation_id, user_id);
    if (!member) return done(std::move(member).error());
    return send_as_member(arrived, user_id, std::move(f), std::move(done));
  }
  const std::string conversation = f.conversation_id;  // f moves into the wait
  members_.when_member(conversation, user_id,
                       [this, arrived, user_id, f = std::move(f),
                        done = std::move(done)](Status member) mutable {
                         if (!member) return done(std::move(member).error());
                         send_as_member(arrived, user_id, std::move(f), std::move(done));
                       });
}

void ChatService::send_as_member(std::chrono::steady_clock::time_point arrived,
                                 const std::string& user_id, protocol::SendFrame f,
                                 SendDone done) {
  if (auto allowed = check_send_rate(user_id, f.conversation_id); !allowed) {
    done(std::move(allowed).error());
    return;
  }
  store::AppendMessage op;
  if (f.media) {  // checked against the server's own record, then stored as it says
    auto media = options_.attach_media
                     ? options_.attach_media(user_id, f.conversation_id, f.kind, *f.media)
                     : Result<std::string>(make_error(Errc::bad_request, "media is not enabled"));
    if (!media) {
      done(std::move(media).error());
      return;
    }
    op.media = std::move(media).value();
  }
  op.conversation_id = std::move(f.conversation_id);
  op.sender_id = user_id;
  op.client_msg_id = std::move(f.client_msg_id);
  op.message_id = new_time_ordered_id("m_");
  op.content = std::move(f.content);
  op.kind = std::move(f.kind);
  op.reply_to = std::move(f.reply_to);
  op.ts = now_ms();
  submit(std::move(op), [this, arrived, done = std::move(done)](store::WriteResult r) {
    if (!r) {
      done(std::move(r).error());
      return;
    }
    auto& appended = std::get<store::AppendResult>(*r);
    (appended.duplicate ? metric::duplicate_sends : metric::sends).inc();
    // The sender's ack goes out before the fan-out, so its device sees the
    // ack first and its own copy of the message after. A duplicate is
    // published again: the send it repeats may have been committed by a
    // gateway that died before publishing it, and without this its members
    // would not see it until a later message showed them the gap. Devices
    // that have it skip it (delivery tracker, client de-duplication).
    bus::Envelope e;
    e.target = appended.message.conversation_id;
    e.frame = protocol::share(protocol::encode_message(message_fields(appended.message)));
    e.seq = appended.message.seq;
    const bool fresh = !appended.duplicate;
    done(std::move(appended));
    b_.bus.publish(std::move(e));
    if (fresh) {
      metric::send_to_deliver.observe_us(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - arrived)
                                             .count());
    }
  });
}

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::SendFrame& f) {
  send(conn->user_id(), std::move(f), [this, conn, req](Result<store::AppendResult> r) {
    if (!r) return reply_error(conn, req, r.error());
    conn->send(protocol::share(protocol::encode_ack(req, message_fields(r->message))));
  });
}

// ---- typing ----

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::TypingFrame& f) {
  members_.when_member(
      f.conversation_id, conn->user_id(),
      [this, conn, req, conversation = f.conversation_id](Status member) {
        if (!member) return reply_error(conn, req, member.error());
        if (!typing_.allow(conn->user_id(), conversation, monotonic_ms())) return;
        bus::Envelope e{bus::Envelope::Scope::conversation, conversation,
                        protocol::share(protocol::encode_typing(conversation, conn->user_id())),
                        conn->user_id(), {}};
        e.ephemeral = true;
        b_.bus.publish(std::move(e));
      });
}

// ---- receipts ----

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::ReceiptFrame& f) {
  members_.when_member(f.conversation_id, conn->user_id(), [this, conn, req, f](Status member) {
    if (!member) return reply_error(conn, req, member.error());
    delivery_.ack(*conn, f.conversation_id, f.seq);  // a receipt acknowledges too
    store::SetReceipt op{f.conversation_id, conn->user_id(), f.read, f.seq};
    submit(std::move(op), [this, conn, req, f](store::WriteResult r) {
      if (!r) return reply_error(conn, req, r.error());
      conn->send(protocol::share(protocol::encode_ok(req)));
      if (!std::get<store::ReceiptResult>(*r).advanced) return;
      b_.bus.publish({bus::Envelope::Scope::conversation, f.conversation_id,
                      protocol::share(protocol::encode_receipt(f.conversation_id,
                                                               conn->user_id(), f.read, f.seq)),
                      {}, conn->session_id()});
    });
  });
}

// ---- edit and delete ----

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::EditFrame& f) {
  edit(conn, req, {f.conversation_id, f.message_id, conn->user_id(), std::move(f.content), false});
}

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::DeleteFrame& f) {
  edit(conn, req, {f.conversation_id, f.message_id, conn->user_id(), {}, true});
}

void ChatService::edit(const gateway::ConnectionPtr& conn, const std::string& req,
                       store::EditMessage op) {
  const std::string conversation = op.conversation_id;
  members_.when_member(conversation, conn->user_id(),
                       [this, conn, req, op = std::move(op)](Status member) mutable {
    if (!member) return reply_error(conn, req, member.error());
    submit(std::move(op), [this, conn, req](store::WriteResult r) {
      if (!r) return reply_error(conn, req, r.error());
      conn->send(protocol::share(protocol::encode_ok(req)));
      const auto& m = std::get<store::EditResult>(*r).message;
      b_.bus.publish({bus::Envelope::Scope::conversation, m.conversation_id,
                      protocol::share(protocol::encode_message_updated(message_fields(m))), {},
                      {}});
    });
  });
}

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::PingFrame&) {
  conn->send(protocol::share(protocol::encode_pong(req)));
}

// ---- reliable delivery: transport acks and resume ----

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string&,
                         protocol::ReceivedFrame& f) {
  delivery_.enable(conn);
  delivery_.ack(*conn, f.conversation_id, f.seq);
}

void ChatService::handle(const gateway::ConnectionPtr& conn, const std::string& req,
                         protocol::SyncFrame& f) {
  delivery_.enable(conn);
  std::vector<std::string> ids;
  ids.reserve(f.conversations.size());
  for (const auto& [conversation_id, held] : f.conversations) ids.push_back(conversation_id);
  // Members not cached are read off the loop in cluster mode (when_members).
  members_.when_members(ids, conn->user_id(),
                        [this, weak = std::weak_ptr<gateway::Connection>(conn), req,
                         held = std::move(f.conversations)](std::vector<Status> verdicts) {
                          auto conn = weak.lock();
                          if (conn && delivery_.knows(*conn)) sync_members(conn, req, held, verdicts);
                        });
}

void ChatService::sync_members(const gateway::ConnectionPtr& conn, const std::string& req,
                               const Positions& held, const std::vector<Status>& verdicts) {
  std::vector<std::string> not_member;
  Positions todo;
  for (std::size_t i = 0; i < held.size(); ++i) {
    const auto& [conversation_id, seq] = held[i];
    if (!verdicts[i] && !is_outsider(verdicts[i].error())) {
      // The members could not be read: "not a member" would have the
      // device drop a conversation it is in.
      return reply_error(conn, req, verdicts[i].error());
    }
    if (!verdicts[i]) {
      not_member.push_back(conversation_id);
      continue;
    }
    // Live messages of the conversation wait until the replay is out.
    delivery_.begin_sync(*conn, conversation_id);
    todo.emplace_back(conversation_id, seq);
  }
  if (todo.empty()) {  // nothing to read: not queued behind other reads
    return finish_sync(conn, req, todo, std::move(not_member), std::vector<SyncPage>{});
  }
  // The read sees every committed message; what live fan-out sends of them
  // meanwhile waits in the tracker and is skipped once the replay sent it.
  // Cluster mode reads on the sync lane (a PostgreSQL round trip per
  // conversation would hold up every connection of this gateway, and a
  // reconnect storm is a sync per device); embedded mode reads here.
  read_off_loop(
      [this, todo] { return read_sync(todo); },
      [this, weak = std::weak_ptr<gateway::Connection>(conn), req, todo,
       not_member = std::move(not_member)](Result<std::vector<SyncPage>> pages) mutable {
        finish_sync(weak, req, todo, std::move(not_member), std::move(pages));
      },
      ReadLane::sync);
}

Result<std::vector<ChatService::SyncPage>> ChatService::read_sync(const Positions& todo) {
  const auto max_replay = static_cast<int>(options_.max_replay);
  std::vector<SyncPage> pages;
  pages.reserve(todo.size());
  for (const auto& [conversation_id, held] : todo) {
    auto page = b_.store.messages(conversation_id, 0, held, max_replay + 1);
    if (!page) return std::move(page).error();
    SyncPage p;
    if (page->messages.size() > static_cast<std::size_t>(max_replay)) {
      auto latest = b_.store.messages(conversation_id, 0, 0, 1);
      p.too_far_behind = true;
      p.last_seq = latest && !latest->messages.empty() ? latest->messages.back().seq : held;
    } else {
      p.messages = std::move(page->messages);
    }
    pages.push_back(std::move(p));
  }
  return pages;
}

void ChatService::finish_sync(const std::weak_ptr<gateway::Connection>& weak,
                              const std::string& req, const Positions& todo,
                              std::vector<std::string> not_member,
                              Result<std::vector<SyncPage>> pages, bool rechecked) {
  auto conn = weak.lock();
  if (!conn || !delivery_.knows(*conn)) return;  // gone: forget() dropped what waited
  if (!pages) {
    end_syncs(conn, todo);
    return reply_error(conn, req, pages.error());
  }
  // Each conversation's membership is checked again below. One whose entry
  // went during the read (a membership change) is read first, off the loop;
  // one still unknown after that could not be read.
  std::vector<std::string> unknown;
  for (const auto& [conversation_id, held] : todo)
    if (!members_.member_if_known(conversation_id, conn->user_id())) unknown.push_back(conversation_id);
  if (!unknown.empty() && !rechecked) {
    return members_.when_members(
        unknown, conn->user_id(),
        [this, weak, req, todo, not_member = std::move(not_member),
         pages = std::move(pages)](std::vector<Status>) mutable {
          finish_sync(weak, req, todo, std::move(not_member), std::move(pages), true);
        });
  }
  if (!unknown.empty()) {
    end_syncs(conn, todo);
    return reply_error(conn, req,
                       make_error(Errc::unavailable, "cannot read the conversation's members; retry"));
  }
  protocol::SyncedFields synced;
  synced.req = req;
  synced.not_member = std::move(not_member);
  const auto now = now_ms();
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const auto& [conversation_id, held] = todo[i];
    auto& page = (*pages)[i];
    // Removed while the read ran: what came after is not theirs.
    if (members_.member_if_known(conversation_id, conn->user_id()) != true) {
      synced.not_member.push_back(conversation_id);
      continue;
    }
    delivery_.mark_held(*conn, conversation_id, held);
    if (page.too_far_behind) {
      synced.too_far_behind.emplace_back(conversation_id, page.last_seq);
      continue;
    }
    if (!replay(conn, conversation_id, page.messages, now)) return too_slow(conn);
    synced.conversations.emplace_back(
        conversation_id, page.messages.empty() ? held : page.messages.back().seq);
  }
  conn->send(protocol::share(protocol::encode_synced(synced)));
  end_syncs(conn, todo);
}

void ChatService::end_syncs(const gateway::ConnectionPtr& device, const Positions& todo) {
  for (const auto& [conversation_id, held] : todo) {
    for (auto& w : delivery_.end_sync(*device, conversation_id))
      if (!deliver_message(device, conversation_id, w.seq, w.frame)) return;
  }
}

bool ChatService::replay(const gateway::ConnectionPtr& conn, const std::string& conversation_id,
                         const std::vector<store::Message>& messages, std::int64_t now) {
  for (const auto& m : messages) {
    if (!delivery_.replay_wanted(*conn, conversation_id, m.seq)) continue;  // sent live
    auto frame = protocol::share(protocol::encode_message(message_fields(m)));
    if (delivery_.on_send(*conn, conversation_id, m.seq, frame, now, /*replay=*/true) ==
        DeliveryTracker::Verdict::overflow)
      return false;
    conn->send(std::move(frame));
    metric::replayed.inc();
  }
  return true;
}

// ---- fan-out: the same shared frame to every local device ----

void ChatService::fan_out(const bus::Envelope& e) {
  if (e.scope == bus::Envelope::Scope::user) return deliver_to_user(e, e.target);
  if (auto members = members_.cached(e.target)) return fan_out_to_members(e, *members);
  // Not cached: cluster mode reads the members off the loop, and this
  // conversation's envelopes wait for them in order (MembershipCache).
  members_.when_known(e.target, [this, e](const MembershipCache::Members& read) {
    if (read) return fan_out_to_members(e, **read);
    metric::fan_out_unread.inc();  // the next message shows its devices the gap
    if (const auto now = monotonic_ms(); now - last_unread_warning_ms_ >= 1000) {
      last_unread_warning_ms_ = now;  // one line a second while the store is down
      component_logger("service")->warn("fan-out: cannot read a conversation's members: {}",
                                        read.error().message);
    }
  });
}

void ChatService::fan_out_to_members(const bus::Envelope& e, const MemberSet& set) {
  // Walk whichever side is smaller: a 10,000-member group with three people
  // online costs three lookups, not ten thousand.
  if (set.ids.size() <= sessions_.user_count()) {
    for (const auto& user : set.ids) deliver_to_user(e, user);
  } else {
    sessions_.for_each_user([&](const std::string& user, const auto&) {
      if (set.contains(user)) deliver_to_user(e, user);
    });
  }
}

void ChatService::deliver_to_user(const bus::Envelope& e, const std::string& user) {
  if (user == e.skip_user) return;
  const auto* devices = sessions_.devices_of(user);
  if (!devices) return;
  if (e.presence && e.frame && !presence_once_.first(e.skip_user, *e.frame, user)) return;
  // Copy: a device closed for being too slow may leave the list. In place
  // for up to 4 devices: a heap copy per recipient was a malloc and a free
  // per delivery on the fan-out path.
  boost::container::small_vector<gateway::ConnectionPtr, 4> targets(devices->begin(),
                                                                   devices->end());
  for (const auto& d : targets) {
    if (d->session_id() != e.skip_session) deliver(d, e);
  }
}

void ChatService::deliver(const gateway::ConnectionPtr& device, const bus::Envelope& e) {
  if (e.seq <= 0) return device->send(e.frame, e.ephemeral);
  switch (delivery_.hold_if_syncing(*device, e.target, e.seq, e.frame)) {
    case DeliveryTracker::Hold::held: return;
    case DeliveryTracker::Hold::overflow: return too_slow(device);
    case DeliveryTracker::Hold::no: break;
  }
  deliver_message(device, e.target, e.seq, e.frame);
}

bool ChatService::deliver_message(const gateway::ConnectionPtr& device,
                                  const std::string& conversation_id, std::int64_t seq,
                                  const gateway::Frame& frame) {
  switch (delivery_.on_send(*device, conversation_id, seq, frame, now_ms())) {
    case DeliveryTracker::Verdict::skip: return true;
    case DeliveryTracker::Verdict::overflow: too_slow(device); return false;
    case DeliveryTracker::Verdict::send: break;
  }
  metric::deliveries.inc();
  device->send(frame, false);
  return true;
}

void ChatService::announce_presence(const std::string& user_id, bool online,
                                    std::int64_t last_seen) {
  // Best effort, like presence itself: a list that cannot be read is logged
  // and this change not announced.
  auto frame = protocol::share(protocol::encode_presence(user_id, online, last_seen));
  auto unreadable = [](const Error& e) {
    component_logger("service")->warn("presence: cannot read whom to tell: {}", e.message);
  };
  if (options_.cluster) {
    // One PUBLISH per conversation, not per contact: a 10,000-member group
    // is one message on its channel, not 9,999 on users' channels, which
    // flooded Redis at every connect (docs/performance.md, session 9). The
    // gateways with members connected deliver it, once per recipient
    // (PresenceOnce).
    read_off_loop([this, user_id] { return conversation_ids(user_id); },
                  [this, user_id, frame, unreadable](Result<std::vector<std::string>> ids) {
                    if (!ids) return unreadable(ids.error());
                    for (const auto& conversation : *ids) {
                      bus::Envelope e{bus::Envelope::Scope::conversation, conversation, frame,
                                      user_id, {}};
                      e.ephemeral = true;
                      e.presence = true;
                      b_.bus.publish(std::move(e));
                    }
                  });
    return;
  }
  read_off_loop([this, user_id] { return b_.store.contacts(user_id); },
                [this, frame, unreadable](Result<std::vector<std::string>> contacts) {
                  if (!contacts) return unreadable(contacts.error());
                  for (const auto& contact : *contacts) {
                    bus::Envelope e{bus::Envelope::Scope::user, contact, frame, {}, {}};
                    e.ephemeral = true;
                    b_.bus.publish(std::move(e));
                  }
                });
}

}  // namespace parley::service
