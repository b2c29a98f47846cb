#include "worker/worker_registry.h"

#include <gtest/gtest.h>

namespace parley::worker {
namespace {

TEST(WorkerRegistry, AddsOnceAndFindsByName) {
  WorkerRegistry r;
  auto make = [](WorkerContext&) -> Result<eventlog::Handler> {
    return eventlog::Handler([](const eventlog::Event&) { return ok_status(); });
  };
  EXPECT_TRUE(r.add({"one", "first", make}));
  EXPECT_FALSE(r.add({"one", "again", make}));
  ASSERT_NE(r.find("one"), nullptr);
  EXPECT_EQ(r.find("one")->description, "first");
  EXPECT_EQ(r.find("two"), nullptr);
  EXPECT_EQ(r.names(), std::vector<std::string>{"one"});
}

TEST(WorkerRegistry, BuiltinHasTheEventsFileWorker) {
  EXPECT_NE(WorkerRegistry::builtin().find("events-file"), nullptr);
}

}  // namespace
}  // namespace parley::worker
