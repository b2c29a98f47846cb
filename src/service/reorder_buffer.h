#pragma once
// Cluster mode: two gateways publish into one conversation's channel, and
// Redis keeps order per publisher only, so seq 8 (from gateway A) can arrive
// after seq 9 (from gateway B). Each conversation's messages wait here at most
// a short window for the missing seq, then go out anyway; a gap that stays is
// the clients' to repair (they see it by seq and `sync`). Message envelopes
// only (seq > 0); everything else passes straight through.
// In embedded mode messages arrive in seq order and nothing ever waits.
// Event-loop only.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/bus.h"

namespace parley::service {

class ReorderBuffer {
 public:
  struct Options {
    std::int64_t window_ms = 50;
    std::size_t max_held = 1024;            // per conversation; beyond, release at once
    std::size_t max_conversations = 100'000;  // idle state dropped beyond this
  };
  explicit ReorderBuffer(Options options) : options_(options) {}

  // The envelopes to deliver now, in seq order (possibly none: e waits).
  std::vector<bus::Envelope> push(bus::Envelope e, std::int64_t now_ms);
  // Releases what has waited a whole window; gaps before them stay gaps.
  std::vector<bus::Envelope> expire(std::int64_t now_ms);
  // When the earliest waiting envelope is due (ms), or 0 when none waits.
  std::int64_t next_deadline() const;
  std::size_t held() const;

 private:
  struct Conversation {
    std::int64_t last = 0;                    // highest seq delivered
    std::map<std::int64_t, bus::Envelope> held;  // waiting for last+1
    std::int64_t held_since = 0;
  };
  void release_ready(Conversation& c, std::vector<bus::Envelope>& out);
  void release_all(Conversation& c, std::vector<bus::Envelope>& out);

  Options options_;
  std::unordered_map<std::string, Conversation> conversations_;
  std::unordered_set<std::string> waiting_;  // conversations with held envelopes
};

}  // namespace parley::service
