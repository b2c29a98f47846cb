#pragma once
// Black-box test support: the real `parley` binary as a child process whose
// stdout is read on the test's io_context, so a test waits for a line, a
// frame or a condition the same way: run the io_context until it holds or
// a deadline passes.
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace parley::client::testing {

using namespace std::chrono_literals;

// The binary under test (compile definition PARLEY_BINARY).
const std::string& parley_binary();

// A plain HTTP/1.0 GET to 127.0.0.1:port, blocking (tests ask little: /metrics,
// /readyz): the whole response, head and body; empty when unreachable.
// timeout > 0 bounds each wait for the response (a test of a server that
// may be stuck must not hang): what arrived by then is returned.
std::string http_get(std::uint16_t port, const std::string& path,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

// Runs `io` until `done()` holds (true) or `timeout` passes (false).
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout);

// A child process; its stdout is collected line by line on the io_context,
// its stderr goes to `stderr_path` (appended), its stdin is a pipe if asked.
class ChildProcess {
 public:
  ChildProcess(boost::asio::io_context& io, std::vector<std::string> argv,
               const std::filesystem::path& stderr_path, bool pipe_stdin = false);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  const std::vector<std::string>& lines() const { return state_->lines; }
  bool eof() const { return state_->eof; }
  // Index of the first line at or after `from` that contains `text`, or -1.
  int find_line(const std::string& text, std::size_t from = 0) const;

  void write_stdin(const std::string& text);  // blocking: tests write little
  void close_stdin();
  void signal(int sig);
  pid_t pid() const { return pid_; }
  // After stdout ended (or with the process killed): its exit status
  // (exit code, or -signal).
  int reap();
  bool running() const { return pid_ > 0; }

 private:
  struct Shared {
    std::vector<std::string> lines;
    std::string partial;
    bool eof = false;
    char buf[4096];
  };
  void read_more();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::shared_ptr<Shared> state_;
  std::shared_ptr<boost::asio::posix::stream_descriptor> out_;
};

// `parley serve` on 127.0.0.1 with its own data directory (removed at the end).
class TestServer {
 public:
  explicit TestServer(boost::asio::io_context& io, std::vector<std::string> extra_args = {},
                      std::string secret = "client-blackbox-secret");
  ~TestServer();

  // Starts and waits for "listening on HOST:PORT"; port 0: any free port,
  // else that port (a restart on the same address). Throws on failure.
  void start(std::uint16_t port = 0, std::chrono::milliseconds timeout = 20s);
  // SIGTERM, then waits for the exit; returns the exit status.
  int stop(std::chrono::milliseconds timeout = 20s);
  // SIGKILL: a crash. The data directory stays for a restart.
  void kill9();
  pid_t pid() const;

  std::uint16_t port() const { return port_; }
  const std::string& secret() const { return secret_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& dir() const { return root_; }
  // `parley token USER --jwt-secret S`, cached per user.
  std::string token(const std::string& user);
  // The server's stderr (its log), last lines.
  std::string log_tail(std::size_t lines = 40) const;

 private:
  boost::asio::io_context& io_;
  std::vector<std::string> extra_args_;
  std::string secret_;
  std::filesystem::path root_, data_dir_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  std::vector<std::pair<std::string, std::string>> tokens_;
};

}  // namespace parley::client::testing
