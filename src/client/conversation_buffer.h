#pragma once
// Per conversation: delivers messages exactly once and in seq order.
// Out-of-order arrivals wait until the gap before them is filled; anything
// at or below the last delivered seq, or carrying an id seen recently, is a
// duplicate. Pure: no I/O, no clock.
#include <array>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "client/events.h"

namespace parley::client {

class ConversationBuffer {
 public:
  // Arrivals held beyond this are dropped (a sync brings them back).
  static constexpr std::size_t kMaxPending = 4096;

  enum class Verdict { delivered, buffered, duplicate, dropped };

  explicit ConversationBuffer(std::int64_t last_seq = 0) noexcept : last_(last_seq) {}

  // Takes one message; those now in order are appended to `ready`, ascending.
  Verdict push(Message m, std::vector<Message>& ready);
  // The application holds everything up to `seq` already: skip ahead (never
  // back), dropping held messages it covers and releasing those now in order.
  void advance_to(std::int64_t seq, std::vector<Message>& ready);

  std::int64_t last_seq() const noexcept { return last_; }  // last contiguous delivered
  bool has_gap() const noexcept { return !pending_.empty(); }
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  void release(std::vector<Message>& ready);
  bool seen_recently(std::string_view message_id) const noexcept;
  void remember(std::string_view message_id) noexcept;

  std::int64_t last_ = 0;
  std::map<std::int64_t, Message> pending_;
  // Hashes of the last delivered message ids: a message re-sent under
  // another seq is still caught, at 8 bytes per id.
  std::array<std::uint64_t, 8> recent_{};
  std::uint8_t recent_next_ = 0;
};

}  // namespace parley::client
