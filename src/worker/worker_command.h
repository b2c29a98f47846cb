#pragma once
// `parley worker NAME --eventlog URL [--store URLS] [--data DIR] [--file F]`:
// runs the named worker (worker_registry.h) as a durable consumer of the
// event log until SIGTERM or SIGINT, then stops it cleanly (what was handled
// is acknowledged; the rest comes to the next run).
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace parley::worker {

class WorkerCommand {
 public:
  explicit WorkerCommand(CLI::App& app);
  bool chosen() const;
  int run();

 private:
  CLI::App* cmd_;
  std::string name_, eventlog_, store_, data_ = "./data", file_, consumer_, log_level_ = "info";
  std::vector<std::string> params_;
};

}  // namespace parley::worker
