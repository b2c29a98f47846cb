// What the outbox costs the durable write path: SQLite appends in batches
// (as the group committer sends them), with the outbox off, and on with a
// relay draining it into a LocalEventLog at the same time. Prints both rates
// (no bar: the machine is shared); asserts that every event arrived once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "eventlog/local/local_event_log.h"
#include "eventlog/notifying_store.h"
#include "eventlog/outbox_relay.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_test_support.h"

namespace parley::eventlog {
namespace {

using namespace store::test_support;
constexpr int kBatches = 40, kPerBatch = 256;

double append_rate(store::Store& s) {
  EXPECT_TRUE(s.create_conversation(new_group("c1", "alice", {"bob"})).ok());
  const auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kBatches; ++b) {
    std::vector<store::WriteOp> batch;
    for (int i = 0; i < kPerBatch; ++i) batch.push_back(text("c1", "alice", join("k", b, "-", i)));
    for (auto& r : s.apply(batch)) EXPECT_TRUE(r.ok());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return kBatches * kPerBatch / secs;
}

TEST(OutboxThroughput, SqliteAppendsWithAndWithoutTheOutbox) {
  TempDbFile off_file, on_file, log_file;
  auto off = store::SqliteStore::open(off_file.path().string());
  ASSERT_TRUE(off.ok());
  const double without = append_rate(**off);

  auto on = store::SqliteStore::open(on_file.path().string(), {.outbox = true});
  auto log = LocalEventLog::open(log_file.path().string());
  ASSERT_TRUE(on.ok() && log.ok());
  OutboxRelay relay(**on, **log);
  NotifyingStore notifying(**on, [&] { relay.notify(); });
  const double with = append_rate(notifying);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (relay.published() < static_cast<std::uint64_t>(kBatches * kPerBatch) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  relay.stop();
  EXPECT_EQ((*log)->read_all()->size(), static_cast<std::size_t>(kBatches * kPerBatch));
  EXPECT_TRUE((*on)->outbox_read(0, 10)->empty());
  std::printf("sqlite appends/s in batches of %d: outbox off %.0f, on (relay running) %.0f\n",
              kPerBatch, without, with);
}

}  // namespace
}  // namespace parley::eventlog
