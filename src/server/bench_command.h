#pragma once
// `parley bench SCENARIO`: load scenarios against a server (src/bench).
#include <string>

#include "bench/bench.h"

namespace CLI {
class App;
}

namespace parley::server {

class BenchCommand {
 public:
  // Adds the `bench` subcommand and its flags to `app`.
  explicit BenchCommand(CLI::App& app);
  bool chosen() const;
  int run();  // the exit code

 private:
  CLI::App* cmd_;
  bench::Options o_;
  std::string server_ = "127.0.0.1:8080", data_, jwt_secret_, rate_ = "1000/s", duration_ = "10s";
};

}  // namespace parley::server
