#pragma once
// A connection's frames waiting to be written: bounded in frames and bytes,
// so one slow reader can never make the server's memory grow without limit.
#include <cstddef>
#include <deque>

#include "gateway/connection.h"

namespace parley::gateway {

class OutboundQueue {
 public:
  OutboundQueue(std::size_t max_frames, std::size_t max_bytes)
      : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // False, and nothing queued, when the frame would pass a bound.
  bool push(Frame frame) {
    if (frames_.size() >= max_frames_ || bytes_ + frame->size() > max_bytes_) return false;
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
    return true;
  }
  const Frame& front() const { return frames_.front(); }
  void pop() {
    bytes_ -= frames_.front()->size();
    frames_.pop_front();
  }
  void clear() {
    // Swap with an empty deque: a drained queue gives its blocks back.
    std::deque<Frame>().swap(frames_);
    bytes_ = 0;
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<Frame> frames_;
};

}  // namespace parley::gateway
