#include "push/push_config.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace parley::push {
namespace {

Status load(const char* text, PushConfig& c) { return load_push_config(boost::json::parse(text), c); }

TEST(PushConfig, ReadsEveryKnownKey) {
  PushConfig c;
  ASSERT_TRUE(load(R"({"collapse_ms": 0, "preview": true, "workers": 2, "allow_loopback_http": true,
                       "devices_url": "file:/tmp/x.db",
                       "apns": {"base_url": "http://127.0.0.1:1", "key_id": "K", "team_id": "T",
                                "topic": "org.x", "key_file": "/k.p8"},
                       "fcm": {"project_id": "p", "access_token": "t"}})",
                   c));
  EXPECT_EQ(c.collapse_ms, 0);
  EXPECT_TRUE(c.preview);
  EXPECT_EQ(c.workers, 2u);
  EXPECT_TRUE(c.allow_loopback_http);
  EXPECT_EQ(c.devices_url, "file:/tmp/x.db");
  EXPECT_EQ(c.apns.topic, "org.x");
  EXPECT_EQ(c.fcm.project_id, "p");
  EXPECT_EQ(c.timeout_ms, 10'000) << "untouched keys keep their defaults";
}

TEST(PushConfig, TyposAndBadValuesAreErrors) {
  PushConfig c;
  for (const char* bad : {R"({"colapse_ms": 1})", R"({"preview": "yes"})", R"({"workers": 0})",
                          R"({"apns": {"keyfile": "x"}})", R"({"fcm": 3})", R"([])"}) {
    auto s = load(bad, c);
    ASSERT_FALSE(s) << bad;
    EXPECT_NE(s.error().message.find("push"), std::string::npos) << s.error().message;
  }
}

}  // namespace
}  // namespace parley::push
