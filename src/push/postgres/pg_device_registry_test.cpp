// The registry contract against PostgreSQL: label integration, skipped
// unless PARLEY_PG_URLS names a server (scripts/services/postgres.sh start).
#include <memory>

#include "push/device_registry_contract.h"
#include "push/postgres/pg_device_registry.h"
#include "store/postgres/pg_test_support.h"

namespace parley::push::testing {
namespace {

using store::test_support::pg_urls;
using store::test_support::ScratchSchema;

// A registry in a schema of its own, dropped with it.
class ScratchRegistry final : public DeviceRegistry {
 public:
  ScratchRegistry(std::unique_ptr<ScratchSchema> schema, std::unique_ptr<PgDeviceRegistry> r)
      : schema_(std::move(schema)), r_(std::move(r)) {}
  ~ScratchRegistry() override { r_.reset(); }  // disconnect before the schema drops
  Result<Device> add(const Device& d) override { return r_->add(d); }
  Result<std::vector<Device>> list(std::string_view u) override { return r_->list(u); }
  Status remove(std::string_view u, std::string_view id) override { return r_->remove(u, id); }
  Status remove_gone(std::string_view id) override { return r_->remove_gone(id); }
  Status set_muted(std::string_view u, std::string_view c, bool m) override {
    return r_->set_muted(u, c, m);
  }
  Result<bool> muted(std::string_view u, std::string_view c) override { return r_->muted(u, c); }

 private:
  std::unique_ptr<ScratchSchema> schema_;  // destroyed last
  std::unique_ptr<PgDeviceRegistry> r_;
};

std::unique_ptr<DeviceRegistry> make_pg() {
  auto urls = pg_urls();
  if (urls.empty()) {
    [] { GTEST_SKIP() << store::test_support::kNoPostgres; }();  // marks the running test
    return nullptr;
  }
  auto schema = std::make_unique<ScratchSchema>(std::vector<std::string>{urls[0]});
  auto r = PgDeviceRegistry::open(schema->url(0));
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return nullptr;
  }
  return std::make_unique<ScratchRegistry>(std::move(schema), std::move(*r));
}

INSTANTIATE_TEST_SUITE_P(Postgres, DeviceRegistryContract,
                         ::testing::Values(RegistryFactory{"Postgres", make_pg}),
                         [](const auto& info) { return info.param.name; });

TEST(PgDeviceRegistry, OpeningTwiceOnOneSchemaKeepsTheData) {
  auto urls = pg_urls();
  if (urls.empty()) GTEST_SKIP() << store::test_support::kNoPostgres;
  ScratchSchema schema({urls[0]});
  {
    auto r = PgDeviceRegistry::open(schema.url(0));
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE((*r)->set_muted("alice", "c1", true));
  }
  auto r = PgDeviceRegistry::open(schema.url(0));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(*(*r)->muted("alice", "c1"));
}

}  // namespace
}  // namespace parley::push::testing
