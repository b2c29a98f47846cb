#pragma once
// Writes a response whose body is a BodySource (http_handler.h): the header,
// then the body in chunks of at most kStreamChunk bytes, each read on the
// gateway's reader threads (disk reads never block the event loop) and written before the
// next is read, so a download holds one chunk in memory whatever its size and
// however slow its reader. Internal to the gateway (Beast types).
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "gateway/http_handler.h"

namespace parley::gateway {

inline constexpr std::size_t kStreamChunk = 64 * 1024;

// header: status and fields set; its Content-Length is set here from
// source->size(). Each chunk's write must finish within chunk_timeout.
// done runs on the stream's executor once, with an error when the response
// could not be written whole (the connection must then be closed).
// Reads run on `readers` (Gateway::State::readers).
void async_write_streamed(boost::beast::tcp_stream& stream, boost::asio::thread_pool& readers,
                          boost::beast::http::response_header<> header,
                          std::shared_ptr<BodySource> source,
                          std::chrono::steady_clock::duration chunk_timeout,
                          std::function<void(boost::beast::error_code)> done);

}  // namespace parley::gateway
