#pragma once
// /readyz: probes every dependency on its own thread, every interval, and
// keeps the last answers. The event loop only reads them, so a hung
// PostgreSQL or Redis never stalls a request (a probe may take its connect
// timeout).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/backends.h"

namespace parley::server {

class Readiness {
 public:
  Readiness(std::vector<Dependency> dependencies, std::chrono::milliseconds interval);
  ~Readiness();  // stops and joins the probe thread

  // Ready when every required dependency answered its last probe; until the
  // first round has run, not ready.
  bool ready() const;
  // {"status":"ready"|"not_ready","checks":{"bus":"up",...}}
  std::string body() const;
  // Ask for the next round now (e.g. after a failure was seen).
  void probe_now();

 private:
  void run();

  struct Check {
    Dependency dep;
    std::atomic<int> state{-1};  // -1 unknown, 0 down, 1 up
  };
  std::vector<std::unique_ptr<Check>> checks_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool wake_ = false;
  std::thread thread_;  // last: uses everything above
};

}  // namespace parley::server
