#pragma once
// Outbound HTTP for the push providers, behind an interface so provider
// logic can be tested without sockets. The real one is libcurl
// (curl_http_client.h): TLS and HTTP/2 (APNs accepts nothing older).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace parley::push {

struct HttpCall {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};  // the whole exchange
  // The URL came from a user (a subscription endpoint): the connection may
  // only go to public addresses (see endpoint_policy.h).
  bool user_supplied = false;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  std::chrono::seconds retry_after{0};  // from a Retry-After header in seconds
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // An Error (unavailable) when no HTTP answer came: refused, reset, timed
  // out, TLS failure, or a connection the endpoint policy forbade.
  virtual Result<HttpAnswer> send(const HttpCall& call) = 0;
};

}  // namespace parley::push
