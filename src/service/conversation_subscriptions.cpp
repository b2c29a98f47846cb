#include "service/conversation_subscriptions.h"

namespace parley::service {

using Scope = bus::Envelope::Scope;

void ConversationSubscriptions::user_arrived(const std::string& user,
                                             const std::vector<std::string>& conversations) {
  if (conversations.empty()) return;
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
  if (member) {
    if (by_user_[user].insert(conversation).second)
      bus_.subscribe(Scope::conversation, conversation);
    return;
  }
  auto it = by_user_.find(user);
  if (it == by_user_.end() || !it->second.erase(conversation)) return;
  bus_.unsubscribe(Scope::conversation, conversation);
  if (it->second.empty()) by_user_.erase(it);
}

bool ConversationSubscriptions::has(const std::string& user, const std::string& conversation) const {
  auto it = by_user_.find(user);
  return it != by_user_.end() && it->second.contains(conversation);
}

}  // namespace parley::service
