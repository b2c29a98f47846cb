// Starts the real `parley` binary as a child process for black-box tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace bb {

// Path of the server binary under test (compile definition PARLEY_BINARY).
const std::string& parley_binary();

// Result of running a short-lived command.
struct CommandResult {
  int exit_status = -1;  // exit code, or -signal, or -1000 on timeout
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is the program path), captures stdout/stderr, kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// `parley token USER --jwt-secret SECRET [--ttl TTL]`; throws std::runtime_error on failure.
std::string mint_token(const std::string& user, const std::string& secret,
                       const std::optional<std::string>& ttl = std::nullopt);

// Output of `parley serve --help` (stdout + stderr), computed once.
const std::string& serve_help_text();
bool serve_supports_flag(const std::string& flag);

class ServerProcess {
 public:
  static constexpr const char* kDefaultSecret = "blackbox-test-secret";

  // `config_json`, when not empty, is written to a file passed as `--config FILE` (the README's
  // config file: keys of src/server/config.h).
  explicit ServerProcess(std::vector<std::string> extra_args = {},
                         std::string jwt_secret = kDefaultSecret, std::string config_json = {});
  ~ServerProcess();  // kills a still running server, removes the temp dir
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server and waits (up to `timeout`) for the "listening on" line. Throws on failure.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGTERM, then waits up to `timeout` for exit. Returns the exit code (or -signal; -1000 on
  // timeout, after which the process is SIGKILLed).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  void kill9();
  // Starts again on the same data dir (stops first if still running).
  void restart(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  bool running() const { return pid_ > 0; }
  // If the process has exited on its own (crash, early exit): its status (exit code or -signal),
  // and the process is reaped. nullopt while it runs.
  std::optional<int> exited();
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& secret() const { return secret_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // Tokens minted with this server's secret (cached per user for the default ttl).
  std::string token(const std::string& user);
  // Last `max_lines` of the server's stdout and stderr (for failure diagnostics).
  std::string log_tail(std::size_t max_lines = 60) const;

 private:
  void reader_loop(int fd);
  void join_reader();
  int wait_exit(std::chrono::milliseconds timeout);

  std::vector<std::string> extra_args_;
  std::string secret_;
  std::filesystem::path root_dir_;
  std::filesystem::path data_dir_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> stdout_lines_;
  bool stdout_eof_ = false;
  std::thread reader_;
  std::vector<std::pair<std::string, std::string>> token_cache_;
};

}  // namespace bb
