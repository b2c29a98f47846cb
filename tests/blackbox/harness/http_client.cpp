#include "harness/http_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

namespace bb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

std::string HttpResponse::error_code() const {
  if (!json || !json->is_object()) return {};
  auto* e = json->as_object().if_contains("error");
  if (!e || !e->is_object()) return {};
  auto* c = e->as_object().if_contains("code");
  if (!c || !c->is_string()) return {};
  return std::string(c->as_string());
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpClient::post(const std::string& target, const std::string& token,
                              const json::value& body) const {
  return request("POST", target, token, json::serialize(body));
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& token, const std::optional<std::string>& body,
                                 const Headers& extra_headers,
                                 std::chrono::milliseconds timeout) const {
  HttpResponse out;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buf;
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  req.set(http::field::user_agent, "parley-blackbox-test");
  req.set(http::field::connection, "close");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = *body;
  }
  for (auto& [k, v] : extra_headers) req.set(k, v);
  req.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.header_limit(64 * 1024);
  bool read_done = false;
  beast::error_code read_ec, write_ec;

  stream.expires_after(timeout);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
  stream.async_connect(ep, [&](beast::error_code ec) {
    if (ec) {
      out.error = "connect: " + ec.message();
      return;
    }
    // Read and write concurrently: the server may answer (e.g. 413) before it read the body.
    http::async_read(stream, buf, parser, [&](beast::error_code ec2, std::size_t) {
      read_ec = ec2;
      read_done = true;
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.cancel();
    });
    http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) { write_ec = ec2; });
  });
  ioc.run();

  if (!out.error.empty()) return out;
  if (!read_done || read_ec) {
    out.error = "read: " + (read_ec ? read_ec.message() : std::string("not completed")) +
                (write_ec ? " (write: " + write_ec.message() + ")" : std::string());
    return out;
  }
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(f.value());
  }
  if (!out.body.empty()) {
    json::error_code jec;
    json::value v = json::parse(out.body, jec);
    if (!jec) out.json = std::move(v);
  }
  return out;
}

HttpResponse HttpClient::raw_upgrade(const std::string& target, const Headers& extra_headers) const {
  Headers h{{"Upgrade", "websocket"},
            {"Connection", "Upgrade"},
            {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
            {"Sec-WebSocket-Version", "13"}};
  h.insert(h.end(), extra_headers.begin(), extra_headers.end());
  return request("GET", target, {}, std::nullopt, h);
}

SilentWsResult HttpClient::silent_websocket(const std::string& token,
                                            std::chrono::milliseconds timeout) const {
  SilentWsResult out;
  asio::io_context ioc;
  tcp::socket sock(ioc);
  beast::error_code ec;
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  std::string req = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    "Authorization: Bearer " +
                    token + "\r\n\r\n";
  asio::write(sock, asio::buffer(req), ec);
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  std::string data;
  bool eof = false;
  std::array<char, 4096> chunk;
  std::chrono::steady_clock::time_point upgraded{};
  bool have_header = false;
  std::size_t pos = 0;  // parse position in `data` after the header
  std::function<void()> read_more = [&] {
    sock.async_read_some(asio::buffer(chunk), [&](beast::error_code rec, std::size_t n) {
      if (rec) {
        eof = true;
        return;
      }
      data.append(chunk.data(), n);
      if (!have_header) {
        auto end = data.find("\r\n\r\n");
        if (end != std::string::npos) {
          have_header = true;
          upgraded = std::chrono::steady_clock::now();
          auto sp = data.find(' ');
          if (sp != std::string::npos) out.http_status = std::atoi(data.c_str() + sp + 1);
          pos = end + 4;
        }
      }
      // Server frames are unmasked: parse opcodes as far as complete frames go.
      while (have_header && data.size() >= pos + 2) {
        auto b0 = static_cast<unsigned char>(data[pos]), b1 = static_cast<unsigned char>(data[pos + 1]);
        std::size_t hdr = 2, len = b1 & 0x7f;
        if (len == 126) {
          if (data.size() < pos + 4) break;
          len = (static_cast<unsigned char>(data[pos + 2]) << 8) | static_cast<unsigned char>(data[pos + 3]);
          hdr = 4;
        } else if (len == 127) {
          if (data.size() < pos + 10) break;
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(data[pos + 2 + i]);
          hdr = 10;
        }
        if (b1 & 0x80) hdr += 4;
        if (data.size() < pos + hdr + len) break;
        out.opcodes.push_back(b0 & 0x0f);
        pos += hdr + len;
      }
      read_more();
    });
  };
  read_more();
  ioc.run_for(timeout);
  if (eof) {
    out.dropped = true;
    if (have_header)
      out.after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                        upgraded);
  }
  return out;
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace bb
