#pragma once
// A connection's frames waiting to be written: bounded in frames and bytes,
// so one slow reader can never make the server's memory grow without limit.
// Ephemeral frames (typing, presence) give way first: when the queue is
// full they are dropped, and they are evicted to make room for a message.
// A vector with a moving head, not a deque: an empty queue owns no memory,
// which is what an idle connection's queue is.
#include <cstddef>
#include <vector>

#include "gateway/connection.h"

namespace parley::gateway {

class OutboundQueue {
 public:
  enum class Push { queued, dropped, overflow };
  struct Entry {
    Frame frame;
    bool ephemeral = false;
    bool raw = false;    // already framed (handshake response, control frames)
    bool close = false;  // the close frame: nothing may follow it
  };

  OutboundQueue(std::size_t max_frames, std::size_t max_bytes)
      : max_frames_(max_frames), max_bytes_(max_bytes) {}

  Push push(Frame frame, bool ephemeral, bool raw = false) {
    if (!fits(frame->size())) {
      if (ephemeral) return Push::dropped;
      evict_ephemeral(frame->size());
      if (!fits(frame->size())) return Push::overflow;
    }
    bytes_ += frame->size();
    entries_.push_back({std::move(frame), ephemeral, raw});
    return Push::queued;
  }
  // Control frames go past the bounds: a close must always fit.
  void push_unbounded(Frame frame, bool is_close = false) {
    bytes_ += frame->size();
    entries_.push_back({std::move(frame), false, true, is_close});
  }

  // Moves up to max entries out, oldest first, for one gathered write.
  void take(std::size_t max, std::vector<Entry>& out) {
    std::size_t n = std::min(max, size());
    for (std::size_t i = 0; i < n; ++i) {
      bytes_ -= entries_[head_ + i].frame->size();
      out.push_back(std::move(entries_[head_ + i]));
    }
    head_ += n;
    if (head_ == entries_.size()) clear();
    else if (head_ > 64 && head_ * 2 > entries_.size()) compact();
  }

  void clear() {
    entries_.clear();
    if (entries_.capacity() > 16) std::vector<Entry>().swap(entries_);
    head_ = 0;
    bytes_ = 0;
  }
  bool empty() const { return size() == 0; }
  std::size_t size() const { return entries_.size() - head_; }
  std::size_t bytes() const { return bytes_; }

 private:
  bool fits(std::size_t n) const { return size() < max_frames_ && bytes_ + n <= max_bytes_; }

  void compact() {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  void evict_ephemeral(std::size_t needed) {
    compact();
    for (auto it = entries_.begin(); it != entries_.end() && !fits(needed);) {
      if (it->ephemeral) {
        bytes_ -= it->frame->size();
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::size_t head_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace parley::gateway
