#pragma once
// The sends not yet acknowledged, in the order the application made them.
// An entry keeps its client_msg_id for life, so resending it after a
// reconnect can never store it twice (the server answers a repeated
// client_msg_id with the original ack). Pure: no I/O; the caller passes
// the time.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/events.h"

namespace parley::client {

struct OutgoingMessage {
  std::string conversation_id;
  std::string client_msg_id;
  std::string content;
  std::string kind = "text";
  std::string reply_to;
  Clock::time_point queued_at{};
  Clock::time_point sent_at{};  // last transmission
  bool sent = false;            // written on the current connection
  int transmissions = 0;
  int refusals = 0;                   // retryable errors so far (unavailable, rate_limited)
  Clock::time_point not_before{};     // refused: not sent again before this
};

class Outbox {
 public:
  void push(OutgoingMessage m) { entries_.push_back(std::move(m)); }

  // Calls write(const OutgoingMessage&) for every entry not yet sent on this
  // connection, oldest first, and marks each sent at `now`. A conversation
  // whose sends were refused is probed with its oldest one, once it is due;
  // its later sends wait for that answer (kept in order, and a store that is
  // down is not sent the whole queue again every round). holding() then says
  // so, and the next flush after an ack sends them.
  template <class Write>
  std::size_t flush(Clock::time_point now, Write&& write) {
    std::size_t n = 0;
    held_.clear();
    for (auto i = head_; i < entries_.size(); ++i) {
      auto& e = entries_[i];
      if (is_held(e.conversation_id)) continue;  // behind a refused one
      if (e.refusals > 0) held_.push_back(e.conversation_id);
      if (e.sent || (e.refusals > 0 && e.not_before > now)) continue;
      e.sent = true;
      e.sent_at = now;
      ++e.transmissions;
      write(static_cast<const OutgoingMessage&>(e));
      ++n;
    }
    return n;
  }

  // The entry is done (acked, or failed for good): removed and returned.
  std::optional<OutgoingMessage> take(std::string_view client_msg_id);
  // The entry is to be sent again by a flush at `not_before` or later (a
  // retryable error); counts the refusal.
  bool unsend(std::string_view client_msg_id, Clock::time_point not_before = {});
  // A send of the conversation was accepted: the rest go out as usual.
  void accepted(std::string_view conversation_id) noexcept;
  // When the earliest refused entry not yet sent again falls due.
  std::optional<Clock::time_point> next_due() const noexcept;
  // The last flush held some entries back behind a refused one.
  bool holding() const noexcept { return !held_.empty(); }
  // The connection is gone: every entry will be sent again, in order.
  void connection_lost() noexcept;

  const OutgoingMessage* find(std::string_view client_msg_id) const;
  bool empty() const noexcept { return size() == 0; }
  std::size_t size() const noexcept { return entries_.size() - head_; }
  std::size_t unsent() const noexcept;

 private:
  std::vector<OutgoingMessage>::iterator locate(std::string_view client_msg_id);

  // Entries before head_ are done (taken from the front, the usual case:
  // acks come in send order) and compacted away now and then. A vector, not
  // a deque: an empty outbox then costs no allocation, for every client.
  std::vector<OutgoingMessage> entries_;
  std::size_t head_ = 0;
  // Conversations held back in the last flush (few: those with refusals).
  std::vector<std::string> held_;
  bool is_held(const std::string& conversation_id) const noexcept {
    for (const auto& c : held_)
      if (c == conversation_id) return true;
    return false;
  }
};

}  // namespace parley::client
