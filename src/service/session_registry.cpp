#include "service/session_registry.h"

#include <algorithm>

namespace parley::service {

bool SessionRegistry::add(const gateway::ConnectionPtr& conn) {
  auto& devices = by_user_[conn->user_id()];
  devices.push_back(conn);
  ++connections_;
  return devices.size() == 1;
}

bool SessionRegistry::remove(const gateway::Connection& conn) {
  auto it = by_user_.find(conn.user_id());
  if (it == by_user_.end()) return false;
  auto& devices = it->second;
  auto pos = std::find_if(devices.begin(), devices.end(),
                          [&](const auto& d) { return d.get() == &conn; });
  if (pos == devices.end()) return false;
  devices.erase(pos);
  --connections_;
  if (!devices.empty()) return false;
  by_user_.erase(it);
  return true;
}

const std::vector<gateway::ConnectionPtr>* SessionRegistry::devices_of(
    const std::string& user_id) const {
  auto it = by_user_.find(user_id);
  return it == by_user_.end() ? nullptr : &it->second;
}

}  // namespace parley::service
