// `parley worker events-file` as a process: it consumes a local event log
// file, writes each event once, stops cleanly on SIGTERM, and a second run
// resumes after what the first acknowledged.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "eventlog/event_codec.h"
#include "eventlog/local/local_event_log.h"

extern char** environ;

namespace parley::worker {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds within = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::vector<std::string> ids_in(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (auto e = eventlog::decode_event(line); e) out.push_back(e->id);
  }
  return out;
}

eventlog::Event event(int seq) {
  return eventlog::Event{"c1/" + std::to_string(seq) + "/v1", eventlog::kMessageCreated, "c1", seq,
                         R"({"seq":)" + std::to_string(seq) + "}"};
}

// The worker process, its stdout read until the "consuming" line.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& db, const std::string& out) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string eventlog = "file:" + db;
    std::vector<std::string> args{PARLEY_BINARY, "worker", "events-file", "--eventlog", eventlog,
                                  "--file", out};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, PARLEY_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~WorkerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_) std::fclose(out_);
  }
  // Blocks until the line comes (the test's timeout bounds it).
  bool consuming() {
    char line[256];
    return std::fgets(line, sizeof line, out_) && std::string(line).find("consuming") != std::string::npos;
  }
  int terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  std::FILE* out_ = nullptr;
};

TEST(WorkerProcess, WritesEachEventOnceStopsCleanlyAndResumes) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("parley_worker_bb_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "events.db").string();
  const auto out = dir / "events.jsonl";
  auto log = eventlog::LocalEventLog::open(db);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->publish({event(1), event(2), event(3)}).ok());
  {
    WorkerProcess worker(db, out.string());
    ASSERT_TRUE(worker.consuming());
    ASSERT_TRUE(eventually([&] { return ids_in(out).size() == 3; }));
    ASSERT_TRUE((*log)->publish({event(4)}).ok());
    ASSERT_TRUE(eventually([&] { return ids_in(out).size() == 4; }));
    EXPECT_EQ(worker.terminate(), 0);
  }
  ASSERT_TRUE((*log)->publish({event(5)}).ok());
  {
    WorkerProcess worker(db, out.string());
    ASSERT_TRUE(worker.consuming());
    ASSERT_TRUE(eventually([&] { return ids_in(out).size() == 5; }));
    EXPECT_EQ(worker.terminate(), 0);
  }
  EXPECT_EQ(ids_in(out),
            (std::vector<std::string>{"c1/1/v1", "c1/2/v1", "c1/3/v1", "c1/4/v1", "c1/5/v1"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace parley::worker
