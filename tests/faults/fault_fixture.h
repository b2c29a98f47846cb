#pragma once
// Fault injection on the cluster of tests/cluster (three gateways, two
// PostgreSQL shards, two Redis nodes): a group of six members spread over the
// gateways, three senders under steady load, one fault injected at 2 s and
// healed 3 s later, load on until 8 s, then a wait until every send is acked
// and delivered. The scenario counts what issue #8 asks: acked messages lost,
// duplicates after the client's de-duplication, order violations, time to
// full recovery (fault_report.h).
//
// Services the tests break are their own: the Redis nodes of ClusterTest, a
// NATS server (with_nats) and, for PostgreSQL faults, a private PostgreSQL
// (private_pg) on a port of its own, so the shared one is never stopped.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "cluster_fixture.h"
#include "fault_report.h"

namespace parley::fault_test {

using cluster_test::ClusterTest;
using client::testing::run_until;
using namespace std::chrono_literals;

struct FaultPlan {
  std::string scenario;  // report name, e.g. "gateway_kill9"
  std::string target;    // what is hit, for the report
  // Runs on the test thread at the fault time; must be quick (a signal).
  std::function<void()> inject;
  // Runs on a thread of its own (a restart may take seconds, and the clients
  // must keep running meanwhile); false when the heal failed. Empty: the
  // fault stays (recovery is then measured from the fault itself).
  std::function<bool()> heal;
};

class FaultTest : public ClusterTest {
 protected:
  static constexpr int kMembers = 6;
  static constexpr int kSenders = 3;
  static constexpr double kSendsPerSecond = 150;
  static constexpr auto kLoadFor = 8s;
  static constexpr auto kInjectAt = 2s;
  static constexpr auto kFaultFor = 3s;
  // After the load: how long every send may take to be acked and delivered.
  static constexpr auto kDrainFor = 45s;

  void SetUp() override;
  void TearDown() override;
  std::vector<std::string> extra_args() override;

  virtual bool with_nats() const { return false; }
  virtual bool private_pg() const { return false; }

  // Creates the group and its clients, runs the load with `plan`, counts.
  Outcome run_scenario(const FaultPlan& plan);
  // The three zero counts and a recovery; reports the outcome either way.
  void expect_clean(const Outcome& o);
  // Event log scenarios: reads the JetStream stream back (parley worker
  // events-file) and compares it with the store's history of `conv`.
  void check_stream(Outcome& o);

  // ---- the services' processes ----
  std::vector<pid_t> pg_pids();  // the private postmaster and its children
  pid_t redis_pid(std::uint16_t port);
  pid_t nats_pid();
  // The Redis node whose pub/sub carries the conversation's channel (0: none found).
  std::uint16_t redis_port_of(const std::string& conversation);
  std::string script(const std::string& name) const;

  std::string conv_;  // the scenario's group
  std::string nats_dir_, nats_url_;
  std::uint16_t nats_port_ = 0;
  std::string pg_dir_;
  std::uint16_t pg_port_ = 0;
  std::vector<client::Message> stored_;  // the group's history after the scenario
  std::int64_t refused_ = 0;             // send errors the clients got (they retry)
  std::string hit_;                      // set by an inject that picks its target
  // Undoes a fault still in force when a test ends early (SIGCONT, restart).
  std::function<void()> undo_;
};

}  // namespace parley::fault_test
