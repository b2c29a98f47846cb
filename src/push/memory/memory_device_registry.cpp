#include "push/memory/memory_device_registry.h"

#include <algorithm>

namespace parley::push {

Result<Device> MemoryDeviceRegistry::add(const Device& d) {
  std::lock_guard lock(mu_);
  auto same = std::find_if(devices_.begin(), devices_.end(), [&](const Device& x) {
    return x.platform == d.platform && x.address() == d.address();
  });
  if (same != devices_.end() && same->user_id == d.user_id) {
    same->endpoint = d.endpoint;
    same->token = d.token;
    same->p256dh = d.p256dh;
    same->auth = d.auth;
    return *same;
  }
  if (same != devices_.end()) devices_.erase(same);  // moves to the new user
  devices_.push_back(d);
  return d;
}

Result<std::vector<Device>> MemoryDeviceRegistry::list(std::string_view user_id) {
  std::lock_guard lock(mu_);
  std::vector<Device> out;
  for (const auto& d : devices_)
    if (d.user_id == user_id) out.push_back(d);
  return out;
}

Status MemoryDeviceRegistry::remove(std::string_view user_id, std::string_view device_id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(devices_.begin(), devices_.end(), [&](const Device& x) {
    return x.id == device_id && x.user_id == user_id;
  });
  if (it == devices_.end()) return make_error(Errc::not_found, "no such device");
  devices_.erase(it);
  return ok_status();
}

Status MemoryDeviceRegistry::remove_gone(std::string_view device_id) {
  std::lock_guard lock(mu_);
  std::erase_if(devices_, [&](const Device& x) { return x.id == device_id; });
  return ok_status();
}

Status MemoryDeviceRegistry::set_muted(std::string_view user_id,
                                       std::string_view conversation_id, bool muted) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(std::string(user_id), std::string(conversation_id));
  if (muted) mutes_.insert(std::move(key));
  else mutes_.erase(key);
  return ok_status();
}

Result<bool> MemoryDeviceRegistry::muted(std::string_view user_id,
                                         std::string_view conversation_id) {
  std::lock_guard lock(mu_);
  return mutes_.count(std::make_pair(std::string(user_id), std::string(conversation_id))) > 0;
}

}  // namespace parley::push
