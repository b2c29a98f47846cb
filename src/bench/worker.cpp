// One worker process: its share of the connections on one io_context
// (one thread), driven by the phase the coordinator sets in shared memory.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <cstdio>
#include <memory>

#include "bench/plan.h"
#include "bench/shared_state.h"
#include "client/client.h"

namespace parley::bench {

namespace net = boost::asio;
using client::Client;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             client::Clock::now().time_since_epoch())
      .count();
}

namespace {

constexpr std::string_view kStamp = "b:";  // fanout content: "b:<steady ns at send>"

struct Local {
  const Conn* conn = nullptr;
  std::size_t index = 0;  // in the plan
  std::unique_ptr<Client> client;
  bool live = false, dropped = false, resumed = false;
};

class Worker {
 public:
  Worker(const Options& o, const Plan& plan, Shared& shared, int index)
      : o_(o), shared_(shared), slot_(shared.slots[index]), tick_(io_), connect_timer_(io_) {
    for (std::size_t i = static_cast<std::size_t>(index); i < plan.conns.size();
         i += static_cast<std::size_t>(o.procs)) {
      mine_.push_back(Local{&plan.conns[i], i, nullptr});
      if (plan.conns[i].sender) senders_.push_back(mine_.size() - 1);
    }
    if (plan.senders > 0)
      send_rate_ = o.rate * double(senders_.size()) / double(plan.senders);
  }

  int run() {
    started_ns_ = steady_ns();
    connect_more();
    poll();
    io_.run();
    return 0;
  }

 private:

  int phase() const { return shared_.phase.load(std::memory_order_acquire); }

