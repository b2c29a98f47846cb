#include "harness/ws_client.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace bb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct WsClient::Impl {
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  websocket::stream<beast::tcp_stream> ws{ioc};
  std::thread thread;

  // I/O thread only
  beast::flat_buffer rbuf;
  websocket::response_type res;
  struct Out {
    std::string data;
    bool binary = false;
    std::shared_ptr<std::promise<bool>> done;
  };
  std::deque<Out> outq;
  bool writing = false;
  bool paused = false;
  bool reading = false;
  int rcvbuf = 0;

  // shared
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<json::object> inbox;
  bool open = false;
  bool closed = false;
  CloseInfo close_info;
  std::atomic<unsigned> req_counter{0};

  Impl() {
    thread = std::thread([this] { ioc.run(); });
  }

  void start_read() {
    if (paused || reading) return;
    reading = true;
    ws.async_read(rbuf, [this](beast::error_code ec, std::size_t) { on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading = false;
    if (ec) {
      std::lock_guard lk(mu);
      closed = true;
      // A close frame from the peer sets reason() even if the stream failed afterwards.
      if (ec == websocket::error::closed || ws.reason().code != websocket::close_code::none) {
        close_info.code = static_cast<int>(ws.reason().code);
        close_info.reason = std::string(ws.reason().reason.c_str());
        if (ec != websocket::error::closed) close_info.reason += " (then: " + ec.message() + ")";
      } else {
        close_info.code = 1006;
        close_info.reason = ec.message();
      }
      cv.notify_all();
      return;
    }
    json::object frame;
    std::string data = beast::buffers_to_string(rbuf.data());
    rbuf.consume(rbuf.size());
    if (!ws.got_text()) {
      frame["type"] = "__binary__";
      frame["size"] = data.size();
    } else {
      json::error_code jec;
      json::value v = json::parse(data, jec);
      if (jec || !v.is_object()) {
        frame["type"] = "__invalid__";
        frame["raw"] = data;
      } else {
        frame = std::move(v.as_object());
      }
    }
    {
      std::lock_guard lk(mu);
      inbox.push_back(std::move(frame));
    }
    cv.notify_all();
    start_read();
  }

  void do_write() {
    if (writing || outq.empty()) return;
    writing = true;
    auto& o = outq.front();
    ws.binary(o.binary);
    ws.async_write(asio::buffer(o.data), [this](beast::error_code ec, std::size_t) {
      auto done = outq.front().done;
      outq.pop_front();
      writing = false;
      done->set_value(!ec);
      if (ec) {
        // Fail everything still queued.
        while (!outq.empty()) {
          outq.front().done->set_value(false);
          outq.pop_front();
        }
        return;
      }
      do_write();
    });
  }

  bool enqueue(std::string data, bool binary, std::chrono::milliseconds timeout) {
    auto done = std::make_shared<std::promise<bool>>();
    auto fut = done->get_future();
    asio::post(ioc, [this, data = std::move(data), binary, done]() mutable {
      {
        std::lock_guard lk(mu);
        if (!open) {
          done->set_value(false);
          return;
        }
      }
      outq.push_back(Out{std::move(data), binary, done});
      do_write();
    });
    if (fut.wait_for(timeout) != std::future_status::ready) return false;
    return fut.get();
  }

  static bool matches(const json::object& f, const std::string& type, const Predicate& pred) {
    auto it = f.find("type");
    if (it == f.end() || !it->value().is_string() || it->value().as_string() != type) return false;
    return !pred || pred(f);
  }
};

WsClient::WsClient() : impl_(std::make_shared<Impl>()) {}

WsClient::~WsClient() {
  bool need_close;
  {
    std::lock_guard lk(impl_->mu);
    need_close = impl_->open && !impl_->closed;
  }
  if (need_close) close(2s);
  Impl* p = impl_.get();
  asio::post(p->ioc, [p] {
    beast::error_code ec;
    beast::get_lowest_layer(p->ws).socket().close(ec);
    p->ioc.stop();
  });
  p->work.reset();
  if (p->thread.joinable()) p->thread.join();
}

ConnectResult WsClient::connect(uint16_t port, const std::string& token, TokenVia via,
                                std::chrono::milliseconds timeout) {
  Impl* p = impl_.get();
  auto prom = std::make_shared<std::promise<ConnectResult>>();
  auto fut = prom->get_future();
  std::string host = "127.0.0.1:" + std::to_string(port);
  std::string target = "/ws";
  if (via == TokenVia::query) target += "?token=" + token;

  asio::post(p->ioc, [p, prom, port, host, target, token, via] {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    if (p->rcvbuf > 0) {
      beast::error_code oec;
      auto& sock = beast::get_lowest_layer(p->ws).socket();
      sock.open(tcp::v4(), oec);
      sock.set_option(asio::socket_base::receive_buffer_size(p->rcvbuf), oec);
    }
    beast::get_lowest_layer(p->ws).async_connect(ep, [p, prom, host, target, token, via](
                                                         beast::error_code ec) {
      if (ec) {
        ConnectResult r;
        r.error = "connect: " + ec.message();
        prom->set_value(r);
        return;
      }
      websocket::stream_base::timeout to{};
      to.handshake_timeout = std::chrono::seconds(5);
      to.idle_timeout = websocket::stream_base::none();
      to.keep_alive_pings = false;
      p->ws.set_option(to);
      p->ws.auto_fragment(false);
      p->ws.read_message_max(64 * 1024 * 1024);
      p->ws.set_option(websocket::stream_base::decorator([token, via](websocket::request_type& req) {
        req.set(http::field::user_agent, "parley-blackbox-test");
        if (via == TokenVia::header) req.set(http::field::authorization, "Bearer " + token);
        if (via == TokenVia::subprotocol)
          req.set(http::field::sec_websocket_protocol, "parley, " + token);
      }));
      p->ws.async_handshake(p->res, host, target, [p, prom](beast::error_code ec) {
        ConnectResult r;
        r.http_status = static_cast<int>(p->res.result_int());
        r.subprotocol = std::string(p->res[http::field::sec_websocket_protocol]);
        r.body = p->res.body();
        if (ec) {
          r.error = "handshake: " + ec.message();
          prom->set_value(r);
          return;
        }
        r.ok = true;
        {
          std::lock_guard lk(p->mu);
          p->open = true;
        }
        p->start_read();
        prom->set_value(r);
      });
    });
  });
  if (fut.wait_for(timeout) != std::future_status::ready) {
    asio::post(p->ioc, [p] {
      beast::error_code ec;
      beast::get_lowest_layer(p->ws).socket().close(ec);
    });
    ConnectResult r;
    r.error = "connect timed out";
    return r;
  }
  return fut.get();
}

void WsClient::set_receive_buffer(int bytes) {
  Impl* p = impl_.get();
  std::promise<void> done;
  asio::post(p->ioc, [p, bytes, &done] {
    p->rcvbuf = bytes;
    done.set_value();
  });
  done.get_future().wait();
}

void WsClient::pause_reading() {
  Impl* p = impl_.get();
  std::promise<void> done;
  asio::post(p->ioc, [p, &done] {
    p->paused = true;
    done.set_value();
  });
  done.get_future().wait();
}

void WsClient::resume_reading() {
  Impl* p = impl_.get();
  asio::post(p->ioc, [p] {
    p->paused = false;
    bool open;
    {
      std::lock_guard lk(p->mu);
      open = p->open && !p->closed;
    }
    if (open) p->start_read();
  });
}

bool WsClient::send_json(const json::object& obj, std::chrono::milliseconds timeout) {
  return impl_->enqueue(json::serialize(obj), false, timeout);
}

bool WsClient::send_text(const std::string& text, std::chrono::milliseconds timeout) {
  return impl_->enqueue(text, false, timeout);
}

bool WsClient::send_binary(const std::string& bytes, std::chrono::milliseconds timeout) {
  return impl_->enqueue(bytes, true, timeout);
}

std::optional<json::object> WsClient::next_frame(std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  if (!impl_->cv.wait_for(lk, timeout, [&] { return !impl_->inbox.empty() || impl_->closed; }))
    return std::nullopt;
  if (impl_->inbox.empty()) return std::nullopt;
  json::object f = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return f;
}

std::optional<json::object> WsClient::wait_for(const std::string& type, const Predicate& pred,
                                               std::chrono::milliseconds timeout) {
  return wait_match([&](const json::object& f) { return Impl::matches(f, type, pred); }, timeout);
}

std::optional<json::object> WsClient::wait_match(const Predicate& pred,
                                                 std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  std::optional<json::object> found;
  std::size_t scanned = 0;
  auto check = [&] {
    auto& in = impl_->inbox;
    for (; scanned < in.size(); ++scanned) {
      if (pred(in[scanned])) {
        found = std::move(in[scanned]);
        in.erase(in.begin() + static_cast<std::ptrdiff_t>(scanned));
        return true;
      }
    }
    return impl_->closed;
  };
  impl_->cv.wait_for(lk, timeout, check);
  return found;
}

std::optional<std::vector<json::object>> WsClient::collect_until(const std::string& type,
                                                                 const Predicate& pred,
                                                                 std::chrono::milliseconds timeout) {
  return collect_until_match([&](const json::object& f) { return Impl::matches(f, type, pred); },
                             timeout);
}

std::optional<std::vector<json::object>> WsClient::collect_until_match(
    const Predicate& pred, std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  std::optional<std::size_t> at;
  std::size_t scanned = 0;
  auto check = [&] {
    auto& in = impl_->inbox;
    for (; scanned < in.size(); ++scanned) {
      if (pred(in[scanned])) {
        at = scanned;
        return true;
      }
    }
    return impl_->closed;
  };
  impl_->cv.wait_for(lk, timeout, check);
  if (!at) return std::nullopt;
  std::vector<json::object> out;
  auto& in = impl_->inbox;
  for (std::size_t i = 0; i <= *at; ++i) {
    out.push_back(std::move(in.front()));
    in.pop_front();
  }
  return out;
}

std::vector<json::object> WsClient::buffered() const {
  std::lock_guard lk(impl_->mu);
  return {impl_->inbox.begin(), impl_->inbox.end()};
}

void WsClient::clear_buffer() {
  std::lock_guard lk(impl_->mu);
  impl_->inbox.clear();
}

std::optional<CloseInfo> WsClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  if (!impl_->cv.wait_for(lk, timeout, [&] { return impl_->closed; })) return std::nullopt;
  return impl_->close_info;
}

bool WsClient::is_closed() const {
  std::lock_guard lk(impl_->mu);
  return impl_->closed;
}

void WsClient::close(std::chrono::milliseconds timeout) {
  Impl* p = impl_.get();
  {
    std::lock_guard lk(p->mu);
    if (!p->open || p->closed) return;
  }
  asio::post(p->ioc, [p] {
    p->ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  });
  wait_closed(timeout);
}

bool WsClient::ping_pong(std::chrono::milliseconds timeout) {
  std::string req = "pp-" + std::to_string(impl_->req_counter++);
  auto deadline = Clock::now() + timeout;
  if (!send_json({{"type", "ping"}, {"req", req}}, timeout)) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  auto pong = wait_for(
      "pong",
      [&](const json::object& f) {
        auto it = f.find("req");
        return it != f.end() && it->value().is_string() && it->value().as_string() == req;
      },
      std::max(left, std::chrono::milliseconds(1)));
  return pong.has_value();
}

}  // namespace bb
