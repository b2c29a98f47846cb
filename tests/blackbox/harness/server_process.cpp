#include "harness/server_process.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PARLEY_BINARY
#error "PARLEY_BINARY must be defined (path of the parley server binary)"
#endif

namespace bb {

namespace {

using Clock = std::chrono::steady_clock;

void close_fds_from(int lowfd) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, static_cast<unsigned>(lowfd), ~0U, 0) == 0) return;
#endif
  long maxfd = sysconf(_SC_OPEN_MAX);
  if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
  for (int fd = lowfd; fd < maxfd; ++fd) close(fd);
}

std::vector<char*> make_argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// fork/exec `args` with stdin=/dev/null, stdout=out_fd, stderr=err_fd. All fds prepared
// before fork; the child only calls async-signal-safe functions.
pid_t spawn(std::vector<std::string> args, int out_fd, int err_fd) {
  auto argv = make_argv(args);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Die with the test process, so a crashed test leaves no server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    close_fds_from(3);
    // Reset signal state inherited from the test process.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  if (devnull >= 0) close(devnull);
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -999;
}

// Waits for `pid` to exit up to `timeout`; returns decoded status or nullopt on timeout.
std::optional<int> wait_pid_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
#ifdef SYS_pidfd_open
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    for (;;) {
      int status = 0;
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        close(pidfd);
        return decode_status(status);
      }
      if (r < 0 && errno != EINTR) {
        close(pidfd);
        return -998;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        close(pidfd);
        return std::nullopt;
      }
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, static_cast<int>(left.count()));
    }
  }
#endif
  for (;;) {  // fallback without pidfd: short polling
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) return -998;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return s.substr(i);
}

}  // namespace

const std::string& parley_binary() {
  static const std::string path = PARLEY_BINARY;
  return path;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = spawn(argv, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  CommandResult res;
  auto deadline = Clock::now() + timeout;
  bool out_open = true, err_open = true, timed_out = false;
  char buf[4096];
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        (i == 0 ? res.out : res.err).append(buf, static_cast<std::size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  close(out[0]);
  close(err[0]);
  if (timed_out) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    res.exit_status = -1000;
    return res;
  }
  auto st = wait_pid_for(pid, std::chrono::seconds(5));
  if (!st) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    res.exit_status = -1000;
  } else {
    res.exit_status = *st;
  }
  return res;
}

std::string mint_token(const std::string& user, const std::string& secret,
                       const std::optional<std::string>& ttl) {
  std::vector<std::string> args{parley_binary(), "token", user, "--jwt-secret", secret};
  if (ttl) {
    args.push_back("--ttl");
    args.push_back(*ttl);
  }
  auto r = run_command(args);
  std::string tok = trim(r.out);
  // Keep only the last non-empty line, in case something else was printed first.
  auto nl = tok.find_last_of('\n');
  if (nl != std::string::npos) tok = trim(tok.substr(nl + 1));
  if (r.exit_status != 0 || tok.empty()) {
    throw std::runtime_error("parley token " + user + " failed (status " +
                             std::to_string(r.exit_status) + "): " + r.err + r.out);
  }
  return tok;
}

const std::string& serve_help_text() {
  static const std::string text = [] {
    try {
      auto r = run_command({parley_binary(), "serve", "--help"});
      return r.out + r.err;
    } catch (...) {
      return std::string();
    }
  }();
  return text;
}

