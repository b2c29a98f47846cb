#include "service/delivery_tracker.h"

#include <algorithm>

namespace parley::service {

void DeliveryTracker::add(const gateway::ConnectionPtr& conn) {
  devices_.try_emplace(conn.get(), Device{conn, {}, 0, false});
}

void DeliveryTracker::enable(const gateway::ConnectionPtr& conn) {
  devices_.try_emplace(conn.get(), Device{conn, {}, 0, false}).first->second.reliable = true;
}

bool DeliveryTracker::enabled(const gateway::Connection& conn) const {
  auto it = devices_.find(&conn);
  return it != devices_.end() && it->second.reliable;
}

bool DeliveryTracker::replay_wanted(const gateway::Connection& conn,
                                    const std::string& conversation_id, std::int64_t seq) const {
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return true;
  auto c = it->second.conversations.find(conversation_id);
  if (c == it->second.conversations.end()) return true;
  const auto& s = c->second;
  return !(s.first_live != 0 && seq >= s.first_live && seq <= s.sent_seq);
}

DeliveryTracker::Verdict DeliveryTracker::on_send(const gateway::Connection& conn,
                                                  const std::string& conversation_id,
                                                  std::int64_t seq, const gateway::Frame& frame,
                                                  std::int64_t now_ms, bool replay) {
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return Verdict::send;
  Device& d = it->second;
  auto& c = d.conversations[conversation_id];
  if (!replay && seq <= c.sent_seq) return Verdict::skip;
  if (d.reliable && d.unacked >= options_.max_unacked) return Verdict::overflow;
  // Live delivery is taken as contiguous from first_live. A gap (the bus lost
  // messages: a Redis outage, a gateway that died before publishing) breaks
  // that, so the live range starts again here and a later sync replays what
  // lies below (possibly something sent before: the client de-duplicates).
  if (!replay && (c.first_live == 0 || seq > c.sent_seq + 1)) c.first_live = seq;
  c.sent_seq = std::max(c.sent_seq, seq);
  if (!d.reliable) return Verdict::send;
  // Replays of seqs already awaiting an ack replace nothing: the queue
  // stays ascending because replays start above what the client holds.
  if (c.unacked.empty() || c.unacked.back().seq < seq) {
    c.unacked.push_back({seq, frame, now_ms, 0});
    ++d.unacked;
  }
  return Verdict::send;
}

void DeliveryTracker::mark_held(const gateway::Connection& conn,
                                const std::string& conversation_id, std::int64_t seq) {
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return;
  auto& c = it->second.conversations[conversation_id];
  c.sent_seq = std::max(c.sent_seq, seq);
  ack(conn, conversation_id, seq);
}

void DeliveryTracker::ack(const gateway::Connection& conn, const std::string& conversation_id,
                          std::int64_t seq) {
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return;
  Device& d = it->second;
  auto c = d.conversations.find(conversation_id);
  if (c == d.conversations.end()) return;
  auto& q = c->second.unacked;
  while (!q.empty() && q.front().seq <= seq) {
    q.pop_front();
    --d.unacked;
  }
}

DeliveryTracker::Due DeliveryTracker::collect_due(std::int64_t now_ms) {
  Due due;
  for (auto& [key, d] : devices_) {
    if (d.unacked == 0) continue;
    bool gave_up = false;
    for (auto& [conv, c] : d.conversations) {
      if (c.unacked.empty() || now_ms - c.unacked.front().sent_at < options_.retransmit_ms)
        continue;
      // Resend the whole unacknowledged tail, in order.
      for (auto& u : c.unacked) {
        if (++u.attempts > options_.max_attempts) {
          gave_up = true;
          break;
        }
        u.sent_at = now_ms;
        due.resend.emplace_back(d.conn, u.frame);
      }
      if (gave_up) break;
    }
    if (gave_up) due.give_up.push_back(d.conn);
  }
  return due;
}

void DeliveryTracker::begin_sync(const gateway::Connection& conn,
                                 const std::string& conversation_id) {
  ++syncing_[&conn][conversation_id].in_flight;
}

DeliveryTracker::Hold DeliveryTracker::hold_if_syncing(const gateway::Connection& conn,
                                                       const std::string& conversation_id,
                                                       std::int64_t seq,
                                                       const gateway::Frame& frame) {
  if (syncing_.empty()) return Hold::no;  // the fan-out path, nearly always
  auto device = syncing_.find(&conn);
  if (device == syncing_.end()) return Hold::no;
  auto c = device->second.find(conversation_id);
  if (c == device->second.end()) return Hold::no;
  if (c->second.waiting.size() >= options_.max_unacked) return Hold::overflow;
  c->second.waiting.push_back({seq, frame});
  return Hold::held;
}

std::vector<DeliveryTracker::Waiting> DeliveryTracker::end_sync(
    const gateway::Connection& conn, const std::string& conversation_id) {
  auto device = syncing_.find(&conn);
  if (device == syncing_.end()) return {};
  auto c = device->second.find(conversation_id);
  if (c == device->second.end() || --c->second.in_flight > 0) return {};
  auto waiting = std::move(c->second.waiting);
  device->second.erase(c);
  if (device->second.empty()) syncing_.erase(device);
  return waiting;
}

std::vector<std::pair<std::string, std::int64_t>> DeliveryTracker::positions(
    const gateway::Connection& conn) const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return out;
  for (const auto& [conversation, c] : it->second.conversations) out.emplace_back(conversation, c.sent_seq);
  return out;
}

std::int64_t DeliveryTracker::position(const gateway::Connection& conn,
                                       const std::string& conversation_id) const {
  auto it = devices_.find(&conn);
  if (it == devices_.end()) return 0;
  auto c = it->second.conversations.find(conversation_id);
  return c == it->second.conversations.end() ? 0 : c->second.sent_seq;
}

std::size_t DeliveryTracker::unacked(const gateway::Connection& conn) const {
  auto it = devices_.find(&conn);
  return it == devices_.end() ? 0 : it->second.unacked;
}

}  // namespace parley::service
