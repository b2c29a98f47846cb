// Issue #8, fault injection: under steady load, kill -9 or SIGSTOP one part
// of the cluster (a gateway, a Redis node, NATS, PostgreSQL), heal it, and
// count acked messages lost, duplicates after the client's de-duplication,
// order violations and the time to full recovery. Each scenario appends one
// JSON line to $PARLEY_FAULT_REPORT; docs/reliability.md has the results.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault_fixture.h"

namespace parley::fault_test {
namespace {

using cluster_test::shell;

// Sends a signal to every process in `pids` (in reverse for SIGCONT, so
// children run again before their parent notices anything); true when all got it.
bool signal_all(const std::vector<pid_t>& pids, int sig) {
  bool ok = !pids.empty();
  if (sig == SIGCONT) {
    for (auto it = pids.rbegin(); it != pids.rend(); ++it) ok = ::kill(*it, sig) == 0 && ok;
  } else {
    for (auto p : pids) ok = ::kill(p, sig) == 0 && ok;
  }
  return ok;
}

// ---- gateway 1 (clients ben and eve live there; ben is a sender) ----
class GatewayFaults : public FaultTest {};

// Not healed: its clients fail over to the other gateways and stay there.
TEST_F(GatewayFaults, Kill9) {
  expect_clean(run_scenario({"gateway_kill9", "gateway 1", [this] { kill_gateway(1); }, {}}));
}

TEST_F(GatewayFaults, Sigstop) {
  const pid_t pid = gateway(1).pid();
  expect_clean(run_scenario({"gateway_sigstop", "gateway 1",
                             [this, pid] {
                               ::kill(pid, SIGSTOP);
                               undo_ = [pid] { ::kill(pid, SIGCONT); };
                             },
                             [pid] { return ::kill(pid, SIGCONT) == 0; }}));
}

// ---- the Redis node carrying the group's bus channel ----
class RedisFaults : public FaultTest {
 protected:
  std::uint16_t hit_port_ = 0;
  void pick_node() {
    hit_port_ = redis_port_of(conv_);
    const bool carries_channel = hit_port_ != 0;
    if (!carries_channel) hit_port_ = redis_ports_.at(0);  // the presence node, then
    hit_ = (carries_channel ? "redis bus :" : "redis pres :") + std::to_string(hit_port_);
  }
  bool restart_node() {
    return shell(script("redis.sh") + " restart-one " + redis_dir_ + " " +
                 std::to_string(hit_port_) + " >/dev/null 2>&1")
        .has_value();
  }
};

TEST_F(RedisFaults, Kill9ThenRestart) {
  expect_clean(run_scenario({"redis_kill9", "redis",
                             [this] {
                               pick_node();
                               ::kill(redis_pid(hit_port_), SIGKILL);
                               undo_ = [this] { restart_node(); };
                             },
                             [this] { return restart_node(); }}));
}

TEST_F(RedisFaults, Sigstop) {
  pid_t pid = 0;
  expect_clean(run_scenario({"redis_sigstop", "redis",
                             [this, &pid] {
                               pick_node();
                               pid = redis_pid(hit_port_);
                               ::kill(pid, SIGSTOP);
                               undo_ = [pid] { ::kill(pid, SIGCONT); };
                             },
                             [&pid] { return ::kill(pid, SIGCONT) == 0; }}));
}

// ---- NATS (gateways relay their outboxes to JetStream) ----
class NatsFaults : public FaultTest {
 protected:
  bool with_nats() const override { return true; }
  bool restart_nats() {
    return shell(script("nats.sh") + " start " + nats_dir_ + " " + std::to_string(nats_port_) +
                 " >/dev/null 2>&1")
        .has_value();
  }
};

TEST_F(NatsFaults, Kill9ThenRestart) {
  auto o = run_scenario({"nats_kill9", "nats",
                         [this] {
                           ::kill(nats_pid(), SIGKILL);
                           undo_ = [this] { restart_nats(); };
                         },
                         [this] { return restart_nats(); }});
  check_stream(o);
  expect_clean(o);
}

TEST_F(NatsFaults, Sigstop) {
  pid_t pid = 0;
  auto o = run_scenario({"nats_sigstop", "nats",
                         [this, &pid] {
                           pid = nats_pid();
                           ::kill(pid, SIGSTOP);
                           undo_ = [pid] { ::kill(pid, SIGCONT); };
                         },
                         [&pid] { return ::kill(pid, SIGCONT) == 0; }});
  check_stream(o);
  expect_clean(o);
}

// ---- PostgreSQL (a private server: both store shards go down together) ----
class PostgresFaults : public FaultTest {
 protected:
  bool private_pg() const override { return true; }
  pid_t postmaster_ = 0;  // the one killed, read by the heal's thread after the kill
  bool restart_pg() {
    // pg_ctl takes a killed postmaster not yet reaped for a running one:
    // wait for its end (a pidfd becomes readable when the process is gone).
    if (postmaster_ > 0) {
      int fd = static_cast<int>(::syscall(SYS_pidfd_open, postmaster_, 0));
      if (fd >= 0) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 10'000);
        ::close(fd);
      }
    }
    return shell(script("postgres.sh") + " start " + pg_dir_ + " " + std::to_string(pg_port_) +
                 " >/dev/null 2>&1")
        .has_value();
  }
};

TEST_F(PostgresFaults, Kill9ThenRestart) {
  expect_clean(run_scenario({"postgres_kill9", "postgres",
                             [this] {
                               auto pids = pg_pids();
                               postmaster_ = pids.empty() ? 0 : pids.front();
                               signal_all(pids, SIGKILL);
                               undo_ = [this] { restart_pg(); };
                             },
                             [this] { return restart_pg(); }}));
}

TEST_F(PostgresFaults, Sigstop) {
  std::vector<pid_t> pids;
  expect_clean(run_scenario({"postgres_sigstop", "postgres",
                             [this, &pids] {
                               pids = pg_pids();
                               signal_all(pids, SIGSTOP);
                               undo_ = [pids] { signal_all(pids, SIGCONT); };
                             },
                             [&pids] { return signal_all(pids, SIGCONT); }}));
}

// Not a load scenario: the gateway's event loop must never wait on the
// database for a connect (the conversation listing and the presence
// contacts are read on a thread of their own). While PostgreSQL is frozen a
// new device gets `hello` and goes live (it tracks no conversation, so its
// sync reads nothing), and /healthz answers at once.
TEST_F(PostgresFaults, ANewDeviceGoesLiveWhileItIsFrozen) {
  const auto pids = pg_pids();
  ASSERT_FALSE(pids.empty());
  ASSERT_TRUE(signal_all(pids, SIGSTOP));
  undo_ = [pids] { signal_all(pids, SIGCONT); };
  auto& zoe = make_client("zoe", 0);
  EXPECT_TRUE(wait_live(zoe, 5s)) << "the gateway's loop waited on the frozen database";
  // Bounded: a gateway stuck on the database must fail this test, not hang it.
  const std::string healthz = client::testing::http_get(gateway(0).port(), "/healthz", 3s);
  EXPECT_EQ(healthz.size() < 12 ? "" : healthz.substr(9, 3), "200") << "/healthz: " << healthz;
  EXPECT_TRUE(signal_all(pids, SIGCONT));
  undo_ = nullptr;
}

// A REST call's database work runs off the event loop too: while a history
// read waits on the frozen database, /healthz on the same gateway answers at
// once, and the read answers once the database is back.
TEST_F(PostgresFaults, AHistoryReadWaitsAloneWhileItIsFrozen) {
  const auto pids = pg_pids();
  ASSERT_FALSE(pids.empty());
  ASSERT_TRUE(signal_all(pids, SIGSTOP));
  undo_ = [pids] { signal_all(pids, SIGCONT); };

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(gateway(0).port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /api/conversations/c_frozen/messages HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer " + gateway(0).token("zoe") +
                              "\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));

  const std::string healthz = client::testing::http_get(gateway(0).port(), "/healthz", 3s);
  EXPECT_EQ(healthz.size() < 12 ? "" : healthz.substr(9, 3), "200")
      << "the gateway's loop waited on the frozen database: " << healthz;

  EXPECT_TRUE(signal_all(pids, SIGCONT));
  undo_ = nullptr;
  // Back: the read answers (404: no such conversation), within the bound.
  std::string answer;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 20'000) == 1) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(answer.size() < 12 ? "" : answer.substr(9, 3), "404") << answer;
}

}  // namespace
}  // namespace parley::fault_test
