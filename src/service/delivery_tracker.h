#pragma once
// At-least-once delivery to each device: the `message` frames a device has
// been sent but has not acknowledged (`received`, or a receipt), resent
// after a timeout; and, per conversation, the highest seq the device has
// been sent, so a live message that a sync replay already delivered is not
// sent twice. Only devices that speak the reliable protocol (they sent
// `sync` or `received`) are tracked; others get plain live delivery.
// Event-loop only.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/connection.h"

namespace parley::service {

class DeliveryTracker {
 public:
  struct Options {
    std::int64_t retransmit_ms = 10'000;
    int max_attempts = 5;             // resends before the device is told to resume
    std::size_t max_unacked = 4096;   // per device, over all conversations
  };
  enum class Verdict { send, skip, overflow };

  explicit DeliveryTracker(Options options) : options_(options) {}

  void enable(const gateway::ConnectionPtr& conn);
  bool enabled(const gateway::Connection& conn) const { return devices_.count(&conn) != 0; }
  void forget(const gateway::Connection& conn) { devices_.erase(&conn); }

  // A message frame on its way to a device. skip: the device was already
  // sent this seq (by a replay); overflow: too much unacknowledged. With
  // replay=true the frame is always sent (the client asked for it).
  Verdict on_send(const gateway::Connection& conn, const std::string& conversation_id,
                  std::int64_t seq, const gateway::Frame& frame, std::int64_t now_ms,
                  bool replay = false);
  // The device holds everything up to seq (its sync said so, or it acked).
  void mark_held(const gateway::Connection& conn, const std::string& conversation_id,
                 std::int64_t seq);
  void ack(const gateway::Connection& conn, const std::string& conversation_id, std::int64_t seq);

  struct Due {
    std::vector<std::pair<gateway::ConnectionPtr, gateway::Frame>> resend;
    std::vector<gateway::ConnectionPtr> give_up;  // unacked after max_attempts
  };
  Due collect_due(std::int64_t now_ms);

  std::size_t tracked_devices() const { return devices_.size(); }
  std::size_t unacked(const gateway::Connection& conn) const;

 private:
  struct Unacked {
    std::int64_t seq;
    gateway::Frame frame;
    std::int64_t sent_at;
    int attempts;
  };
  struct ConversationState {
    std::int64_t sent_seq = 0;
    std::deque<Unacked> unacked;  // ascending seq
  };
  struct Device {
    gateway::ConnectionPtr conn;
    std::unordered_map<std::string, ConversationState> conversations;
    std::size_t unacked = 0;
  };

  Options options_;
  std::unordered_map<const gateway::Connection*, Device> devices_;
};

}  // namespace parley::service
