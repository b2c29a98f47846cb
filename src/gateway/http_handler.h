#pragma once
// Plain HTTP requests (REST, health) as the gateway hands them on: no Beast
// types cross this line.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::gateway {

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
