#include "gateway/streamed_write.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <vector>

namespace parley::gateway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

class StreamedWrite : public std::enable_shared_from_this<StreamedWrite> {
 public:
  StreamedWrite(beast::tcp_stream& stream, net::thread_pool& readers,
                http::response_header<> header, std::shared_ptr<BodySource> source,
                std::chrono::steady_clock::duration timeout,
                std::function<void(beast::error_code)> done)
      : stream_(stream),
        readers_(readers),
        res_(std::move(header)),
        serializer_(res_),
        source_(std::move(source)),
        left_(source_->size()),
        timeout_(timeout),
        done_(std::move(done)) {}

  void start() {
    res_.content_length(left_);
    res_.body().data = nullptr;
    res_.body().more = true;
    stream_.expires_after(timeout_);
    http::async_write_header(stream_, serializer_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->finish(ec);
                               self->next();
                             });
  }

 private:
  void next() {
    if (left_ == 0) {
      res_.body().data = nullptr;
      res_.body().more = false;
      return write();
    }
    buffer_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kStreamChunk, left_)));
    net::post(readers_, [self = shared_from_this()] {
      auto n = self->source_->read(self->buffer_.data(), self->buffer_.size());
      net::post(self->stream_.get_executor(),
                [self, n = std::move(n)]() mutable { self->on_read(std::move(n)); });
    });
  }

  void on_read(Result<std::size_t> n) {
    // The status line and Content-Length are out: a failed or short read can
    // only end the connection, which the client sees as a cut body.
    if (!n || *n == 0 || *n > left_) return finish(net::error::make_error_code(net::error::eof));
    left_ -= *n;
    res_.body().data = buffer_.data();
    res_.body().size = *n;
    res_.body().more = true;
    write();
  }

  void write() {
    stream_.expires_after(timeout_);
    http::async_write(stream_, serializer_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec == http::error::need_buffer) ec = {};  // the chunk is out
                        if (ec) return self->finish(ec);
                        if (self->serializer_.is_done()) return self->finish({});
                        self->next();
                      });
  }

  void finish(beast::error_code ec) {
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(ec);
  }

  beast::tcp_stream& stream_;  // the session's; `done` keeps the session alive
  net::thread_pool& readers_;
  http::response<http::buffer_body> res_;
  http::response_serializer<http::buffer_body> serializer_;
  std::shared_ptr<BodySource> source_;
  std::uint64_t left_;
  std::chrono::steady_clock::duration timeout_;
  std::function<void(beast::error_code)> done_;
  std::vector<char> buffer_;
};

}  // namespace

void async_write_streamed(beast::tcp_stream& stream, net::thread_pool& readers,
                          http::response_header<> header, std::shared_ptr<BodySource> source,
                          std::chrono::steady_clock::duration chunk_timeout,
                          std::function<void(beast::error_code)> done) {
  std::make_shared<StreamedWrite>(stream, readers, std::move(header), std::move(source),
                                  chunk_timeout, std::move(done))
      ->start();
}

}  // namespace parley::gateway
