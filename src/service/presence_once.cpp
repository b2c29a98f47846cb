#include "service/presence_once.h"

namespace parley::service {

bool PresenceOnce::first(const std::string& user, const std::string& frame,
                         const std::string& recipient) {
  auto it = by_user_.find(user);
  if (it != by_user_.end() && it->second.frame != frame) {
    recipients_ -= it->second.recipients.size();
    it->second.frame = frame;
    it->second.recipients.clear();
  }
  if (it != by_user_.end() && it->second.recipients.contains(recipient)) return false;
  // A new entry: within the bounds, or after starting over.
  if (recipients_ >= max_recipients_ || (it == by_user_.end() && by_user_.size() >= max_users_)) {
    by_user_.clear();
    recipients_ = 0;
    it = by_user_.end();
  }
  if (it == by_user_.end()) it = by_user_.emplace(user, Heard{frame, {}}).first;
  it->second.recipients.insert(recipient);
  ++recipients_;
  return true;
}

}  // namespace parley::service
