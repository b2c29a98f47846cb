// Issue #4: the JetStream stream holds exactly the committed events, in
// per-conversation order. Three gateways with `--eventlog nats://` relay
// their shards' outboxes; `parley worker events-file` reads the stream.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cluster_fixture.h"
#include "eventlog/event_codec.h"

namespace parley::cluster_test {
namespace {

class ClusterEventLog : public ClusterTest {
 protected:
  void SetUp() override {
    if (!shell("command -v nats-server >/dev/null && echo yes")) GTEST_SKIP() << "no nats-server";
    nats_dir_ = "/tmp/parley-cluster-nats." + std::to_string(getpid());
    std::filesystem::remove_all(nats_dir_);
    auto url = shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/nats.sh start " +
                     nats_dir_ + " " + std::to_string(free_port()) + " 2>/dev/null");
    ASSERT_TRUE(url && !url->empty()) << "cannot start nats-server";
    nats_url_ = *url;
    ClusterTest::SetUp();
  }
  void TearDown() override {
    ClusterTest::TearDown();
    if (!nats_dir_.empty())
      shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/nats.sh stop " + nats_dir_ +
            " >/dev/null 2>&1");
  }
  std::vector<std::string> extra_args() override { return {"--eventlog", nats_url_}; }

  std::vector<eventlog::Event> events_in(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<eventlog::Event> out;
    for (std::string line; std::getline(in, line);)
      if (auto e = eventlog::decode_event(line); e) out.push_back(std::move(*e));
    return out;
  }

  std::string nats_dir_, nats_url_;
};

TEST_F(ClusterEventLog, StreamHoldsExactlyTheCommittedMessagesInOrder) {
  const std::vector<std::string> users{"ann", "ben", "cat"};
  std::string first = create_group(0, "ann", {"ben", "cat"});
  std::string second = create_group(1, "ben", {"cat"});
  std::vector<client::Client*> clients;
  for (std::size_t i = 0; i < users.size(); ++i) clients.push_back(&make_client(users[i], i));
  for (auto* c : clients) ASSERT_TRUE(wait_live(*c));
  constexpr int kEach = 10;
  for (int i = 0; i < kEach; ++i) {
    for (auto* c : clients) c->send(first, "m" + std::to_string(i));
    clients[1]->send(second, "n" + std::to_string(i));
    clients[2]->send(second, "o" + std::to_string(i));
  }
  auto acked = [&] {
    std::size_t n = 0;
    for (const auto& u : users) n += record(u).acks.size();
    return n;
  };
  const std::size_t total = 5 * kEach;
  ASSERT_TRUE(run_until(io_, [&] { return acked() >= total; }, 30s));

  auto file = std::filesystem::temp_directory_path() /
              ("parley-cluster-events-" + std::to_string(getpid()) + ".jsonl");
  std::filesystem::remove(file);
  client::testing::ChildProcess worker(
      io_, {client::testing::parley_binary(), "worker", "events-file", "--eventlog", nats_url_,
            "--file", file.string()},
      std::filesystem::temp_directory_path() / "parley-cluster-worker.log");
  std::vector<eventlog::Event> events;
  for (int i = 0; i < 300 && events.size() < total; ++i) {
    run_until(io_, [] { return false; }, 100ms);
    events = events_in(file);
  }
  worker.signal(SIGTERM);
  worker.reap();
  std::filesystem::remove(file);

  // Exactly the committed messages: the same ids as the store's history, once each.
  std::set<std::string> stored;
  for (const auto& conv : {first, second})
    for (const auto& m : history(2, "cat", conv)) stored.insert(conv + "/" + std::to_string(m.seq));
  ASSERT_EQ(stored.size(), total);
  std::set<std::string> seen;
  std::map<std::string, std::int64_t> last_seq;
  for (const auto& e : events) {
    EXPECT_EQ(e.type, eventlog::kMessageCreated);
    EXPECT_TRUE(seen.insert(e.conversation_id + "/" + std::to_string(e.seq)).second)
        << "twice: " << e.id;
    EXPECT_GT(e.seq, last_seq[e.conversation_id]) << "out of order in " << e.conversation_id;
    last_seq[e.conversation_id] = e.seq;
  }
  EXPECT_EQ(seen, stored);
}

}  // namespace
}  // namespace parley::cluster_test
