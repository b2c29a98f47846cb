#include "server/bench_command.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "server/config.h"

namespace parley::server {

namespace {

// "2000/s", "2000" -> 2000; "1.5s", "500ms", "2m" -> seconds. -1 when malformed.
double parse_number(std::string text, const std::string& suffix) {
  if (text.size() > suffix.size() && text.ends_with(suffix)) text.resize(text.size() - suffix.size());
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  return end && *end == 0 && v >= 0 ? v : -1;
}

double parse_seconds(const std::string& text) {
  if (text.ends_with("ms")) return parse_number(text.substr(0, text.size() - 2), "") / 1000;
  if (text.ends_with("m")) return parse_number(text.substr(0, text.size() - 1), "") * 60;
  return parse_number(text, "s");
}

}  // namespace

BenchCommand::BenchCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("bench", "load benchmark: idle | fanout | durable | reconnect");
  cmd_->add_option("scenario", o_.scenario, "idle, fanout, durable or reconnect")->required();
  cmd_->add_option("--server", server_, "HOST:PORT of the server (default 127.0.0.1:8080)");
  cmd_->add_option("--gateways", o_.gateways,
                   "HOST:PORT,...: spread connections over several gateways (REST to the first)");
  cmd_->add_option("--source-addresses", o_.source_addresses,
                   "N: connection i leaves from 127.0.0.(1 + i % N) (more than ~40,000 "
                   "loopback connections need several)")
      ->check(CLI::Range(0, 254));
  cmd_->add_option("--data", data_, "the server's data directory (its jwt_secret)");
  cmd_->add_option("--jwt-secret", jwt_secret_, "HS256 secret (or env PARLEY_JWT_SECRET)");
  cmd_->add_option("--connections", o_.connections, "idle, durable, reconnect: connections");
  cmd_->add_option("--groups", o_.groups, "fanout: groups");
  cmd_->add_option("--members", o_.members, "fanout: members per group; reconnect: group size");
  cmd_->add_option("--offline-members", o_.offline_members,
                   "fanout: members per group who never connect (large groups, few sockets)");
  cmd_->add_option("--senders", o_.senders, "fanout: sending members");
  cmd_->add_option("--rate", rate_, "fanout: total sends per second (e.g. 2000/s)");
  cmd_->add_option("--duration", duration_, "measured window (e.g. 10s)");
  cmd_->add_option("--inflight", o_.inflight, "durable: unacked sends per connection");
  cmd_->add_option("--procs", o_.procs, "worker processes sharing the connections");
  cmd_->add_option("--connect-rate", o_.connect_rate, "new connections per second");
  cmd_->add_option("--drain", o_.drain_s, "seconds to wait for the last acks/deliveries");
  cmd_->add_option("--server-pid", o_.server_pid, "idle: the server's pid (default: from the port)");
  cmd_->add_option("--restart-cmd", o_.restart_cmd, "reconnect: shell command restarting the server");
  cmd_->add_option("--backoff-max-ms", o_.backoff_max_ms, "clients' reconnect backoff cap");
  cmd_->add_option("--timeout", o_.connect_timeout_s, "seconds allowed to connect / resume all");
  cmd_->add_option("--json", o_.json_file, "write the JSON result here instead of stdout");
  cmd_->add_option("--svg", o_.svg_file, "write a latency percentile plot (SVG)");
}

bool BenchCommand::chosen() const { return cmd_->parsed(); }

int BenchCommand::run() {
  Config config;
  if (auto s = parse_listen(server_, config); !s) {
    std::cerr << "parley bench: --server: " << s.error().message << "\n";
    return 2;
  }
  o_.host = config.listen_host;
  o_.port = config.listen_port;
  o_.rate = parse_number(rate_, "/s");
  o_.duration_s = parse_seconds(duration_);
  if (o_.rate < 0 || o_.duration_s < 0) {
    std::cerr << "parley bench: bad --rate or --duration\n";
    return 2;
  }
  if (const char* env = std::getenv("PARLEY_JWT_SECRET"); env && *env) config.jwt_secret = env;
  if (!jwt_secret_.empty()) config.jwt_secret = jwt_secret_;
  if (!data_.empty()) config.data_dir = data_;
  if (jwt_secret_.empty() && data_.empty() && config.jwt_secret.empty()) {
    std::cerr << "parley bench: --jwt-secret or --data is required\n";
    return 2;
  }
  auto secret = resolve_jwt_secret(config, /*create=*/false);
  if (!secret) {
    std::cerr << "parley bench: " << secret.error().message << "\n";
    return 2;
  }
  o_.secret = *secret;
  return bench::run(o_);
}

}  // namespace parley::server
