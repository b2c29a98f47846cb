#pragma once
// Plain HTTP requests (REST, health) as the gateway hands them on: no Beast
// types cross this line.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace parley::gateway {

// A body the gateway pulls piece by piece while it writes (media downloads),
// so memory stays bounded whatever the size. read() may block (disk): the
// gateway calls it on a thread of its own, never on the event loop, one call
// at a time.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // All the bytes read() will give (the Content-Length).
  virtual std::uint64_t size() const = 0;
  // Up to max bytes into out; 0 only at the end. An error, or an end before
  // size(), closes the connection (the status line has gone already).
  virtual Result<std::size_t> read(char* out, std::size_t max) = 0;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent
  std::string authorization;
  std::string content_type;
  std::string range;          // Range (media downloads)
  std::string if_none_match;  // If-None-Match (media downloads)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Extra headers; Cache-Control defaults to no-store unless given here.
  std::vector<std::pair<std::string, std::string>> headers = {};
  // When set, the body comes from here instead of `body`.
  std::shared_ptr<BodySource> stream = nullptr;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Called on the gateway's event loop. respond may be called later (after a
  // durable write), exactly once, on the event loop.
  virtual void on_http(HttpRequest request, std::function<void(HttpResponse)> respond) = 0;
  // The largest body this request may carry, decided from its method and
  // target before the body is read: uploads need more than the default.
  virtual std::size_t body_limit(std::string_view method, std::string_view target,
                                 std::size_t default_limit) {
    return default_limit;
  }
};

}  // namespace parley::gateway
