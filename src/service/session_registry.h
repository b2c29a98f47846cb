#pragma once
// The devices connected to this gateway, by user. Event-loop only.
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/connection.h"

namespace parley::service {

class SessionRegistry {
 public:
  // True when this is the user's first device here.
  bool add(const gateway::ConnectionPtr& conn);
  // True when this was the user's last device here.
  bool remove(const gateway::Connection& conn);

  const std::vector<gateway::ConnectionPtr>* devices_of(const std::string& user_id) const;
  std::size_t user_count() const { return by_user_.size(); }
  std::size_t connection_count() const { return connections_; }

  template <class F>
  void for_each_user(F&& f) const {
    for (const auto& [user, devices] : by_user_) f(user, devices);
  }

 private:
  std::unordered_map<std::string, std::vector<gateway::ConnectionPtr>> by_user_;
  std::size_t connections_ = 0;
};

}  // namespace parley::service
