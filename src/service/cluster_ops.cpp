// The cluster-mode half of ChatService: what arrives on the bus (control
// envelopes, messages put back in seq order), the conversation channels this
// gateway subscribes for its users, and the catch-up that closes the window
// between subscribing a channel and Redis confirming it.
#include <algorithm>

#include "common/clock.h"
#include "common/log.h"
#include "service/chat_service.h"
#include "service/service_metrics.h"

namespace parley::service {

// ---- the bus: control envelopes, then messages in seq order ----

void ChatService::on_bus(const bus::Envelope& e) {
  if (e.control == bus::Envelope::Control::members_changed) {
    // On a conversation channel: every gateway with a member here drops its
    // cached members. On a user channel: the user's gateway redoes their
    // subscription.
    if (e.scope == bus::Envelope::Scope::conversation) {
      members_.invalidate(e.target);
      return on_members_changed(e.target, e.about, e.seq);
    }
    return on_members_changed(e.about, e.target, e.seq);
  }
  auto ready = reorder_.push(e, now_ms());
  for (const auto& r : ready) fan_out(r);
  schedule_reorder_release();
}

void ChatService::schedule_reorder_release() {
  auto due = reorder_.next_deadline();
  if (due == 0 || reorder_timer_armed_) return;
  reorder_timer_armed_ = true;
  reorder_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(1, due - now_ms())));
  reorder_timer_.async_wait([this](const boost::system::error_code& ec) {
    reorder_timer_armed_ = false;
    if (ec) return;
    auto released = reorder_.expire(now_ms());
    metric::reorder_gaps.inc(released.empty() ? 0 : 1);
    for (const auto& r : released) fan_out(r);
    schedule_reorder_release();
  });
}

void ChatService::announce_members_changed(const std::string& conversation,
                                           const std::string& user, bool existing,
                                           std::int64_t seq_before) {
  members_.invalidate(conversation);
  bus::Envelope to_user;
  to_user.scope = bus::Envelope::Scope::user;
  to_user.target = user;
  to_user.control = bus::Envelope::Control::members_changed;
  to_user.about = conversation;
  to_user.seq = seq_before;
  if (existing) {  // a new conversation is in nobody's cache yet
    bus::Envelope to_conversation = to_user;
    to_conversation.scope = bus::Envelope::Scope::conversation;
    to_conversation.target = conversation;
    to_conversation.about = user;
    b_.bus.publish(std::move(to_conversation));
  }
  b_.bus.publish(std::move(to_user));
}

void ChatService::on_members_changed(const std::string& conversation, const std::string& user,
                                     std::int64_t seq_before) {
  const auto* devices = sessions_.devices_of(user);
  if (!options_.cluster || !devices) return;
  if (auto l = listings_.find(user); l != listings_.end()) l->second.stale = true;
  // Whether this is a join for this gateway is decided now, not once the
  // members are read: a listing in flight may subscribe the conversation
  // meanwhile, and its catch-up would then be skipped.
  if (!subscriptions_.has(user, conversation)) joining_.insert(user + '\n' + conversation);
  // The members are read off the loop (not cached: just invalidated).
  members_.when_known(conversation, [this, conversation, user,
                                     seq_before](const MembershipCache::Members& set) {
    resubscribe(conversation, user, set && (*set)->contains(user), seq_before);
  });
}

void ChatService::resubscribe(const std::string& conversation, const std::string& user,
                              bool member, std::int64_t seq_before) {
  // The first answer of a join's announcements (on the user's channel and
  // the conversation's) catches up; the second finds nothing pending.
  const bool pending = joining_.erase(user + '\n' + conversation) > 0;
  const auto* devices = sessions_.devices_of(user);
  if (!devices) return;  // left meanwhile
  // Not a member also when the members could not be read (the store is
  // down): the next membership change or reconnect subscribes again.
  bool joined = member && pending;
  subscriptions_.set_member(user, conversation, member);
  if (!joined) return;
  // Messages from now on reach this gateway once Redis confirms the
  // subscription; what is committed after the join and before that, the
  // catch-up brings (from the last seq before the join).
  for (const auto& d : *devices) schedule_catch_up(d, conversation, seq_before);
}

// ---- listing a user's conversations, off the event loop ----

void ChatService::list_and_subscribe(const std::string& user) {
  const std::uint64_t id = ++last_listing_;
  listings_[user].id = id;  // a read in flight for the same user is dropped
  read_off_loop([this, user] { return conversation_ids(user); },
                [this, user, id](Result<std::vector<std::string>> ids) {
                  on_listed(user, id, std::move(ids));
                });
}

void ChatService::on_listed(const std::string& user, std::uint64_t listing,
                            Result<std::vector<std::string>> ids) {
  auto it = listings_.find(user);
  if (it == listings_.end() || it->second.id != listing) return;  // left, or read again
  if (it->second.stale) {
    it->second.stale = false;
    return list_and_subscribe(user);  // keeps the waiting devices
  }
  if (ids) {
    subscriptions_.user_arrived(user, *ids);
  } else {
    // Live delivery for this user's conversations waits for the next
    // membership change or reconnect; sync still repairs.
    component_logger("service")->warn("cannot list conversations to subscribe: {}",
                                      ids.error().message);
  }
  auto waiting = std::move(it->second.waiting);
  listings_.erase(it);
  for (const auto& w : waiting)
    if (auto device = w.lock(); device && delivery_.knows(*device))
      schedule_catch_up(device, {}, 0);
}

