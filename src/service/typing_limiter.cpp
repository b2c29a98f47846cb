#include "service/typing_limiter.h"

namespace parley::service {

bool TypingLimiter::allow(std::string_view user_id, std::string_view conversation_id,
                          std::int64_t now_ms) {
  std::string key;
  key.reserve(user_id.size() + conversation_id.size() + 1);
  key.append(user_id).push_back('\n');  // '\n' never occurs in ids
  key.append(conversation_id);
  auto [it, inserted] = last_.try_emplace(std::move(key), now_ms);
  if (!inserted) {
    if (now_ms - it->second < interval_ms_) return false;
    it->second = now_ms;
  }
  if (last_.size() > 50'000) prune(now_ms);
  return true;
}

void TypingLimiter::prune(std::int64_t now_ms) {
  // Entries older than the interval no longer limit anything.
  std::erase_if(last_, [&](const auto& kv) { return now_ms - kv.second >= interval_ms_; });
}

}  // namespace parley::service
