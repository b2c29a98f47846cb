#pragma once
// DeviceRegistry in memory: the fake other tests use, and the reference the
// registry conformance test holds the real ones to.
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "push/device_registry.h"

namespace parley::push {

class MemoryDeviceRegistry final : public DeviceRegistry {
 public:
  Result<Device> add(const Device& d) override;
  Result<std::vector<Device>> list(std::string_view user_id) override;
  Status remove(std::string_view user_id, std::string_view device_id) override;
  Status remove_gone(std::string_view device_id) override;
  Status set_muted(std::string_view user_id, std::string_view conversation_id,
                   bool muted) override;
  Result<bool> muted(std::string_view user_id, std::string_view conversation_id) override;

 private:
  std::mutex mu_;
  std::vector<Device> devices_;  // in registration order
  std::set<std::pair<std::string, std::string>, std::less<>> mutes_;
};

}  // namespace parley::push
