#pragma once
// DeviceRegistry in its own SQLite file (<data_dir>/push.db), apart from the
// message store: push state is small, written rarely, and must never take
// the message writer's lock.
#include <memory>
#include <mutex>
#include <string>

#include "push/device_registry.h"
#include "store/sqlite/sqlite_db.h"

namespace parley::push {

class SqliteDeviceRegistry final : public DeviceRegistry {
 public:
  // Opens (creating when missing) the database at path and its tables.
  static Result<std::unique_ptr<SqliteDeviceRegistry>> open(const std::string& path);

  Result<Device> add(const Device& d) override;
  Result<std::vector<Device>> list(std::string_view user_id) override;
  Status remove(std::string_view user_id, std::string_view device_id) override;
  Status remove_gone(std::string_view device_id) override;
  Status set_muted(std::string_view user_id, std::string_view conversation_id,
                   bool muted) override;
  Result<bool> muted(std::string_view user_id, std::string_view conversation_id) override;

 private:
  explicit SqliteDeviceRegistry(std::unique_ptr<store::sqlite::Db> db) : db_(std::move(db)) {}

  // One connection for everything: a handful of small statements per push,
  // never on the message path, so one lock is plenty.
  std::mutex mu_;
  std::unique_ptr<store::sqlite::Db> db_;
};

}  // namespace parley::push
