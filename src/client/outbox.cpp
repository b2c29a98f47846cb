#include "client/outbox.h"

#include <algorithm>

namespace parley::client {

std::vector<OutgoingMessage>::iterator Outbox::locate(std::string_view client_msg_id) {
  // Acks come back in send order, so the entry is nearly always the first.
  return std::find_if(entries_.begin() + static_cast<std::ptrdiff_t>(head_), entries_.end(),
                      [&](const OutgoingMessage& e) { return e.client_msg_id == client_msg_id; });
}

std::optional<OutgoingMessage> Outbox::take(std::string_view client_msg_id) {
  auto it = locate(client_msg_id);
  if (it == entries_.end()) return std::nullopt;
  OutgoingMessage m = std::move(*it);
  if (it == entries_.begin() + static_cast<std::ptrdiff_t>(head_)) {
    ++head_;
    if (head_ == entries_.size()) {
      entries_.clear();
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= entries_.size()) {
      entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  } else {
    entries_.erase(it);
  }
  if (entries_.empty() && entries_.capacity() > 64) entries_.shrink_to_fit();
  return m;
}

bool Outbox::unsend(std::string_view client_msg_id, Clock::time_point not_before) {
  auto it = locate(client_msg_id);
  if (it == entries_.end()) return false;
  it->sent = false;
  ++it->refusals;
  it->not_before = not_before;
  return true;
}

void Outbox::accepted(std::string_view conversation_id) noexcept {
  for (auto i = head_; i < entries_.size(); ++i) {
    auto& e = entries_[i];
    if (e.conversation_id != conversation_id) continue;
    e.refusals = 0;
    e.not_before = {};
  }
}

std::optional<Clock::time_point> Outbox::next_due() const noexcept {
  std::optional<Clock::time_point> due;
  for (auto i = head_; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.sent || e.refusals == 0) continue;
    if (!due || e.not_before < *due) due = e.not_before;
  }
  return due;
}

void Outbox::connection_lost() noexcept {
  for (auto i = head_; i < entries_.size(); ++i) entries_[i].sent = false;
}

const OutgoingMessage* Outbox::find(std::string_view client_msg_id) const {
  auto it =
      std::find_if(entries_.begin() + static_cast<std::ptrdiff_t>(head_), entries_.end(),
                   [&](const OutgoingMessage& e) { return e.client_msg_id == client_msg_id; });
  return it == entries_.end() ? nullptr : &*it;
}

std::size_t Outbox::unsent() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin() + static_cast<std::ptrdiff_t>(head_), entries_.end(),
                    [](const OutgoingMessage& e) { return !e.sent; }));
}

}  // namespace parley::client
