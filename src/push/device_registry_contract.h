#pragma once
// The DeviceRegistry contract, run against every implementation: include
// this, then INSTANTIATE_TEST_SUITE_P(Name, DeviceRegistryContract,
// ::testing::Values(RegistryFactory{...})).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "push/device_registry.h"

namespace parley::push::testing {

struct RegistryFactory {
  std::string name;
  // Null with GTEST_SKIP() called when the backend is not available.
  std::function<std::unique_ptr<DeviceRegistry>()> make;
};

inline std::string PrintToString(const RegistryFactory& f) { return f.name; }

class DeviceRegistryContract : public ::testing::TestWithParam<RegistryFactory> {
 protected:
  void SetUp() override {
    registry_ = GetParam().make();
    if (!registry_ && !IsSkipped()) FAIL() << "no registry";
  }
  DeviceRegistry& r() { return *registry_; }

  static Device webpush(std::string id, std::string user, std::string endpoint, std::int64_t at) {
    Device d;
    d.id = std::move(id);
    d.user_id = std::move(user);
    d.platform = Platform::webpush;
    d.endpoint = std::move(endpoint);
    d.p256dh = "p256dh-" + d.id;
    d.auth = "auth-" + d.id;
    d.created_at = at;
    return d;
  }

  std::unique_ptr<DeviceRegistry> registry_;
};

TEST_P(DeviceRegistryContract, AddListRemove) {
  ASSERT_TRUE(r().add(webpush("dev_1", "alice", "https://p.example/1", 10)));
  Device apns;
  apns.id = "dev_2";
  apns.user_id = "alice";
  apns.platform = Platform::apns;
  apns.token = "abcdef0123";
  apns.created_at = 20;
  ASSERT_TRUE(r().add(apns));
  ASSERT_TRUE(r().add(webpush("dev_3", "bob", "https://p.example/3", 30)));

  auto list = r().list("alice");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "dev_1");
  EXPECT_EQ((*list)[0].endpoint, "https://p.example/1");
  EXPECT_EQ((*list)[0].p256dh, "p256dh-dev_1");
  EXPECT_EQ((*list)[0].auth, "auth-dev_1");
  EXPECT_EQ((*list)[0].created_at, 10);
  EXPECT_EQ((*list)[1].platform, Platform::apns);
  EXPECT_EQ((*list)[1].token, "abcdef0123");

  auto not_hers = r().remove("alice", "dev_3");
  ASSERT_FALSE(not_hers);
  EXPECT_EQ(not_hers.error().code, make_error_code(Errc::not_found));
  ASSERT_TRUE(r().remove("alice", "dev_1"));
  EXPECT_FALSE(r().remove("alice", "dev_1"));
  EXPECT_EQ(r().list("alice")->size(), 1u);
  EXPECT_EQ(r().list("bob")->size(), 1u);
  EXPECT_TRUE(r().list("nobody")->empty());
}

TEST_P(DeviceRegistryContract, RegisteringAgainUpdatesKeysAndKeepsTheId) {
  ASSERT_TRUE(r().add(webpush("dev_1", "alice", "https://p.example/1", 10)));
  Device again = webpush("dev_9", "alice", "https://p.example/1", 99);
  again.p256dh = "new-key";
  auto stored = r().add(again);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, "dev_1");
  EXPECT_EQ(stored->created_at, 10);
  auto list = r().list("alice");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].p256dh, "new-key");
}

TEST_P(DeviceRegistryContract, AnAddressRegisteredByAnotherUserMovesToThem) {
  ASSERT_TRUE(r().add(webpush("dev_1", "alice", "https://p.example/shared", 10)));
  auto stored = r().add(webpush("dev_2", "bob", "https://p.example/shared", 20));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, "dev_2");
  EXPECT_TRUE(r().list("alice")->empty());
  ASSERT_EQ(r().list("bob")->size(), 1u);
}

TEST_P(DeviceRegistryContract, GoneDevicesAreRemovedWhoeverOwnsThem) {
  ASSERT_TRUE(r().add(webpush("dev_1", "alice", "https://p.example/1", 10)));
  ASSERT_TRUE(r().remove_gone("dev_1"));
  EXPECT_TRUE(r().list("alice")->empty());
  EXPECT_TRUE(r().remove_gone("dev_1")) << "already gone is fine";
}

TEST_P(DeviceRegistryContract, MutesPerUserAndConversation) {
  EXPECT_FALSE(*r().muted("alice", "c1"));
  ASSERT_TRUE(r().set_muted("alice", "c1", true));
  ASSERT_TRUE(r().set_muted("alice", "c1", true)) << "muting twice is fine";
  EXPECT_TRUE(*r().muted("alice", "c1"));
  EXPECT_FALSE(*r().muted("alice", "c2"));
  EXPECT_FALSE(*r().muted("bob", "c1"));
  ASSERT_TRUE(r().set_muted("alice", "c1", false));
  EXPECT_FALSE(*r().muted("alice", "c1"));
  ASSERT_TRUE(r().set_muted("alice", "c1", false)) << "unmuting twice is fine";
}

}  // namespace parley::push::testing
