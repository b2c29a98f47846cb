#include "push/open_device_registry.h"

#include <filesystem>

#include "push/postgres/pg_device_registry.h"
#include "push/sqlite/sqlite_device_registry.h"

namespace parley::push {

Result<std::unique_ptr<DeviceRegistry>> open_device_registry(const std::string& url,
                                                             const std::string& data_dir) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    auto r = PgDeviceRegistry::open(url);
    if (!r) return make_error(Errc::internal, "push devices: " + r.error().message);
    return std::unique_ptr<DeviceRegistry>(std::move(*r));
  }
  if (url.empty() || url.starts_with("file:")) {
    std::string path = url.empty() ? (std::filesystem::path(data_dir) / "push.db").string()
                                   : url.substr(5);
    auto r = SqliteDeviceRegistry::open(path);
    if (!r) return make_error(Errc::internal, "push devices " + path + ": " + r.error().message);
    return std::unique_ptr<DeviceRegistry>(std::move(*r));
  }
  return make_error(Errc::internal, "push devices: expected postgres://..., file:PATH or nothing");
}

}  // namespace parley::push
