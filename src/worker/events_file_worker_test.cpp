#include "worker/events_file_worker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eventlog/event_codec.h"
#include "eventlog/memory/memory_event_log.h"

namespace parley::worker {
namespace {

eventlog::Event event(const std::string& c, int seq) {
  return eventlog::Event{c + "/" + std::to_string(seq) + "/v1", eventlog::kMessageCreated, c, seq,
                         R"({"seq":)" + std::to_string(seq) + "}"};
}

std::vector<std::string> lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class EventsFileTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("parley_events_file_" + std::to_string(::getpid()) + ".jsonl");
};

TEST_F(EventsFileTest, AppendsEachEventOnceAcrossReopening) {
  {
    auto f = EventsFile::open(path_.string());
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->append(event("a", 1)).ok());
    ASSERT_TRUE((*f)->append(event("a", 1)).ok());  // redelivered
    ASSERT_TRUE((*f)->append(event("a", 2)).ok());
  }
  auto f = EventsFile::open(path_.string());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 2u);
  ASSERT_TRUE((*f)->append(event("a", 2)).ok());  // after a restart too
  ASSERT_TRUE((*f)->append(event("a", 3)).ok());
  auto got = lines(path_);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(eventlog::decode_event(got[0])->id, "a/1/v1");
  EXPECT_EQ(eventlog::decode_event(got[2])->id, "a/3/v1");
}

TEST_F(EventsFileTest, ALineCutShortByACrashIsWrittenAgain) {
  {
    std::ofstream out(path_);
    out << eventlog::encode_event(event("a", 1)) << "\n" << R"({"id":"a/2/v1","ty)";
  }
  auto f = EventsFile::open(path_.string());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 1u);
  ASSERT_TRUE((*f)->append(event("a", 2)).ok());
  auto got = lines(path_);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(eventlog::decode_event(got[2])->id, "a/2/v1");
}

TEST_F(EventsFileTest, TheRegisteredWorkerNeedsAFileAndWritesThere) {
  const WorkerSpec* spec = WorkerRegistry::builtin().find("events-file");
  ASSERT_NE(spec, nullptr);
  eventlog::MemoryEventLog log;
  WorkerContext no_file{"events-file", log, nullptr, "", "", {}, {}};
  EXPECT_FALSE(spec->make(no_file).ok());
  WorkerContext ctx{"events-file", log, nullptr, "", path_.string(), {}, {}};
  auto handler = spec->make(ctx);
  ASSERT_TRUE(handler.ok());
  ASSERT_TRUE((*handler)(event("b", 1)).ok());
  EXPECT_EQ(lines(path_).size(), 1u);
}

}  // namespace
}  // namespace parley::worker
