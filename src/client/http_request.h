#pragma once
// One asynchronous HTTP/1.1 request with a deadline (Beast stays in the .cpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace parley::client {

struct HttpRequest {
  std::string host;
  std::uint16_t port = 0;
  std::string method = "GET";
  std::string target;  // "/api/..."
  std::string token;   // empty: no Authorization header
  std::string body;    // JSON; empty: none
  std::chrono::milliseconds timeout{15'000};
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// The callback runs on the io_context with the response (any status), or an
// `unavailable` error when no response came (refused, reset, timed out).
void http_request(boost::asio::io_context& io, HttpRequest request,
                  std::function<void(Result<HttpResponse>)> done);

}  // namespace parley::client
