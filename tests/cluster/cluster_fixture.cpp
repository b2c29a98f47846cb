#include "cluster_fixture.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include <boost/asio/ip/tcp.hpp>

#include "store/postgres/pg_test_support.h"

namespace parley::cluster_test {

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::optional<std::string> shell(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf;
  while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  if (pclose(p) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(1, sep)) + i;
  return out;
}

namespace {

// postgres://user@host:port/db -> the same with another database.
std::string with_database(const std::string& url, const std::string& db) {
  auto slash = url.rfind('/');
  auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

void ClusterTest::SetUp() {
  auto pg = store::test_support::pg_urls();
  if (pg.empty()) GTEST_SKIP() << store::test_support::kNoPostgres;
  if (!shell("command -v redis-server >/dev/null && echo yes")) GTEST_SKIP() << "no redis-server";

  // Two fresh databases: two store shards that no other test touches.
  admin_url_ = with_database(pg[0], "postgres");
  static std::atomic<int> counter{0};
  {
    store::test_support::RawPg admin(admin_url_);
    for (int i = 0; i < 2; ++i) {
      auto name = "parley_cluster_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
      ASSERT_TRUE(admin.exec("CREATE DATABASE " + name));
      db_names_.push_back(name);
      db_urls_.push_back(with_database(pg[0], name));
    }
  }

  // Two Redis nodes of our own, on free ports.
  char tmpl[] = "/tmp/parley-cluster-redis.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  redis_dir_ = tmpl;
  std::filesystem::remove(redis_dir_);  // the script creates (and marks) it
  redis_ports_ = {free_port(), free_port()};
  auto urls = shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/redis.sh start " +
                    redis_dir_ + " " + std::to_string(redis_ports_[0]) + " " +
                    std::to_string(redis_ports_[1]) + " 2>/dev/null");
  ASSERT_TRUE(urls) << "cannot start redis";
  redis_urls_ = split(*urls);
  ASSERT_EQ(redis_urls_.size(), 2u);

  for (int i = 0; i < kGateways; ++i) {
    std::vector<std::string> args{"--store", join(db_urls_), "--bus", join(redis_urls_),
                                  "--presence", redis_urls_[0], "--gateway-id",
                                  "gw" + std::to_string(i)};
    for (auto& a : extra_args()) args.push_back(a);
    gateways_.push_back(std::make_unique<TestServer>(io_, args));
    gateways_.back()->start();
    alive_.push_back(true);
  }
}

void ClusterTest::TearDown() {
  clients_.clear();
  for (std::size_t i = 0; i < gateways_.size(); ++i) {
    if (HasFailure())
      std::cerr << "---- gateway " << i << " log ----\n" << gateways_[i]->log_tail(30) << "----\n";
    if (alive_[i]) gateways_[i]->stop();
  }
  gateways_.clear();
  if (!redis_dir_.empty())
    shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/redis.sh stop " + redis_dir_ +
          " >/dev/null 2>&1");
  if (!db_names_.empty()) {
    store::test_support::RawPg admin(admin_url_);
    for (const auto& name : db_names_) admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
}

void ClusterTest::set_shard_reachable(int shard, bool reachable) {
  store::test_support::RawPg admin(admin_url_);
  const auto& name = db_names_.at(shard);
  admin.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + (reachable ? "true" : "false"));
  if (!reachable)
    admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
               "'");
}

std::set<std::string> ClusterTest::conversations_on_shard(int shard) {
  std::set<std::string> out;
  auto rows = shell("psql -At '" + db_urls_.at(shard) + "' -c 'SELECT id FROM conversations'");
  if (!rows) return out;
  std::istringstream lines(*rows);
  for (std::string id; std::getline(lines, id);)
    if (!id.empty()) out.insert(id);
  return out;
}

void ClusterTest::kill_gateway(int i) {
  gateways_[i]->kill9();
  alive_[i] = false;
}

client::Client& ClusterTest::add_client(const std::string& user, client::Options o) {
  o.token = gateways_[0]->token(user);  // one secret for every gateway
  o.backoff_base = 50ms;
  o.backoff_max = 500ms;
  auto c = std::make_unique<client::Client>(io_, std::move(o));
  Recorder& r = recorders_[user];
  c->on_message([&r](const client::Message& m) { r.messages.push_back(m); });
  c->on_ack([&r](const client::Ack& a) { r.acks.push_back(a); });
  c->start();
  clients_.push_back(std::move(c));
  return *clients_.back();
}

client::Client& ClusterTest::make_client(const std::string& user, int home) {
  client::Options o;
  o.endpoint_provider = [this, next = home]() mutable {
    for (int tries = 0; tries < kGateways; ++tries, next = (next + 1) % kGateways) {
      if (alive_[next]) return std::pair<std::string, std::uint16_t>{"127.0.0.1", gateways_[next]->port()};
    }
    return std::pair<std::string, std::uint16_t>{"127.0.0.1", gateways_[0]->port()};
  };
  return add_client(user, std::move(o));
}

client::Client& ClusterTest::make_client_via(const std::string& user, std::uint16_t port) {
  client::Options o;
  o.host = "127.0.0.1";
  o.port = port;
  return add_client(user, std::move(o));
}

std::string ClusterTest::create_group(int g, const std::string& owner,
                                      const std::vector<std::string>& members) {
  std::optional<Result<client::Conversation>> got;
  client::RestClient rest(io_, "127.0.0.1", gateways_[g]->port(),
                          [t = gateways_[g]->token(owner)] { return t; });
  rest.create_conversation("group", "team", members,
                           [&](Result<client::Conversation> c) { got = std::move(c); });
  EXPECT_TRUE(run_until(io_, [&] { return got.has_value(); }, 10s));
  if (!got || !got->ok()) {
    ADD_FAILURE() << "create conversation failed: " << (got ? got->error().message : "timeout");
    return {};
  }
  return (*got)->id;
}

std::vector<client::Message> ClusterTest::history(int g, const std::string& user,
                                                  const std::string& conversation) {
  std::vector<client::Message> all;
  client::RestClient rest(io_, "127.0.0.1", gateways_[g]->port(),
                          [t = gateways_[g]->token(user)] { return t; });
  for (;;) {
    std::optional<Result<client::HistoryPage>> page;
    rest.history_after(conversation, all.empty() ? 0 : all.back().seq, 200,
                       [&](Result<client::HistoryPage> p) { page = std::move(p); });
    if (!run_until(io_, [&] { return page.has_value(); }, 10s) || !page->ok()) {
      ADD_FAILURE() << "history failed";
      return all;
    }
    for (auto& m : (*page)->messages) all.push_back(m);
    if (!(*page)->has_more || (*page)->messages.empty()) return all;
  }
}

int ClusterTest::http_status(std::uint16_t port, const std::string& path) {
  auto out = client::testing::http_get(port, path);  // "HTTP/1.x NNN ..."
  return out.size() < 12 ? 0 : std::stoi(out.substr(9, 3));
}

}  // namespace parley::cluster_test
