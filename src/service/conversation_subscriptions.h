#pragma once
// Cluster mode: a gateway hears a conversation's bus channel only while one
// of the conversation's members is connected to it. Per local user, the
// conversations this gateway subscribed for them; the bus counts
// subscriptions per channel, so two local members of one conversation mean
// one Redis subscription, dropped when the second leaves. A user with no
// conversations has no entry: most idle connections cost nothing here.
// Event-loop only.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/bus.h"

namespace parley::service {

class ConversationSubscriptions {
 public:
  explicit ConversationSubscriptions(bus::Bus& bus) : bus_(bus) {}

  // The user's first device connected here; conversations: all of theirs.
  void user_arrived(const std::string& user, const std::vector<std::string>& conversations);
  // The user's last device left.
  void user_left(const std::string& user);
  // While the user is here (the caller knows), they joined (member) or left
  // a conversation.
  void set_member(const std::string& user, const std::string& conversation, bool member);

  bool has(const std::string& user, const std::string& conversation) const;
  // Users with at least one conversation subscribed.
  std::size_t users() const { return by_user_.size(); }

 private:
  bus::Bus& bus_;
  std::unordered_map<std::string, std::unordered_set<std::string>> by_user_;
};

}  // namespace parley::service
