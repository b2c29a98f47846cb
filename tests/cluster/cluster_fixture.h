#pragma once
// Cluster-mode tests: three real gateways (`parley serve --store postgres://
// --bus redis:// --presence redis://`) sharing PostgreSQL (two fresh
// databases per test: two shards) and two Redis nodes of the test's own
// (so restarting one disturbs no other test). Clients are the real client
// library. Needs PARLEY_PG_URLS (scripts/test.sh starts PostgreSQL) and
// redis-server; skipped otherwise.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "client/client.h"
#include "client/rest.h"
#include "client/test_server.h"

namespace parley::cluster_test {

using namespace std::chrono_literals;
using client::testing::run_until;
using client::testing::TestServer;

std::uint16_t free_port();
// Runs a shell command; its stdout (trimmed), or nullopt when it failed.
std::optional<std::string> shell(const std::string& command);
std::string join(const std::vector<std::string>& items, char sep = ',');

struct Recorder {
  std::vector<client::Message> messages;
  std::vector<client::Ack> acks;
};

class ClusterTest : public ::testing::Test {
 protected:
  static constexpr int kGateways = 3;

  void SetUp() override;
  void TearDown() override;

  // Extra flags for every gateway (e.g. --eventlog).
  virtual std::vector<std::string> extra_args() { return {}; }

  TestServer& gateway(int i) { return *gateways_[i]; }
  bool alive(int i) const { return alive_[i]; }
  void kill_gateway(int i);

  // A started client on gateway `home`; on a lost connection it moves to the
  // next gateway that is alive (as a client behind a load balancer would).
  client::Client& make_client(const std::string& user, int home);
  // A client that reaches the gateways through a load balancer at `port`.
  client::Client& make_client_via(const std::string& user, std::uint16_t port);
  Recorder& record(const std::string& user) { return recorders_[user]; }

  std::string create_group(int gateway, const std::string& owner,
                           const std::vector<std::string>& members);
  // The whole history over REST from gateway `g`, oldest first.
  std::vector<client::Message> history(int g, const std::string& user,
                                       const std::string& conversation);
  // HTTP GET status of `path` on 127.0.0.1:port (0 when unreachable).
  int http_status(std::uint16_t port, const std::string& path);

  // Takes store shard `shard` down (its database refuses connections and
  // those open are ended, as when its server stops) or brings it back.
  void set_shard_reachable(int shard, bool reachable);
  // The conversations whose home is store shard `shard`.
  std::set<std::string> conversations_on_shard(int shard);

  bool wait_live(client::Client& c, std::chrono::milliseconds timeout = 15s) {
    return run_until(io_, [&] { return c.state() == client::State::live; }, timeout);
  }

  boost::asio::io_context io_;
  std::vector<std::string> db_urls_;
  std::string redis_dir_;
  std::vector<std::string> redis_urls_;
  std::vector<std::uint16_t> redis_ports_;

 private:
  client::Client& add_client(const std::string& user, client::Options o);

  std::string admin_url_;  // the PostgreSQL server's own database, for CREATE/DROP
  std::vector<std::string> db_names_;
  std::vector<std::unique_ptr<TestServer>> gateways_;
  std::vector<bool> alive_;
  std::map<std::string, Recorder> recorders_;
  std::vector<std::unique_ptr<client::Client>> clients_;
};

}  // namespace parley::cluster_test
