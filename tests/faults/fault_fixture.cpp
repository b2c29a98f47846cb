#include "fault_fixture.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>

#include "eventlog/event_codec.h"
#include "store/postgres/pg_test_support.h"

namespace parley::fault_test {

using cluster_test::free_port;
using cluster_test::shell;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

pid_t pid_in(const std::string& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace

std::string FaultTest::script(const std::string& name) const {
  return std::string(PARLEY_SOURCE_DIR) + "/scripts/services/" + name;
}

void FaultTest::SetUp() {
  if (store::test_support::pg_urls().empty()) GTEST_SKIP() << store::test_support::kNoPostgres;
  if (!shell("command -v redis-server >/dev/null && echo yes")) GTEST_SKIP() << "no redis-server";
  const auto me = std::to_string(getpid());
  if (with_nats()) {
    if (!shell("command -v nats-server >/dev/null && echo yes")) GTEST_SKIP() << "no nats-server";
    nats_dir_ = "/tmp/parley-fault-nats." + me;
    std::filesystem::remove_all(nats_dir_);
    nats_port_ = free_port();
    auto url = shell(script("nats.sh") + " start " + nats_dir_ + " " + std::to_string(nats_port_) +
                     " 2>/dev/null");
    ASSERT_TRUE(url && !url->empty()) << "cannot start nats-server";
    nats_url_ = *url;
  }
  std::optional<std::string> shared_pg;
  if (private_pg()) {
    // The gateways' store is a PostgreSQL of this test's own: it is killed
    // and frozen, which must never happen to the shared one.
    pg_dir_ = "/tmp/parley-fault-pg." + me;
    shell(script("postgres.sh") + " stop " + pg_dir_ + " >/dev/null 2>&1");
    pg_port_ = free_port();
    auto urls = shell(script("postgres.sh") + " start " + pg_dir_ + " " +
                      std::to_string(pg_port_) + " 2>/dev/null");
    ASSERT_TRUE(urls && !urls->empty()) << "cannot start a private PostgreSQL";
    shared_pg = std::getenv("PARLEY_PG_URLS");
    setenv("PARLEY_PG_URLS", urls->c_str(), 1);  // ClusterTest makes its databases there
  }
  ClusterTest::SetUp();
  if (shared_pg) setenv("PARLEY_PG_URLS", shared_pg->c_str(), 1);
}

void FaultTest::TearDown() {
  if (undo_) undo_();  // a test that ended mid-fault: thaw or restart first
  undo_ = nullptr;
  ClusterTest::TearDown();
  if (!nats_dir_.empty()) shell(script("nats.sh") + " stop " + nats_dir_ + " >/dev/null 2>&1");
  if (!pg_dir_.empty()) shell(script("postgres.sh") + " stop " + pg_dir_ + " >/dev/null 2>&1");
}

std::vector<std::string> FaultTest::extra_args() {
  if (with_nats()) return {"--eventlog", nats_url_};
  return {};
}

std::vector<pid_t> FaultTest::pg_pids() {
  std::vector<pid_t> out;
  pid_t postmaster = pid_in(pg_dir_ + "/data/postmaster.pid");
  if (postmaster <= 0) return out;
  out.push_back(postmaster);
  // Backends keep serving their connections while only the postmaster is
  // frozen or gone: the whole server is the postmaster and its children.
  auto children = shell("pgrep -P " + std::to_string(postmaster));
  std::istringstream in(children.value_or(""));
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

pid_t FaultTest::redis_pid(std::uint16_t port) {
  return pid_in(redis_dir_ + "/redis-" + std::to_string(port) + ".pid");
}

pid_t FaultTest::nats_pid() { return pid_in(nats_dir_ + "/nats.pid"); }

std::uint16_t FaultTest::redis_port_of(const std::string& conversation) {
  for (auto port : redis_ports_) {
    auto channels = shell("redis-cli -h 127.0.0.1 -p " + std::to_string(port) +
                          " PUBSUB CHANNELS 'pc:" + conversation + "'");
    if (channels && !channels->empty()) return port;
  }
  return 0;
}

Outcome FaultTest::run_scenario(const FaultPlan& plan) {
  Outcome out;
  out.scenario = plan.scenario;
  out.target = plan.target;
  const std::vector<std::string> users{"ann", "ben", "cat", "dan", "eve", "fay"};
  conv_ = create_group(0, users[0], {users.begin() + 1, users.end()});
  if (conv_.empty()) return out;
  std::vector<client::Client*> clients;
  for (int i = 0; i < kMembers; ++i) {
    auto& c = make_client(users[i], i % kGateways);
    c.track(conv_, 0);
    c.on_error([this](const client::ClientError& e) {
      if (e.conversation_id == conv_) ++refused_;
    });
    clients.push_back(&c);
  }
  for (auto* c : clients)
    if (!wait_live(*c)) {
      ADD_FAILURE() << "a client never got live before the fault";
      return out;
    }

  // What was issued, acked and delivered, kept up to date as the clients'
  // recorders grow. client_msg_ids are unique across clients (random device prefix).
  std::vector<std::string> keys;
  std::unordered_set<std::string> acked;
  std::vector<std::size_t> acks_seen(kSenders, 0), msgs_seen(kMembers, 0);
  std::vector<std::unordered_set<std::string>> delivered(kMembers);
  std::size_t complete = 0;  // keys[0, complete) are acked and at every member
  auto done = [&](const std::string& key) {
    if (!acked.contains(key)) return false;
    for (const auto& d : delivered)
      if (!d.contains(key)) return false;
    return true;
  };
  auto update = [&] {
    for (int s = 0; s < kSenders; ++s)
      for (const auto& acks = record(users[s]).acks; acks_seen[s] < acks.size(); ++acks_seen[s])
        if (acks[acks_seen[s]].conversation_id == conv_)
          acked.insert(acks[acks_seen[s]].client_msg_id);
    for (int m = 0; m < kMembers; ++m)
      for (const auto& msgs = record(users[m]).messages; msgs_seen[m] < msgs.size(); ++msgs_seen[m])
        if (msgs[msgs_seen[m]].conversation_id == conv_)
          delivered[m].insert(msgs[msgs_seen[m]].client_msg_id);
    while (complete < keys.size() && done(keys[complete])) ++complete;
  };
  auto send_one = [&](int sender) {
    keys.push_back(clients[sender]->send(conv_, "load-" + std::to_string(keys.size())));
  };

  const auto t0 = Clock::now();
  std::optional<Clock::time_point> injected_at, healed_at, recovered_at;
  std::future<bool> healing;
  bool heal_ok = true;
  std::size_t before_heal = 0;  // sends issued before the heal: the backlog to recover
  auto step = [&] {
    const auto now = Clock::now();
    if (!injected_at && now - t0 >= kInjectAt) {
      injected_at = now;
      plan.inject();
      if (!plan.heal) {  // a fault that stays: recovery counts from the fault
        healed_at = now;
        before_heal = keys.size();
      }
    }
    if (injected_at && plan.heal && !healing.valid() && !healed_at &&
        now - *injected_at >= kFaultFor)
      healing = std::async(std::launch::async, plan.heal);
    if (healing.valid() && healing.wait_for(0s) == std::future_status::ready) {
      heal_ok = healing.get();
      healed_at = Clock::now();
      before_heal = keys.size();
      undo_ = nullptr;
    }
    update();
    if (healed_at && !recovered_at && complete >= before_heal) recovered_at = Clock::now();
  };

  // Steady load, paced on the clock (a slow tick catches up).
  std::size_t load_sent = 0;
  while (Clock::now() - t0 < kLoadFor) {
    auto secs = std::chrono::duration<double>(Clock::now() - t0).count();
    for (auto due = static_cast<std::size_t>(secs * kSendsPerSecond); load_sent < due; ++load_sent)
      send_one(static_cast<int>(load_sent % kSenders));
    step();
    run_until(io_, [] { return false; }, 10ms);  // pacing: the clients run meanwhile
  }

  // Drain: until every send is acked and at every member. A message the bus
  // lost shows at a member only as a gap before the next one, so when
  // nothing moves for 2.5 s after the heal a probe message is sent.
  const auto load_end = Clock::now();
  auto last_move = load_end;
  std::size_t last_complete = complete;
  while (Clock::now() - load_end < kDrainFor) {
    step();
    if (recovered_at && complete >= keys.size()) break;
    if (complete != last_complete) {
      last_complete = complete;
      last_move = Clock::now();
    }
    // (Not sooner: a client retries sends the store refused once a second.)
    if (healed_at && Clock::now() - std::max(last_move, *healed_at) > 2500ms &&
        out.tail_probes < 30) {
      send_one(0);
      ++out.tail_probes;
      last_move = Clock::now();
    }
    run_until(io_, [] { return false; }, 20ms);
  }
  if (healing.valid()) {  // still healing after the drain: wait, then count
    heal_ok = healing.get();
    healed_at = Clock::now();
    undo_ = nullptr;
  }
  EXPECT_TRUE(heal_ok) << "the heal failed (restart or SIGCONT)";
  if (!hit_.empty()) out.target = hit_;
  update();

  // ---- counts ----
  out.sent = static_cast<std::int64_t>(keys.size());
  for (const auto& k : keys) out.acked += acked.contains(k);
  out.never_acked = out.sent - out.acked;
  out.refused = refused_;
  if (injected_at && healed_at) out.outage_ms = ms_between(*injected_at, *healed_at);
  if (recovered_at && healed_at) out.recovery_ms = ms_between(*healed_at, *recovered_at);

  stored_ = history(0, users[0], conv_);  // gateway 0 is never the one faulted
  std::unordered_map<std::string, int> rows;
  std::int64_t prev = 0;
  for (const auto& m : stored_) {
    if (++rows[m.client_msg_id] > 1) ++out.duplicates;
    if (m.seq <= prev) ++out.order_violations;
    prev = m.seq;
  }
  for (const auto& k : keys) {
    if (!acked.contains(k)) continue;
    if (!rows.contains(k)) ++out.lost;
    for (const auto& d : delivered) out.lost += !d.contains(k);
  }
  for (int m = 0; m < kMembers; ++m) {
    std::unordered_map<std::string, int> seen;
    std::int64_t last = 0;
    for (const auto& msg : record(users[m]).messages) {
      if (msg.conversation_id != conv_) continue;
      if (++seen[msg.client_msg_id] > 1) ++out.duplicates;
      if (msg.seq <= last) ++out.order_violations;
      last = msg.seq;
    }
  }
  return out;
}

void FaultTest::expect_clean(const Outcome& o) {
  report(o);
  EXPECT_EQ(o.lost, 0) << "acked messages lost";
  EXPECT_EQ(o.duplicates, 0) << "duplicates after client de-duplication";
  EXPECT_EQ(o.order_violations, 0) << "seqs not strictly increasing";
  EXPECT_GE(o.recovery_ms, 0) << "never recovered: not every send acked and delivered";
  EXPECT_EQ(o.never_acked, 0) << "sends never acked after the heal";
  EXPECT_GT(o.sent, 0);
  if (o.stream_missing >= 0) {
    EXPECT_EQ(o.stream_missing, 0) << "committed messages missing from the stream";
    EXPECT_EQ(o.stream_duplicates, 0) << "events twice in the stream";
    EXPECT_EQ(o.stream_order_violations, 0) << "stream out of seq order";
  }
}

namespace {

// Messages in every JetStream stream, from the server's monitoring port.
std::int64_t stream_messages(std::uint16_t monitor_port) {
  auto reply = client::testing::http_get(monitor_port, "/jsz?streams=true");
  auto body = reply.find("\r\n\r\n");
  if (body == std::string::npos) return -1;
  boost::system::error_code ec;
  auto v = boost::json::parse(reply.substr(body + 4), ec);
  if (ec || !v.is_object()) return -1;
  std::int64_t n = 0;
  const auto* accounts = v.as_object().if_contains("account_details");
  if (!accounts || !accounts->is_array()) return 0;
  for (const auto& a : accounts->as_array()) {
    const auto* streams = a.as_object().if_contains("stream_detail");
    if (!streams || !streams->is_array()) continue;
    for (const auto& s : streams->as_array())
      if (const auto* state = s.as_object().if_contains("state"))
        if (const auto* msgs = state->as_object().if_contains("messages"))
          n += msgs->to_number<std::int64_t>();
  }
  return n;
}

}  // namespace

void FaultTest::check_stream(Outcome& o) {
  auto file = std::filesystem::temp_directory_path() /
              ("parley-fault-events-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(file);
  client::testing::ChildProcess worker(
      io_, {client::testing::parley_binary(), "worker", "events-file", "--eventlog", nats_url_,
            "--file", file.string()},
      std::filesystem::temp_directory_path() / "parley-fault-worker.log");

  // The worker writes each event id once; the stream holds no duplicate when
  // its message count equals the ids the worker has seen, all of them read.
  std::vector<eventlog::Event> events;
  std::set<std::string> ids;
  std::int64_t in_stream = -1;
  const auto deadline = Clock::now() + 30s;
  while (Clock::now() < deadline) {
    run_until(io_, [] { return false; }, 200ms);  // the worker runs meanwhile
    events.clear();
    ids.clear();
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
      if (auto e = eventlog::decode_event(line); e) {
        ids.insert(e->id);
        events.push_back(std::move(*e));
      }
    in_stream = stream_messages(static_cast<std::uint16_t>(nats_port_ + 1000));
    std::size_t created = 0;
    for (const auto& e : events) created += e.type == eventlog::kMessageCreated;
    if (created >= stored_.size() && in_stream == static_cast<std::int64_t>(ids.size())) break;
  }
  worker.signal(SIGTERM);
  worker.reap();
  std::filesystem::remove(file);

  std::set<std::int64_t> stored_seqs;
  for (const auto& m : stored_) stored_seqs.insert(m.seq);
  std::map<std::string, std::int64_t> last;
  std::set<std::pair<std::string, std::int64_t>> seen;
  o.stream_duplicates = std::max<std::int64_t>(0, in_stream - static_cast<std::int64_t>(ids.size()));
  o.stream_order_violations = 0;
  for (const auto& e : events) {
    if (e.type != eventlog::kMessageCreated) continue;
    if (!seen.insert({e.conversation_id, e.seq}).second) ++o.stream_duplicates;
    if (e.seq <= last[e.conversation_id]) ++o.stream_order_violations;
    last[e.conversation_id] = e.seq;
  }
  o.stream_missing = 0;
  for (auto s : stored_seqs) o.stream_missing += !seen.contains({conv_, s});
  if (in_stream < 0) ADD_FAILURE() << "cannot read the stream's state from nats-server";
}

}  // namespace parley::fault_test