void ChatService::catch_up_when_subscribed(const gateway::ConnectionPtr& device) {
  if (auto l = listings_.find(device->user_id()); l != listings_.end()) {
    l->second.waiting.push_back(device);
    return;
  }
  schedule_catch_up(device, {}, 0);
}

// ---- catch-up ----
//
// A Redis subscription takes effect when Redis confirms it, a moment after
// this gateway asks. A message published in that moment never arrives here;
// the member's device would see it only with the next message (a seq gap) or
// on resume. So a little later (kCatchUpDelay), and once more after
// kCatchUpAgain, each new subscriber's device is compared with the store and
// sent what it is missing, through the delivery tracker (nothing twice).

void ChatService::schedule_catch_up(const gateway::ConnectionPtr& device,
                                    const std::string& conversation, std::int64_t from_seq) {
  catch_ups_first_.push_back({device, conversation, from_seq, now_ms() + kCatchUpDelay.count()});
  arm_catch_up_timer();
}

void ChatService::arm_catch_up_timer() {
  if (catch_up_armed_) return;
  std::int64_t first = INT64_MAX;
  if (!catch_ups_first_.empty()) first = catch_ups_first_.front().due_ms;
  if (!catch_ups_again_.empty()) first = std::min(first, catch_ups_again_.front().due_ms);
  if (first == INT64_MAX) return;
  catch_up_armed_ = true;
  catch_up_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(1, first - now_ms())));
  catch_up_timer_.async_wait([this](const boost::system::error_code& ec) {
    catch_up_armed_ = false;
    if (ec) return;
    run_catch_ups();
    arm_catch_up_timer();
  });
}

void ChatService::run_catch_ups() {
  auto now = now_ms();
  std::vector<CatchUp> due;
  // First runs go to the back of the second queue (due later than anything
  // in it), so the second loop cannot take them.
  while (!catch_ups_first_.empty() && catch_ups_first_.front().due_ms <= now) {
    due.push_back(std::move(catch_ups_first_.front()));
    catch_ups_first_.pop_front();
    catch_ups_again_.push_back(due.back());
    catch_ups_again_.back().due_ms = now + kCatchUpAgain.count();
  }
  while (!catch_ups_again_.empty() && catch_ups_again_.front().due_ms <= now) {
    due.push_back(std::move(catch_ups_again_.front()));
    catch_ups_again_.pop_front();
  }
  for (auto& c : due) {
    auto device = c.device.lock();
    if (!device || !delivery_.knows(*device)) continue;  // gone meanwhile
    // A whole device (connect): every conversation it has synced or been
    // sent, from what it holds. One conversation (joined): from the join.
    Positions todo;
    if (c.conversation.empty()) {
      todo = delivery_.positions(*device);
    } else {
      todo.emplace_back(c.conversation,
                        std::max(c.from_seq, delivery_.position(*device, c.conversation)));
    }
    // Removed since the sync or the join: what came after is not theirs.
    // Not known (a membership change just now): read anyway, checked again
    // before the replay.
    std::erase_if(todo, [&](const auto& t) {
      return members_.member_if_known(t.first, device->user_id()) == false;
    });
    if (todo.empty()) continue;
    // Read off the loop: a connect storm schedules two catch-ups per
    // device, each a PostgreSQL round trip that would otherwise hold up every
    // connection of this gateway. What live delivery sends meanwhile, the
    // replay skips (delivery tracker).
    read_off_loop(
        [this, todo = std::move(todo)] {
          CaughtUp pages;
          for (const auto& [conversation, from] : todo) {
            auto page =
                b_.store.messages(conversation, 0, from, static_cast<int>(options_.max_replay));
            if (page && !page->messages.empty())
              pages.emplace_back(conversation, std::move(page->messages));
          }
          return pages;
        },
        [this, weak = c.device](CaughtUp pages) { replay_caught_up(weak, pages); });
  }
}

void ChatService::replay_caught_up(const std::weak_ptr<gateway::Connection>& weak,
                                   const CaughtUp& pages) {
  auto device = weak.lock();
  if (!device || !delivery_.knows(*device)) return;  // gone while reading
  const auto now = now_ms();
  for (const auto& [conversation, messages] : pages) {
    auto member = members_.member_if_known(conversation, device->user_id());
    if (!member) {  // a membership change during the read: replayed once known
      members_.when_member(conversation, device->user_id(),
                           [this, weak, conversation, messages](Status still) {
                             auto d = weak.lock();
                             if (!still || !d || !delivery_.knows(*d)) return;
                             metric::catch_ups.inc();
                             if (!replay(d, conversation, messages, now_ms())) too_slow(d);
                           });
      continue;
    }
    if (!*member) continue;  // removed meanwhile
    metric::catch_ups.inc();
    if (!replay(device, conversation, messages, now)) return too_slow(device);
  }
}

}  // namespace parley::service
