#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/config.h"
#include "server/duration.h"

namespace parley::server {

TEST(Config, ListenParsing) {
  Config c;
  ASSERT_TRUE(parse_listen("0.0.0.0:0", c).ok());
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 0);
  ASSERT_TRUE(parse_listen("[::1]:8081", c).ok());
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_FALSE(parse_listen("nohost", c).ok());
  EXPECT_FALSE(parse_listen("h:70000", c).ok());
  EXPECT_FALSE(parse_listen("h:8x", c).ok());
}

TEST(Config, FileOverridesDefaultsAndRejectsUnknownKeys) {
  auto path = std::filesystem::temp_directory_path() / "parley_config_test.json";
  {
    std::ofstream(path) << R"({"listen":"127.0.0.1:9","heartbeat_ms":1000,"data":"/tmp/x"})";
  }
  Config c;
  ASSERT_TRUE(load_config_file(path.string(), c).ok());
  EXPECT_EQ(c.listen_port, 9);
  EXPECT_EQ(c.heartbeat_ms, 1000);
  EXPECT_EQ(c.data_dir, "/tmp/x");
  {
    std::ofstream(path) << R"({"heartbeet_ms":1000})";
  }
  EXPECT_FALSE(load_config_file(path.string(), c).ok());
  std::filesystem::remove(path);
}

TEST(Config, SecretIsCreatedOnceAndKept) {
  auto dir = std::filesystem::temp_directory_path() / "parley_secret_test";
  std::filesystem::remove_all(dir);
  Config c;
  c.data_dir = dir.string();
  EXPECT_FALSE(resolve_jwt_secret(c, false).ok());
  auto a = resolve_jwt_secret(c, true);
  ASSERT_TRUE(a.ok());
  auto b = resolve_jwt_secret(c, false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(std::filesystem::status(dir / "jwt_secret").permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST(Duration, Units) {
  EXPECT_EQ(*parse_duration_s("90s"), 90);
  EXPECT_EQ(*parse_duration_s("2m"), 120);
  EXPECT_EQ(*parse_duration_s("1h"), 3600);
  EXPECT_EQ(*parse_duration_s("-1s"), -1);
  EXPECT_EQ(*parse_duration_s("15"), 15);
  EXPECT_FALSE(parse_duration_s("h").ok());
  EXPECT_FALSE(parse_duration_s("1y").ok());
}

}  // namespace parley::server
