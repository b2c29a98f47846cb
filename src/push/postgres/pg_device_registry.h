#pragma once
// DeviceRegistry in PostgreSQL (cluster mode): tables push_devices and
// push_mutes beside the store's, shared by every gateway and push worker.
#include <memory>
#include <mutex>
#include <string>

#include "push/device_registry.h"
#include "store/postgres/pg_connection.h"

namespace parley::push {

class PgDeviceRegistry final : public DeviceRegistry {
 public:
  // Connects and creates the tables when missing. url: as for the store.
  static Result<std::unique_ptr<PgDeviceRegistry>> open(const std::string& url);

  Result<Device> add(const Device& d) override;
  Result<std::vector<Device>> list(std::string_view user_id) override;
  Status remove(std::string_view user_id, std::string_view device_id) override;
  Status remove_gone(std::string_view device_id) override;
  Status set_muted(std::string_view user_id, std::string_view conversation_id,
                   bool muted) override;
  Result<bool> muted(std::string_view user_id, std::string_view conversation_id) override;

 private:
  explicit PgDeviceRegistry(std::unique_ptr<store::pg::Conn> conn) : conn_(std::move(conn)) {}

  // One connection (a Conn is not thread-safe): push traffic is a few small
  // statements per message to an offline user.
  std::mutex mu_;
  std::unique_ptr<store::pg::Conn> conn_;
};

}  // namespace parley::push
