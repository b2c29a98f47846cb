// The registry contract against the in-memory fake and SQLite.
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "push/device_registry_contract.h"
#include "push/memory/memory_device_registry.h"
#include "push/sqlite/sqlite_device_registry.h"

namespace parley::push::testing {
namespace {

// A fresh database file per test, removed with its WAL companions at exit.
struct TempFiles {
  ~TempFiles() {
    for (const auto& p : paths)
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  }
  std::string next() {
    static std::atomic<int> n{0};
    paths.push_back((std::filesystem::temp_directory_path() /
                     ("parley_push_registry_" + std::to_string(::getpid()) + "_" +
                      std::to_string(n++) + ".db"))
                        .string());
    return paths.back();
  }
  std::vector<std::string> paths;
};
TempFiles temp_files;

INSTANTIATE_TEST_SUITE_P(
    Backends, DeviceRegistryContract,
    ::testing::Values(
        RegistryFactory{"Memory", [] { return std::unique_ptr<DeviceRegistry>(new MemoryDeviceRegistry); }},
        RegistryFactory{"Sqlite",
                        []() -> std::unique_ptr<DeviceRegistry> {
                          auto r = SqliteDeviceRegistry::open(temp_files.next());
                          if (!r) ADD_FAILURE() << r.error().message;
                          return r ? std::move(*r) : nullptr;
                        }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteDeviceRegistry, DevicesAndMutesSurviveReopening) {
  std::string path = temp_files.next();
  {
    auto r = SqliteDeviceRegistry::open(path);
    ASSERT_TRUE(r);
    Device d;
    d.id = "dev_1";
    d.user_id = "alice";
    d.platform = Platform::fcm;
    d.token = "fcm-token";
    ASSERT_TRUE((*r)->add(d));
    ASSERT_TRUE((*r)->set_muted("alice", "c1", true));
  }
  auto r = SqliteDeviceRegistry::open(path);
  ASSERT_TRUE(r);
  auto list = (*r)->list("alice");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].token, "fcm-token");
  EXPECT_TRUE(*(*r)->muted("alice", "c1"));
}

}  // namespace
}  // namespace parley::push::testing
