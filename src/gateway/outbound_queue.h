#pragma once
// A connection's frames waiting to be written: bounded in frames and bytes,
// so one slow reader can never make the server's memory grow without limit.
// Ephemeral frames (typing, presence) give way first: when the queue is
// full they are dropped, and they are evicted to make room for a message.
#include <cstddef>
#include <deque>

#include "gateway/connection.h"

namespace parley::gateway {

class OutboundQueue {
 public:
  enum class Push { queued, dropped, overflow };

  OutboundQueue(std::size_t max_frames, std::size_t max_bytes)
      : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // front_in_flight: the front frame is being written and must stay.
  Push push(Frame frame, bool ephemeral, bool front_in_flight) {
    if (!fits(frame->size())) {
      if (ephemeral) return Push::dropped;
      evict_ephemeral(frame->size(), front_in_flight);
      if (!fits(frame->size())) return Push::overflow;
    }
    bytes_ += frame->size();
    frames_.push_back({std::move(frame), ephemeral});
    return Push::queued;
  }
  const Frame& front() const { return frames_.front().frame; }
  void pop() {
    bytes_ -= frames_.front().frame->size();
    frames_.pop_front();
  }
  void clear() {
    // Swap with an empty deque: a drained queue gives its blocks back.
    std::deque<Entry>().swap(frames_);
    bytes_ = 0;
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    Frame frame;
    bool ephemeral = false;
  };

  bool fits(std::size_t n) const {
    return frames_.size() < max_frames_ && bytes_ + n <= max_bytes_;
  }

  void evict_ephemeral(std::size_t needed, bool front_in_flight) {
    auto it = frames_.begin() + (front_in_flight && !frames_.empty() ? 1 : 0);
    while (it != frames_.end() && !fits(needed)) {
      if (it->ephemeral) {
        bytes_ -= it->frame->size();
        it = frames_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<Entry> frames_;
};

}  // namespace parley::gateway
