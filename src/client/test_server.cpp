#include "client/test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#ifndef PARLEY_BINARY
#error "PARLEY_BINARY must name the parley binary"
#endif

namespace parley::client::testing {

namespace net = boost::asio;

const std::string& parley_binary() {
  static const std::string path = PARLEY_BINARY;
  return path;
}

std::string http_get(std::uint16_t port, const std::string& path,
                     std::chrono::milliseconds timeout) {
  net::io_context io;
  net::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  net::write(s, net::buffer(req), ec);
  if (ec) return {};
  std::string out;
  char buf[8192];
  for (;;) {
    // Asio's blocking read waits in poll() without a limit: wait here instead.
    if (timeout.count() > 0) {
      pollfd p{s.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) break;
    }
    auto n = s.read_some(net::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

bool run_until(net::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    // One handler at a time, so the condition is checked after each; an idle
    // io_context returns at once and the loop runs to the deadline.
    if (io.run_one_for(deadline - now) == 0 && io.stopped()) {
      io.restart();
      if (io.poll_one() == 0) return done();  // no work at all: nothing will change
    }
  }
  return true;
}

ChildProcess::ChildProcess(net::io_context& io, std::vector<std::string> argv,
                           const std::filesystem::path& stderr_path, bool pipe_stdin)
    : state_(std::make_shared<Shared>()) {
  int out[2], in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe_stdin && pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // Only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no server behind
    if (getppid() != parent) _exit(127);
    dup2(pipe_stdin ? in[0] : devnull, 0);
    dup2(out[1], 1);
    if (err >= 0) dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  if (err >= 0) close(err);
  if (devnull >= 0) close(devnull);
  if (pipe_stdin) {
    close(in[0]);
    stdin_fd_ = in[1];
  }
  out_ = std::make_shared<net::posix::stream_descriptor>(io, out[0]);
  read_more();
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    reap();
  }
}

namespace {
// Reads the child's stdout into lines until EOF; owns what it touches.
template <class Shared>
void read_lines(std::shared_ptr<Shared> state, std::shared_ptr<net::posix::stream_descriptor> out) {
  out->async_read_some(
      net::buffer(state->buf), [state, out](boost::system::error_code ec, std::size_t n) {
        if (ec) {
          if (!state->partial.empty()) state->lines.push_back(std::move(state->partial));
          state->eof = true;
          return;
        }
        state->partial.append(state->buf, n);
        for (std::size_t nl; (nl = state->partial.find('\n')) != std::string::npos;) {
          state->lines.push_back(state->partial.substr(0, nl));
          state->partial.erase(0, nl + 1);
        }
        read_lines(state, out);
      });
}
}  // namespace

void ChildProcess::read_more() { read_lines(state_, out_); }

int ChildProcess::find_line(const std::string& text, std::size_t from) const {
  for (std::size_t i = from; i < state_->lines.size(); ++i)
    if (state_->lines[i].find(text) != std::string::npos) return static_cast<int>(i);
  return -1;
}

void ChildProcess::write_stdin(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(stdin_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("write to child stdin failed");
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
}

void ChildProcess::signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int ChildProcess::reap() {
  if (pid_ <= 0) return -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -999;
}

// ---- TestServer ----

TestServer::TestServer(net::io_context& io, std::vector<std::string> extra_args, std::string secret)
    : io_(io), extra_args_(std::move(extra_args)), secret_(std::move(secret)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "parley-client-bb-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  data_dir_ = root_ / "data";
  std::filesystem::create_directories(data_dir_);
}

TestServer::~TestServer() {
  process_.reset();
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TestServer::start(std::uint16_t port, std::chrono::milliseconds timeout) {
  if (process_ && process_->running()) throw std::runtime_error("server already running");
  std::vector<std::string> args{
      parley_binary(),    "serve",        "--listen", "127.0.0.1:" + std::to_string(port), "--data",
      data_dir_.string(), "--jwt-secret", secret_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<ChildProcess>(io_, std::move(args), root_ / "server.log");
  const std::string prefix = "listening on ";
  bool up = run_until(
      io_, [&] { return process_->find_line(prefix) >= 0 || process_->eof(); }, timeout);
  int at = process_->find_line(prefix);
  if (!up || at < 0) {
    process_.reset();
    throw std::runtime_error("the server did not start:\n" + log_tail());
  }
  const std::string& line = process_->lines()[static_cast<std::size_t>(at)];
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

int TestServer::stop(std::chrono::milliseconds timeout) {
  if (!process_) return -1;
  process_->signal(SIGTERM);
  if (!run_until(
          io_, [&] { return process_->eof(); }, timeout))
    process_->signal(SIGKILL);
  int status = process_->reap();
  return status;
}

void TestServer::kill9() {
  if (!process_) return;
  process_->signal(SIGKILL);
  run_until(
      io_, [&] { return process_->eof(); }, 10s);
  process_->reap();
}

pid_t TestServer::pid() const { return process_ ? process_->pid() : -1; }

std::string TestServer::token(const std::string& user) {
  for (auto& [u, t] : tokens_)
    if (u == user) return t;
  ChildProcess p(io_, {parley_binary(), "token", user, "--jwt-secret", secret_},
                 root_ / "token.log");
  if (!run_until(
          io_, [&] { return p.eof(); }, 10s) ||
      p.reap() != 0 || p.lines().empty())
    throw std::runtime_error("parley token " + user + " failed");
  tokens_.emplace_back(user, p.lines().back());
  return p.lines().back();
}

std::string TestServer::log_tail(std::size_t max_lines) const {
  std::vector<std::string> lines;
  std::ifstream in(root_ / "server.log");
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string out;
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size();
       ++i)
    out += lines[i] + "\n";
  return out;
}

}  // namespace parley::client::testing
