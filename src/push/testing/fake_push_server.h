#pragma once
// A fake push service for tests: HTTP/1.1 on 127.0.0.1 (a port of its own),
// one thread per connection, every request recorded for the test to check,
// answered as the test says: a status, a Retry-After, or held open until the
// test releases it (a slow provider, without sleeping).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::push::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct FakeAnswer {
  int status = 201;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool hold = false;  // answer only after release_held() (or shutdown)
};

class FakePushServer {
 public:
  using Responder = std::function<FakeAnswer(const RecordedRequest&)>;
  FakePushServer();  // listening when constructed
  ~FakePushServer();
  FakePushServer(const FakePushServer&) = delete;
  FakePushServer& operator=(const FakePushServer&) = delete;

  // "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  void respond_with(Responder responder);

  // At least n requests recorded (all of them returned), or what came by the deadline.
  std::vector<RecordedRequest> wait_for(std::size_t n, std::chrono::milliseconds timeout);
  std::vector<RecordedRequest> requests() const;
  // Answers every request held so far and those held later.
  void release_held();

 private:
  struct State;
  void accept_loop();
  void serve(int fd);

  std::shared_ptr<State> state_;
  std::thread acceptor_;
  unsigned short port_ = 0;
};

}  // namespace parley::push::testing
