#include "client/conversation_buffer.h"

#include <algorithm>
#include <functional>

namespace parley::client {

namespace {
std::uint64_t id_hash(std::string_view id) noexcept {
  // 0 marks an empty slot; fold it away.
  auto h = static_cast<std::uint64_t>(std::hash<std::string_view>{}(id));
  return h == 0 ? 1 : h;
}
}  // namespace

ConversationBuffer::Verdict ConversationBuffer::push(Message m, std::vector<Message>& ready) {
  if (m.seq <= last_ || pending_.count(m.seq) != 0) return Verdict::duplicate;
  if (!m.message_id.empty()) {
    if (seen_recently(m.message_id)) return Verdict::duplicate;
    for (auto& [seq, held] : pending_)
      if (held.message_id == m.message_id) return Verdict::duplicate;
  }
  if (m.seq != last_ + 1) {
    if (pending_.size() >= kMaxPending) return Verdict::dropped;
    pending_.emplace(m.seq, std::move(m));
    return Verdict::buffered;
  }
  last_ = m.seq;
  remember(m.message_id);
  ready.push_back(std::move(m));
  release(ready);
  return Verdict::delivered;
}

void ConversationBuffer::advance_to(std::int64_t seq, std::vector<Message>& ready) {
  if (seq <= last_) return;
  last_ = seq;
  pending_.erase(pending_.begin(), pending_.upper_bound(seq));
  release(ready);
}

void ConversationBuffer::release(std::vector<Message>& ready) {
  auto it = pending_.begin();
  while (it != pending_.end() && it->first == last_ + 1) {
    last_ = it->first;
    remember(it->second.message_id);
    ready.push_back(std::move(it->second));
    it = pending_.erase(it);
  }
}

bool ConversationBuffer::seen_recently(std::string_view message_id) const noexcept {
  auto h = id_hash(message_id);
  return std::find(recent_.begin(), recent_.end(), h) != recent_.end();
}

void ConversationBuffer::remember(std::string_view message_id) noexcept {
  if (message_id.empty()) return;
  recent_[recent_next_] = id_hash(message_id);
  recent_next_ = static_cast<std::uint8_t>((recent_next_ + 1) % recent_.size());
}

}  // namespace parley::client
