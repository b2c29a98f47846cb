#pragma once
// `parley bench`: load scenarios against a running Parley server, built on
// parley::client::Client. A coordinator process prepares the run (users,
// groups over REST), forks `procs` workers that share the connections, steps
// them through the phases (connect, measure, drain) in shared memory, prints
// a progress line on stderr every second and merges their histograms.
#include <cstdint>
#include <string>
#include <vector>

namespace parley::bench {

struct Gateway {
  std::string host;
  std::uint16_t port = 0;
};

struct Options {
  std::string scenario;  // idle | fanout | durable | reconnect
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  // "HOST:PORT,HOST:PORT,...": connection i goes to gateway i % n, REST to
  // the first; idle sums the RSS of every gateway's process. Empty: the env
  // PARLEY_BENCH_GATEWAYS, else host:port alone. run() fills gateway_list.
  std::string gateways;
  std::vector<Gateway> gateway_list;
  std::string secret;  // HS256: tokens are minted locally

  int connections = 100;  // idle, durable, reconnect
  int groups = 10;        // fanout
  int members = 100;      // fanout; reconnect: group size
  int offline_members = 0;  // fanout: members per group who never connect
  int senders = 10;       // fanout
  double rate = 1000;     // fanout: sends per second, all senders together
  double duration_s = 10;
  int inflight = 8;  // durable: unacked sends per connection
  int procs = 1;
  double connect_rate = 2000;  // new connections per second, all workers together
  double drain_s = 2;          // after the measured window, for the last deliveries/acks
  int server_pid = 0;          // idle: 0 = found from the port (ss)
  std::string restart_cmd;     // reconnect: empty = the clients drop their connections
  int backoff_max_ms = 2000;
  double connect_timeout_s = 120;
  // > 0: connection i leaves from 127.0.0.(1 + i % n). One source address
  // has ~28,000 ephemeral ports (fewer for connect()) to a destination; a
  // run above ~40,000 loopback connections needs several.
  int source_addresses = 0;
  std::string json_file, svg_file;
};

// Runs the scenario; results as JSON on stdout (or json_file). The exit code.
int run(const Options& options);

}  // namespace parley::bench
