#pragma once
// Service tests: a device that records, parsed, every frame the service
// sends it, and how it was closed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "common/ids.h"
#include "common/result.h"
#include "gateway/connection.h"

namespace parley::service::test_support {

// The answer of one of ChatService's REST calls: `start(reply)` makes the
// call; `io` (the service's loop) runs until the reply came, at most 5 s.
// Embedded mode answers at once, cluster mode on a later turn of the loop.
template <class T>
Result<T> answer_of(boost::asio::io_context& io,
                    const std::function<void(std::function<void(Result<T>)>)>& start) {
  std::optional<Result<T>> out;
  start([&out](Result<T> r) { out.emplace(std::move(r)); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!out && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(2));
  }
  if (!out) return make_error(Errc::internal, "the call did not answer within 5 s");
  return std::move(*out);
}

class RecordingDevice final : public gateway::Connection {
 public:
  // expires_s: the token's expiry (0: none), for the admission tests.
  explicit RecordingDevice(std::string user, std::int64_t expires_s = 0)
      : user_(std::move(user)), session_(new_id("s_")), expires_s_(expires_s) {}
  const std::string& user_id() const override { return user_; }
  const std::string& session_id() const override { return session_; }
  std::int64_t token_expires_s() const override { return expires_s_; }
  void send(gateway::Frame f, bool) override {
    frames.push_back(boost::json::parse(*f).as_object());
  }
  void close(std::uint16_t code, std::string_view reason) override {
    closed_with = code;
    close_reason = reason;
  }

  std::vector<boost::json::object> of_type(std::string_view type) const {
    std::vector<boost::json::object> out;
    for (const auto& f : frames)
      if (f.at("type").as_string() == type) out.push_back(f);
    return out;
  }
  std::size_t count(std::string_view type) const { return of_type(type).size(); }
  std::optional<boost::json::object> last(std::string_view type) const {
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
      if (it->at("type").as_string() == type) return *it;
    return std::nullopt;
  }
  // The `message` frames of one conversation.
  std::vector<boost::json::object> messages(const std::string& conversation) const {
    std::vector<boost::json::object> out;
    for (const auto& f : of_type("message"))
      if (f.at("conversation_id").as_string() == conversation) out.push_back(f);
    return out;
  }

  std::vector<boost::json::object> frames;
  int closed_with = 0;
  std::string close_reason;

 private:
  std::string user_;
  std::string session_;
  std::int64_t expires_s_;
};

}  // namespace parley::service::test_support