  void connect_more() {
    double elapsed = double(steady_ns() - started_ns_) / 1e9;
    auto due = static_cast<std::size_t>(o_.connect_rate / o_.procs * elapsed) + 1;
    while (next_ < mine_.size() && next_ < due) open(next_++);
    if (next_ < mine_.size()) {
      connect_timer_.expires_after(std::chrono::milliseconds(5));
      connect_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) connect_more();
      });
    }
  }

  void open(std::size_t i) {
    Local& l = mine_[i];
    client::Options co;
    const Gateway& g = o_.gateway_list[l.conn->gateway];
    co.host = g.host;
    co.port = g.port;
    co.token = mint_token(l.conn->user, o_.secret);
    co.backoff_max = std::chrono::milliseconds(o_.backoff_max_ms);
    co.connect_timeout = std::chrono::milliseconds(30'000);
    co.device_id = l.conn->user;
    if (o_.source_addresses > 0) {
      co.local_address =
          "127.0.0." + std::to_string(1 + l.index % static_cast<std::size_t>(o_.source_addresses));
    }
    l.client = std::make_unique<Client>(io_, co);
    if (!l.conn->conversation.empty()) l.client->track(l.conn->conversation, 0);
    l.client->on_state([this, i](const client::StateChange& s) { on_state(i, s); });
    l.client->on_message([this](const client::Message& m) { on_message(m); });
    l.client->on_ack([this, i](const client::Ack& a) { on_ack(i, a); });
    l.client->on_error([this](const client::ClientError& e) {
      // The first few, so a failing run says why (the counter says how often).
      if (slot_.errors.fetch_add(1) < 3)
        std::fprintf(stderr, "parley bench: client error %s: %s\n",
                     std::string(wire_name(e.error.code)).c_str(), e.error.message.c_str());
    });
    l.client->start();
    slot_.started.fetch_add(1);
  }

  void on_state(std::size_t i, const client::StateChange& s) {
    Local& l = mine_[i];
    bool going = phase() >= kGo;
    if (s.state == client::State::live) {
      if (l.live) return;
      l.live = true;
      ++live_;
      slot_.live.fetch_add(1);
      if (going && l.dropped && !l.resumed) {
        l.resumed = true;
        std::int64_t now = steady_ns();
        slot_.latency.record(static_cast<std::uint64_t>(
            std::max<std::int64_t>(0, now - shared_.go_ns.load()) / 1000));
        slot_.resumed.fetch_add(1);
        auto last = slot_.last_resume_ns.load();
        while (now > last && !slot_.last_resume_ns.compare_exchange_weak(last, now)) {
        }
      }
    } else if (s.state == client::State::waiting && !l.live) {
      // An attempt that never got live: refused, timed out, no port. The
      // client retries; the first few say why, so a stalled run is explained.
      if (slot_.failed_attempts.fetch_add(1) < 3)
        std::fprintf(stderr, "parley bench: connection attempt failed (retrying): %s\n",
                     s.reason.c_str());
    } else if (l.live) {
      l.live = false;
      --live_;
      slot_.live.fetch_sub(1);
      slot_.disconnects.fetch_add(1);
      if (going) l.dropped = true;
    }
  }

  void on_message(const client::Message& m) {
    slot_.delivered.fetch_add(1, std::memory_order_relaxed);
    if (phase() == kGo) slot_.delivered_window.fetch_add(1, std::memory_order_relaxed);
    if (o_.scenario != "fanout" || m.content.rfind(kStamp, 0) != 0) return;
    std::int64_t sent = 0;
    const char* b = m.content.data() + kStamp.size();
    std::from_chars(b, m.content.data() + m.content.size(), sent);
    std::int64_t got = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           m.received_at.time_since_epoch())
                           .count();
    slot_.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, got - sent) / 1000));
  }

  void on_ack(std::size_t i, const client::Ack& a) {
    slot_.acked.fetch_add(1, std::memory_order_relaxed);
    if (o_.scenario != "durable") return;
    if (phase() != kGo) return;
    slot_.acked_window.fetch_add(1, std::memory_order_relaxed);
    slot_.latency.record(static_cast<std::uint64_t>(a.latency.count()));
    send(mine_[i], "d");  // closed loop: keep `inflight` unacked
  }

  void send(Local& l, std::string content) {
    l.client->send(l.conn->conversation, std::move(content));
    slot_.sent.fetch_add(1, std::memory_order_relaxed);
  }

  // Every 2 ms: follow the coordinator's phase; in fanout, pace the sends.
  void poll() {
    int p = phase();
    if (!ready_ && next_ == mine_.size() && live_ == mine_.size()) {
      ready_ = true;
      slot_.ready.store(1);
    }
    if (p >= kGo && !went_) {
      went_ = true;
      go_ns_ = shared_.go_ns.load();
      on_go();
    }
    if (p == kGo && o_.scenario == "fanout") pace_sends();
    if (p == kExit) {
      connect_timer_.cancel();
      for (auto& l : mine_) l.client.reset();
      // The close frames get a moment to leave, then the worker ends.
      tick_.expires_after(std::chrono::milliseconds(300));
      tick_.async_wait([this](boost::system::error_code) { io_.stop(); });
      return;
    }
    tick_.expires_after(std::chrono::milliseconds(o_.scenario == "fanout" ? 1 : 2));
    tick_.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll();
    });
  }

  void on_go() {
    if (o_.scenario == "durable") {
      for (auto s : senders_)
        for (int k = 0; k < o_.inflight; ++k) send(mine_[s], "d");
    } else if (o_.scenario == "reconnect" && o_.restart_cmd.empty()) {
      // The clients drop all at once and come back: a reconnect storm.
      for (auto& l : mine_) {
        l.dropped = true;
        l.client->stop();
        l.client->start();
      }
    }
  }

  void pace_sends() {
    if (senders_.empty()) return;
    double elapsed = double(steady_ns() - go_ns_) / 1e9;
    auto due = static_cast<std::uint64_t>(send_rate_ * elapsed);
    while (sent_ < due) {
      Local& l = mine_[senders_[rr_++ % senders_.size()]];
      send(l, std::string(kStamp) + std::to_string(steady_ns()));
      ++sent_;
    }
  }

  const Options& o_;
  Shared& shared_;
  Slot& slot_;
  net::io_context io_;
  net::steady_timer tick_, connect_timer_;
  std::vector<Local> mine_;
  std::vector<std::size_t> senders_;
  double send_rate_ = 0;
  std::size_t next_ = 0, live_ = 0, rr_ = 0;
  std::uint64_t sent_ = 0;
  std::int64_t started_ns_ = 0, go_ns_ = 0;
  bool ready_ = false, went_ = false;
};

}  // namespace

int run_worker(const Options& o, const Plan& plan, Shared& shared, int index) {
  Worker w(o, plan, shared, index);
  return w.run();
}

}  // namespace parley::bench
