// `parley bench` against the real server (port 0, its own data directory):
// each scenario for ~1-2 s with small numbers; the JSON must be sane.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>

#include "client/test_server.h"

namespace parley::bench {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using client::testing::ChildProcess;
using client::testing::TestServer;

class BenchSmoke : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  // Runs `parley bench ARGS...` and returns its JSON result (null on failure).
  json::object bench(std::vector<std::string> args) {
    std::vector<std::string> argv = {client::testing::parley_binary(), "bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const std::string& a : std::vector<std::string>{"--server", "127.0.0.1:" + std::to_string(server_.port()),
                          "--jwt-secret", server_.secret()})
      argv.push_back(a);
    ChildProcess p(io_, argv, server_.dir() / "bench.stderr");
    bool ended = client::testing::run_until(io_, [&] { return p.eof(); }, 30s);
    EXPECT_TRUE(ended);
    EXPECT_EQ(p.reap(), 0);
    for (auto& line : p.lines())
      if (!line.empty() && line[0] == '{') return json::parse(line).as_object();
    ADD_FAILURE() << "no JSON line";
    return {};
  }

  static double num(const json::object& o, const char* a, const char* b = nullptr) {
    const json::value* v = o.if_contains(a);
    if (v && b) v = v->as_object().if_contains(b);
    return v ? v->to_number<double>() : -1;
  }

  boost::asio::io_context io_;
  TestServer server_{io_, {}, "bench-smoke-secret"};
};

TEST_F(BenchSmoke, Idle) {
  auto r = bench({"idle", "--connections", "50", "--server-pid", "0"});
  EXPECT_EQ(num(r, "connected"), 50);
  EXPECT_GT(num(r, "rss_after_kib"), 0);
  EXPECT_TRUE(r.contains("bytes_per_connection"));
  EXPECT_EQ(num(r, "failed_attempts"), 0);
}

TEST_F(BenchSmoke, SaysWhyConnectionAttemptsFail) {
  // Port 1: nobody listens. The bench retries, says why, and gives up at its
  // timeout with a failure instead of stalling silently. (--server-pid: any
  // live process, since no server owns the port.)
  auto err = server_.dir() / "dead.stderr";
  ChildProcess p(io_,
                 {client::testing::parley_binary(), "bench", "idle", "--connections", "2",
                  "--server-pid", std::to_string(getpid()), "--server", "127.0.0.1:1",
                  "--jwt-secret", "x", "--timeout", "2"},
                 err);
  ASSERT_TRUE(client::testing::run_until(io_, [&] { return p.eof(); }, 30s));
  EXPECT_NE(p.reap(), 0);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("connection attempt failed (retrying)"), std::string::npos) << text;
  EXPECT_NE(text.find("not every connection got live"), std::string::npos) << text;
}

TEST_F(BenchSmoke, IdleFromSeveralSourceAddresses) {
  auto r = bench({"idle", "--connections", "30", "--server-pid", "0", "--source-addresses", "3"});
  EXPECT_EQ(num(r, "connected"), 30);
  EXPECT_EQ(num(r, "errors"), 0);
}

TEST_F(BenchSmoke, Fanout) {
  auto svg = (server_.dir() / "fanout.svg").string();
  auto r = bench({"fanout", "--groups", "2", "--members", "5", "--senders", "2", "--rate",
                  "200/s", "--duration", "1s", "--procs", "2", "--svg", svg});
  EXPECT_GT(num(r, "deliveries"), 0);
  EXPECT_GT(num(r, "deliveries_per_s"), 0);
  EXPECT_GT(num(r, "latency_us", "p99"), 0);
  EXPECT_EQ(num(r, "deliveries"), num(r, "deliveries_expected"));
  EXPECT_TRUE(std::filesystem::file_size(svg) > 100);
}

TEST_F(BenchSmoke, Durable) {
  auto r = bench({"durable", "--connections", "4", "--inflight", "4", "--duration", "1s"});
  EXPECT_GT(num(r, "acked_per_s"), 0);
  EXPECT_GT(num(r, "ack_latency_us", "p99"), 0);
}

TEST_F(BenchSmoke, Reconnect) {
  auto r = bench({"reconnect", "--connections", "20", "--members", "10", "--procs", "2"});
  EXPECT_EQ(num(r, "resumed"), 20);
  EXPECT_GT(num(r, "all_resumed_s"), 0);
}

}  // namespace
}  // namespace parley::bench
