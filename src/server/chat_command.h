#pragma once
// `parley chat`: a line-based terminal client built on parley::client.
#include <string>

namespace CLI {
class App;
}

namespace parley::server {

class ChatCommand {
 public:
  // Adds the `chat` subcommand and its flags to `app`.
  explicit ChatCommand(CLI::App& app);
  bool chosen() const;
  // Runs the chat until stdin ends, /quit, SIGINT or SIGTERM; the exit code.
  int run();

 private:
  CLI::App* cmd_;
  std::string server_ = "127.0.0.1:8080";
  std::string token_, user_, data_, jwt_secret_;
};

}  // namespace parley::server
