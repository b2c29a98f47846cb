#include "push/testing/fake_push_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <set>

namespace parley::push::testing {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct FakePushServer::State {
  net::io_context io;
  tcp::acceptor acceptor{io};
  mutable std::mutex mu;
  std::condition_variable changed;
  Responder responder = [](const RecordedRequest&) { return FakeAnswer{}; };
  std::vector<RecordedRequest> requests;
  std::set<int> open_fds;
  std::vector<std::thread> connections;
  bool released = false;
  bool stopping = false;
};

FakePushServer::FakePushServer() : state_(std::make_shared<State>()) {
  tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(at.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(at);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakePushServer::~FakePushServer() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    state_->released = true;
    for (int fd : state_->open_fds) ::shutdown(fd, SHUT_RDWR);
  }
  state_->changed.notify_all();
  ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);  // wakes the blocking accept
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(state_->mu);
    connections.swap(state_->connections);
  }
  for (auto& t : connections) t.join();
}

std::string FakePushServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakePushServer::respond_with(Responder responder) {
  std::lock_guard lock(state_->mu);
  state_->responder = std::move(responder);
}

std::vector<RecordedRequest> FakePushServer::wait_for(std::size_t n,
                                                      std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  state_->changed.wait_for(lock, timeout, [&] { return state_->requests.size() >= n; });
  return state_->requests;
}

std::vector<RecordedRequest> FakePushServer::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->requests;
}

void FakePushServer::release_held() {
  {
    std::lock_guard lock(state_->mu);
    state_->released = true;
  }
  state_->changed.notify_all();
}

void FakePushServer::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket(state_->io);
    state_->acceptor.accept(socket, ec);
    std::lock_guard lock(state_->mu);
    if (ec || state_->stopping) return;
    int fd = socket.release(ec);
    state_->open_fds.insert(fd);
    state_->connections.emplace_back([this, fd] { serve(fd); });
  }
}

void FakePushServer::serve(int fd) {
  auto& s = *state_;
  net::io_context io;
  tcp::socket socket(io, tcp::v4(), fd);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) break;
    RecordedRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      r.headers[name] = std::string(field.value());
    }
    r.body = req.body();
    FakeAnswer answer;
    {
      std::unique_lock lock(s.mu);
      answer = s.responder(r);
      s.requests.push_back(r);
      s.changed.notify_all();
      if (answer.hold) s.changed.wait(lock, [&] { return s.released; });
    }
    http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
    for (const auto& [name, value] : answer.headers) res.set(name, value);
    res.body() = answer.body;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) break;
  }
  std::lock_guard lock(s.mu);
  s.open_fds.erase(fd);
  boost::system::error_code ignored;
  socket.close(ignored);
}

}  // namespace parley::push::testing
