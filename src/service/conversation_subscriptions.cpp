#include "service/conversation_subscriptions.h"

namespace parley::service {

using Scope = bus::Envelope::Scope;

void ConversationSubscriptions::user_arrived(const std::string& user,
                                             const std::vector<std::string>& conversations) {
  auto& mine = by_user_[user];
  for (const auto& c : conversations)
    if (mine.insert(c).second) bus_.subscribe(Scope::conversation, c);
}

void ConversationSubscriptions::user_left(const std::string& user) {
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return;
  for (const auto& c : it->second) bus_.unsubscribe(Scope::conversation, c);
  by_user_.erase(it);
}

void ConversationSubscriptions::set_member(const std::string& user,
                                           const std::string& conversation, bool member) {
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return;  // not connected here
  if (member) {
    if (it->second.insert(conversation).second) bus_.subscribe(Scope::conversation, conversation);
  } else if (it->second.erase(conversation)) {
    bus_.unsubscribe(Scope::conversation, conversation);
  }
}

bool ConversationSubscriptions::has(const std::string& user, const std::string& conversation) const {
  auto it = by_user_.find(user);
  return it != by_user_.end() && it->second.contains(conversation);
}

}  // namespace parley::service
