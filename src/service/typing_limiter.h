#pragma once
// Forwards at most one typing frame per (user, conversation) per interval.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::service {

class TypingLimiter {
 public:
  explicit TypingLimiter(std::int64_t interval_ms) : interval_ms_(interval_ms) {}

  // True when this typing frame should be forwarded; now_ms is monotonic.
  bool allow(std::string_view user_id, std::string_view conversation_id, std::int64_t now_ms);
  std::size_t size() const { return last_.size(); }

 private:
  void prune(std::int64_t now_ms);

  std::int64_t interval_ms_;
  std::unordered_map<std::string, std::int64_t> last_;
};

}  // namespace parley::service
