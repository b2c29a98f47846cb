#pragma once
// Cluster mode sends a user's presence change on each of their
// conversations' channels (one PUBLISH per conversation, not per contact),
// so a contact who shares several conversations with them would hear it
// once per conversation. PresenceOnce, on the receiving gateway, lets each
// recipient hear each change once. A change is identified by its frame's
// bytes (user, online, last_seen): a different frame of the same user starts
// over. Channels keep their own order, so if an older change comes in late
// over another channel it is heard again, followed by the newer one still
// on its way on that channel: the last state each recipient hears is the
// newest.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace parley::service {

class PresenceOnce {
 public:
  // Remembers the latest change of at most `max_users` users and at most
  // `max_recipients` recipients over all of them (a storm of a 10,000-member
  // group's connects would otherwise keep 10,000 x its local members); past
  // either it starts over, and a recipient may then hear a change twice.
  explicit PresenceOnce(std::size_t max_users = 10'000, std::size_t max_recipients = 200'000)
      : max_users_(max_users), max_recipients_(max_recipients) {}

  // True the first time `recipient` is offered this change of `user`.
  bool first(const std::string& user, const std::string& frame, const std::string& recipient);

 private:
  struct Heard {
    std::string frame;
    std::unordered_set<std::string> recipients;
  };
  std::size_t max_users_;
  std::size_t max_recipients_;
  std::size_t recipients_ = 0;  // over all users
  std::unordered_map<std::string, Heard> by_user_;
};

}  // namespace parley::service
