#include "service/presence_once.h"

namespace parley::service {

bool PresenceOnce::first(const std::string& user, const std::string& frame,
                         const std::string& recipient) {
  auto it = by_user_.find(user);
  if (it == by_user_.end()) {
    if (by_user_.size() >= max_users_) by_user_.clear();
    it = by_user_.emplace(user, Heard{frame, {}}).first;
  } else if (it->second.frame != frame) {
    it->second.frame = frame;
    it->second.recipients.clear();
  }
  return it->second.recipients.insert(recipient).second;
}

}  // namespace parley::service
