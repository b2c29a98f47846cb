// Synchronous HTTP/1.1 requests (Beast underneath) with timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace bb {

struct HttpResponse {
  int status = 0;                       // 0: no response (see error)
  std::string error;                    // transport error / timeout
  std::string body;                     // raw body
  std::optional<boost::json::value> json;  // parsed body, if it is JSON
  std::map<std::string, std::string> headers;  // lower-case names

  // body.error.code, or "" when absent.
  std::string error_code() const;
  std::string header(const std::string& lower_name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Outcome of a WebSocket connection that never answers anything (see silent_websocket).
struct SilentWsResult {
  int http_status = 0;                    // 101 when upgraded
  bool dropped = false;                   // the server ended the connection before the timeout
  std::chrono::milliseconds after{0};     // time from the upgrade to the drop
  std::vector<int> opcodes;               // opcodes of the frames the server sent meanwhile
  std::string error;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  // `token` empty: no Authorization header. `body` nullopt: no body.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& token = {},
                       const std::optional<std::string>& body = std::nullopt,
                       const Headers& extra_headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

  HttpResponse get(const std::string& target, const std::string& token = {}) const {
    return request("GET", target, token);
  }
  HttpResponse post(const std::string& target, const std::string& token,
                    const boost::json::value& body) const;
  HttpResponse del(const std::string& target, const std::string& token) const {
    return request("DELETE", target, token);
  }

  // GET `target` with WebSocket upgrade headers plus `extra_headers`; the response is read as
  // plain HTTP (e.g. to check a 401 before upgrade).
  HttpResponse raw_upgrade(const std::string& target, const Headers& extra_headers = {}) const;

  // Upgrades /ws with `token` over a raw TCP socket, then only reads (never answers pings) until
  // the server drops the connection or `timeout` passes.
  SilentWsResult silent_websocket(const std::string& token, std::chrono::milliseconds timeout) const;

 private:
  uint16_t port_;
};

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& s);

}  // namespace bb