bool serve_supports_flag(const std::string& flag) {
  const std::string& h = serve_help_text();
  std::size_t pos = 0;
  while ((pos = h.find(flag, pos)) != std::string::npos) {
    std::size_t end = pos + flag.size();
    bool word_end = end >= h.size() || !(std::isalnum(static_cast<unsigned char>(h[end])) ||
                                         h[end] == '-' || h[end] == '_');
    if (word_end) return true;
    pos = end;
  }
  return false;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string jwt_secret,
                             std::string config_json)
    : extra_args_(std::move(extra_args)), secret_(std::move(jwt_secret)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "parley-bb-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  root_dir_ = tmpl;
  data_dir_ = root_dir_ / "data";
  stderr_path_ = root_dir_ / "server.stderr.log";
  std::filesystem::create_directories(data_dir_);
  if (!config_json.empty()) {
    auto cfg = root_dir_ / "config.json";
    std::ofstream(cfg) << config_json << '\n';
    extra_args_.insert(extra_args_.begin(), {"--config", cfg.string()});
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill9();
  join_reader();
  std::error_code ec;
  std::filesystem::remove_all(root_dir_, ec);
}

void ServerProcess::start(std::chrono::milliseconds timeout) {
  if (pid_ > 0) throw std::runtime_error("server already running");
  join_reader();
  {
    std::lock_guard lk(mu_);
    stdout_lines_.clear();
    stdout_eof_ = false;
  }
  port_ = 0;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int errfd = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (errfd < 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("cannot open server stderr log");
  }
  std::vector<std::string> args{parley_binary(), "serve",        "--listen",
                                "127.0.0.1:0",   "--data",       data_dir_.string(),
                                "--jwt-secret",  secret_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  // Debugging aid: PARLEY_BB_SERVER_WRAPPER="gdb -batch -ex run -ex bt --args" (split on spaces).
  if (const char* w = std::getenv("PARLEY_BB_SERVER_WRAPPER"); w && *w) {
    std::vector<std::string> wrapped;
    std::istringstream ws(w);
    for (std::string part; ws >> part;) wrapped.push_back(part);
    args.insert(args.begin(), wrapped.begin(), wrapped.end());
  }
  try {
    pid_ = spawn(args, out[1], errfd);
  } catch (...) {
    close(out[0]);
    close(out[1]);
    close(errfd);
    throw;
  }
  close(out[1]);
  close(errfd);
  reader_ = std::thread([this, fd = out[0]] { reader_loop(fd); });

  const std::string prefix = "listening on ";
  std::unique_lock lk(mu_);
  std::size_t scanned = 0;
  bool ok = cv_.wait_for(lk, timeout, [&] {
    for (; scanned < stdout_lines_.size(); ++scanned) {
      const std::string& line = stdout_lines_[scanned];
      auto p = line.find(prefix);
      if (p == std::string::npos) continue;
      std::string addr = trim(line.substr(p + prefix.size()));
      auto colon = addr.rfind(':');
      if (colon == std::string::npos) continue;
      try {
        int port = std::stoi(addr.substr(colon + 1));
        if (port > 0 && port < 65536) {
          port_ = static_cast<uint16_t>(port);
          return true;
        }
      } catch (...) {
      }
    }
    return stdout_eof_;
  });
  lk.unlock();
  if (!ok || port_ == 0) {
    std::string why = ok ? "server exited before listening" : "timed out waiting for 'listening on'";
    kill9();
    throw std::runtime_error(why + "\n--- server output ---\n" + log_tail());
  }
}

void ServerProcess::reader_loop(int fd) {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    std::vector<std::string> lines;
    while ((nl = pending.find('\n')) != std::string::npos) {
      lines.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    if (!lines.empty()) {
      std::lock_guard lk(mu_);
      for (auto& l : lines) stdout_lines_.push_back(std::move(l));
      cv_.notify_all();
    }
  }
  close(fd);
  std::lock_guard lk(mu_);
  if (!pending.empty()) stdout_lines_.push_back(pending);
  stdout_eof_ = true;
  cv_.notify_all();
}

void ServerProcess::join_reader() {
  if (reader_.joinable()) reader_.join();
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  auto st = wait_pid_for(pid_, timeout);
  if (!st) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    join_reader();
    return -1000;
  }
  pid_ = -1;
  join_reader();
  return *st;
}

int ServerProcess::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::runtime_error("server not running");
  kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

std::optional<int> ServerProcess::exited() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r != pid_) return std::nullopt;
  pid_ = -1;
  join_reader();
  return decode_status(status);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  wait_exit(std::chrono::seconds(10));
}

void ServerProcess::restart(std::chrono::milliseconds timeout) {
  if (pid_ > 0) stop();
  start(timeout);
}

std::string ServerProcess::token(const std::string& user) {
  for (auto& [u, t] : token_cache_)
    if (u == user) return t;
  std::string t = mint_token(user, secret_);
  token_cache_.emplace_back(user, t);
  return t;
}

std::string ServerProcess::log_tail(std::size_t max_lines) const {
  std::vector<std::string> lines;
  {
    std::ifstream in(stderr_path_);
    std::string l;
    while (std::getline(in, l)) lines.push_back("[stderr] " + l);
  }
  {
    std::lock_guard lk(mu_);
    for (auto& l : stdout_lines_) lines.push_back("[stdout] " + l);
  }
  std::ostringstream os;
  std::size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (std::size_t i = from; i < lines.size(); ++i) os << lines[i] << '\n';
  return os.str();
}

}  // namespace bb
