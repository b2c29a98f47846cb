#pragma once
// Where push devices and per-conversation mutes are kept. Embedded mode:
// SQLite in its own file (<data_dir>/push.db). Cluster mode: PostgreSQL.
// Tests: in memory. Every method may be called from any thread (the REST
// routes on the event loop, the push workers on theirs).
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "push/device.h"

namespace parley::push {

class DeviceRegistry {
 public:
  virtual ~DeviceRegistry() = default;

  // Stores d (its id, user_id and created_at chosen by the caller). When the
  // user already has a device with the same platform and address, that one
  // is updated (new keys) and returned instead, with its original id. When
  // another user holds the address, it moves to this user: the subscription
  // belongs to one browser or phone, and whoever registered it last is the
  // one signed in there (the previous user must stop getting its pushes).
  virtual Result<Device> add(const Device& d) = 0;
  // The user's devices, oldest first.
  virtual Result<std::vector<Device>> list(std::string_view user_id) = 0;
  // not_found unless the user owns the device.
  virtual Status remove(std::string_view user_id, std::string_view device_id) = 0;
  // The provider said the subscription is gone: removed whoever owns it.
  // Ok when it was already gone.
  virtual Status remove_gone(std::string_view device_id) = 0;

  virtual Status set_muted(std::string_view user_id, std::string_view conversation_id,
                           bool muted) = 0;
  virtual Result<bool> muted(std::string_view user_id, std::string_view conversation_id) = 0;
};

}  // namespace parley::push
