#pragma once
// At-least-once delivery to each device.
// - For every device, per conversation: the range of seqs sent to it live
//   since it connected, and the highest seq it was sent. A sync replay skips
//   what live delivery already sent, and live delivery skips what a replay
//   sent: no duplicate across the switch, in either direction.
// - For reliable devices (they sent `sync` or `received`): the `message`
//   frames not yet acknowledged, resent after a timeout. Plain devices are
//   not retransmitted to: they never acknowledge, so they would be resent
//   everything and then disconnected.
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

  void add(const gateway::ConnectionPtr& conn);
  // The device acknowledges: retain and retransmit its messages from now on.
  void enable(const gateway::ConnectionPtr& conn);
  bool enabled(const gateway::Connection& conn) const;
  void forget(const gateway::Connection& conn) {
    devices_.erase(&conn);
    syncing_.erase(&conn);
  }

  // A sync whose replay is read off the event loop (cluster mode): from
  // begin_sync until end_sync, live frames of the conversation wait here
  // instead of going out, so none overtakes the replay (docs/protocol.md,
  // sync). end_sync hands them back in arrival order once the last sync of
  // the conversation in flight ends; send them through on_send, which skips
  // what the replay sent. No state at all for devices not syncing.
  void begin_sync(const gateway::Connection& conn, const std::string& conversation_id);
  enum class Hold { no, held, overflow };
  // overflow: more than max_unacked frames waiting (the device is too slow).
  Hold hold_if_syncing(const gateway::Connection& conn, const std::string& conversation_id,
                       std::int64_t seq, const gateway::Frame& frame);
  struct Waiting {
    std::int64_t seq;
    gateway::Frame frame;
  };
  std::vector<Waiting> end_sync(const gateway::Connection& conn, const std::string& conversation_id);

  // For a sync replay: false when live delivery already sent this seq.
  bool replay_wanted(const gateway::Connection& conn, const std::string& conversation_id,
                     std::int64_t seq) const;

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
  bool knows(const gateway::Connection& conn) const { return devices_.contains(&conn); }
  // The highest seq the device holds or was sent, per conversation it has
  // one in (0 for a conversation it has none in).
  std::vector<std::pair<std::string, std::int64_t>> positions(const gateway::Connection& conn) const;
  std::int64_t position(const gateway::Connection& conn, const std::string& conversation_id) const;
  std::size_t unacked(const gateway::Connection& conn) const;

 private:
  struct Unacked {
    std::int64_t seq;
    gateway::Frame frame;
    std::int64_t sent_at;
    int attempts;
  };
  struct ConversationState {
    std::int64_t first_live = 0;  // live delivery sent every seq in [first_live, sent_seq]
    std::int64_t sent_seq = 0;
    std::deque<Unacked> unacked;  // ascending seq; reliable devices only
  };
  struct Device {
    gateway::ConnectionPtr conn;
    std::unordered_map<std::string, ConversationState> conversations;
    std::size_t unacked = 0;
    bool reliable = false;
  };

  struct Syncing {
    int in_flight = 0;
    std::vector<Waiting> waiting;
  };

  Options options_;
  std::unordered_map<const gateway::Connection*, Device> devices_;
  std::unordered_map<const gateway::Connection*, std::unordered_map<std::string, Syncing>> syncing_;
};

}  // namespace parley::service
