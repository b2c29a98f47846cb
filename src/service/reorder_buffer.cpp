#include "service/reorder_buffer.h"

#include <algorithm>

namespace parley::service {

void ReorderBuffer::release_ready(Conversation& c, std::vector<bus::Envelope>& out) {
  for (auto it = c.held.begin(); it != c.held.end() && it->first <= c.last + 1;) {
    c.last = std::max(c.last, it->first);
    out.push_back(std::move(it->second));
    it = c.held.erase(it);
  }
}

void ReorderBuffer::release_all(Conversation& c, std::vector<bus::Envelope>& out) {
  for (auto& [seq, e] : c.held) {
    c.last = std::max(c.last, seq);
    out.push_back(std::move(e));
  }
  c.held.clear();
}

std::vector<bus::Envelope> ReorderBuffer::push(bus::Envelope e, std::int64_t now_ms) {
  std::vector<bus::Envelope> out;
  if (e.seq <= 0 || e.scope != bus::Envelope::Scope::conversation) {
    out.push_back(std::move(e));
    return out;
  }
  if (conversations_.size() >= options_.max_conversations && !conversations_.contains(e.target)) {
    // Forget the idle ones: the next message of each starts afresh.
    std::erase_if(conversations_, [&](const auto& kv) { return kv.second.held.empty(); });
  }
  auto [it, fresh] = conversations_.try_emplace(e.target);
  auto& c = it->second;
  if (fresh || e.seq <= c.last + 1) {
    // First seen, next in line, or late (after its window: a repeat or a
    // straggler; the delivery tracker decides per device).
    c.last = std::max(c.last, e.seq);
    out.push_back(std::move(e));
    release_ready(c, out);
    if (c.held.empty() && waiting_.erase(it->first)) c.held_since = 0;
    return out;
  }
  auto id = e.target;
  c.held.emplace(e.seq, std::move(e));
  if (c.held.size() > options_.max_held) {
    release_all(c, out);
    waiting_.erase(id);
    c.held_since = 0;
  } else if (waiting_.insert(id).second) {
    c.held_since = now_ms;
  }
  return out;
}

std::vector<bus::Envelope> ReorderBuffer::expire(std::int64_t now_ms) {
  std::vector<bus::Envelope> out;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& c = conversations_[*it];
    if (now_ms - c.held_since < options_.window_ms) {
      ++it;
      continue;
    }
    release_all(c, out);
    c.held_since = 0;
    it = waiting_.erase(it);
  }
  return out;
}

std::int64_t ReorderBuffer::next_deadline() const {
  std::int64_t earliest = 0;
  for (const auto& id : waiting_) {
    auto since = conversations_.at(id).held_since;
    if (earliest == 0 || since < earliest) earliest = since;
  }
  return earliest == 0 ? 0 : earliest + options_.window_ms;
}

std::size_t ReorderBuffer::held() const {
  std::size_t n = 0;
  for (const auto& id : waiting_) n += conversations_.at(id).held.size();
  return n;
}

}  // namespace parley::service
