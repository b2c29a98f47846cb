// SearchIndexer as an event-log consumer (eventlog/memory): what the log
// delivers reaches the index, malformed events are acknowledged (the log
// moves past them), failed writes come again.
#include "search/search_indexer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "eventlog/memory/memory_event_log.h"
#include "search/search_metrics.h"
#include "search/search_test_events.h"
#include "search/sqlite/sqlite_search_index.h"
#include "store/store_test_support.h"

namespace parley::search {
namespace {

using namespace std::chrono_literals;

eventlog::Event message(const std::string& type, std::int64_t seq, std::int64_t version,
                        const std::string& content, bool deleted = false) {
  return test_support::message_event(type, "c1", seq, version, content, deleted);
}

// Counts what a handler was given, so a test can await "n events handled".
class Counting {
 public:
  eventlog::Handler wrap(eventlog::Handler inner) {
    return [this, inner](const eventlog::Event& e) {
      auto s = inner(e);
      std::lock_guard lock(mu_);
      ids_.push_back(e.id);
      cv_.notify_all();
      return s;
    };
  }
  bool await(std::size_t n, std::chrono::milliseconds deadline = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return ids_.size() >= n; });
  }
  std::vector<std::string> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ids_;
};

TEST(SearchIndexer, IndexesWhatTheLogDelivers) {
  store::test_support::TempDbFile file;
  auto index = SqliteSearchIndex::open(file.path().string());
  ASSERT_TRUE(index.ok()) << index.error().message;
  eventlog::MemoryEventLog log(eventlog::CursorConsumerOptions{128, 20ms, 5ms, 50ms});
  ASSERT_TRUE(log.publish({
                              message(eventlog::kMessageCreated, 1, 1, "hello world"),
                              {"c1/r/bob/r/1", eventlog::kReceipt, "c1", 1, R"({"seq":1})"},
                              {"bad", eventlog::kMessageCreated, "c1", 9, "not json"},
                              message(eventlog::kMessageEdited, 1, 2, "goodbye world"),
                              message(eventlog::kMessageCreated, 2, 1, "hello again"),
                              message(eventlog::kMessageDeleted, 2, 2, "", true),
                          })
                  .ok());
  const auto skipped_before = metric::skipped.value();
  Counting counting;
  auto consumer = log.consume("search", counting.wrap(SearchIndexer(**index)));
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(counting.await(6)) << "handled " << counting.ids().size();
  (*consumer)->stop();
  EXPECT_EQ(counting.ids().size(), 6u) << "an event was delivered twice: nothing failed";
  EXPECT_EQ(metric::skipped.value(), skipped_before + 1);

  auto find = [&](const std::string& q) {
    auto page = (*index)->search(SearchQuery{{"c1"}, q, 10, ""});
    EXPECT_TRUE(page.ok());
    std::vector<std::int64_t> seqs;
    for (const auto& h : page->results) seqs.push_back(h.seq);
    return seqs;
  };
  EXPECT_EQ(find("hello"), std::vector<std::int64_t>{});
  EXPECT_EQ(find("goodbye"), std::vector<std::int64_t>{1});
}

class FailingOnce final : public SearchIndex {
 public:
  Status index(const eventlog::Event&) override {
    if (calls++ == 0) return make_error(Errc::unavailable, "index down");
    return ok_status();
  }
  Result<SearchPage> search(const SearchQuery&) override { return SearchPage{}; }
  std::atomic<int> calls{0};
};

TEST(SearchIndexer, AFailedWriteIsDeliveredAgain) {
  FailingOnce index;
  eventlog::MemoryEventLog log(eventlog::CursorConsumerOptions{128, 20ms, 5ms, 50ms});
  ASSERT_TRUE(log.publish({message(eventlog::kMessageCreated, 1, 1, "x")}).ok());
  Counting counting;
  auto consumer = log.consume("search", counting.wrap(SearchIndexer(index)));
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE(counting.await(2));
  (*consumer)->stop();
  auto ids = counting.ids();
  EXPECT_EQ(ids[0], ids[1]);
}

}  // namespace
}  // namespace parley::search
