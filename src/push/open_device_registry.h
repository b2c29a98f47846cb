#pragma once
// The device registry a URL names:
//   empty        SqliteDeviceRegistry at <data_dir>/push.db (embedded mode)
//   file:PATH    SqliteDeviceRegistry at PATH
//   postgres://  PgDeviceRegistry (cluster mode: gateways and push workers share it)
#include <memory>
#include <string>

#include "common/result.h"
#include "push/device_registry.h"

namespace parley::push {

Result<std::unique_ptr<DeviceRegistry>> open_device_registry(const std::string& url,
                                                             const std::string& data_dir);

}  // namespace parley::push
