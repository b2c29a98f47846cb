#include "client/http_request.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace parley::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxResponseBytes = 16 * 1024 * 1024;

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  HttpExchange(net::io_context& io, HttpRequest request,
               std::function<void(Result<HttpResponse>)> done)
      : request_(std::move(request)), done_(std::move(done)), stream_(io) {}

  void start() {
    stream_.expires_after(request_.timeout);
    beast::error_code ec;
    auto address = net::ip::make_address(request_.host, ec);
    if (!ec) {
      stream_.async_connect(
          tcp::endpoint(address, request_.port),
          [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
      return;
    }
    resolver_ = std::make_unique<tcp::resolver>(stream_.get_executor());
    resolver_->async_resolve(
        request_.host, std::to_string(request_.port),
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail("resolve", ec);
          self->stream_.async_connect(results, [self](beast::error_code ec, const tcp::endpoint&) {
            self->on_connect(ec);
          });
        });
  }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    req_.method_string(request_.method);
    req_.target(request_.target);
    req_.version(11);
    req_.set(http::field::host, request_.host + ":" + std::to_string(request_.port));
    req_.set(http::field::connection, "close");
    if (!request_.token.empty()) req_.set(http::field::authorization, "Bearer " + request_.token);
    if (!request_.body.empty()) {
      req_.set(http::field::content_type, "application/json");
      req_.body() = std::move(request_.body);
    }
    req_.prepare_payload();
    http::async_write(
        stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("write", ec);
          self->parser_.body_limit(kMaxResponseBytes);
          http::async_read(self->stream_, self->buffer_, self->parser_,
                           [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
        });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail("read", ec);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto& res = parser_.get();
    done_(HttpResponse{static_cast<int>(res.result_int()), std::move(res.body())});
  }

  void fail(const char* step, beast::error_code ec) {
    done_(make_error(Errc::unavailable, std::string("http ") + step + ": " + ec.message()));
  }

  HttpRequest request_;
  std::function<void(Result<HttpResponse>)> done_;
  beast::tcp_stream stream_;
  std::unique_ptr<tcp::resolver> resolver_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void http_request(net::io_context& io, HttpRequest request,
                  std::function<void(Result<HttpResponse>)> done) {
  std::make_shared<HttpExchange>(io, std::move(request), std::move(done))->start();
}

}  // namespace parley::client
