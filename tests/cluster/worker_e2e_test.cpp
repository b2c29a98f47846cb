// Issue #6 in cluster mode, end to end: three gateways with `--eventlog
// nats://` relay their shards' outboxes to JetStream; `parley worker search`
// feeds the PostgreSQL index the gateways read for GET /api/search, and
// `parley worker push` sends pushes to a fake UnifiedPush service. Each test
// has its own NATS server (a fresh stream: the durable consumers "search" and
// "push" see this test's events only). Needs PARLEY_PG_URLS and
// PARLEY_NATS_URL (scripts/test.sh); skipped otherwise.
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "auth/base64url.h"
#include "cluster_fixture.h"
#include "push/ec_key.h"
#include "push/jwt_es256.h"
#include "push/testing/fake_push_server.h"
#include "push/webpush_crypto.h"

namespace parley::cluster_test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using client::testing::ChildProcess;
using push::testing::FakePushServer;
using push::testing::RecordedRequest;

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// One blocking request with the user's token (tests ask little of it).
HttpAnswer request(std::uint16_t port, http::verb method, const std::string& target,
                   const std::string& token, const std::string& body = {}) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  // A gateway that never answers fails the test instead of hanging it.
  timeval timeout{15, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(socket, req, ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res, ec);
  if (ec) return {};
  return {static_cast<int>(res.result_int()), res.body()};
}

struct Hit {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string snippet;
};

class ClusterWorkers : public ClusterTest {
 protected:
  // Pushes of one (user, conversation) within this window collapse into one
  // of the latest, sent when it ends.
  static constexpr int kCollapseMs = 5000;

  void SetUp() override {
    if (!std::getenv("PARLEY_NATS_URL")) GTEST_SKIP() << "PARLEY_NATS_URL is not set";
    if (!shell("command -v nats-server >/dev/null && echo yes")) GTEST_SKIP() << "no nats-server";
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-cluster-workers." + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "worker-data");
    nats_dir_ = (dir_ / "nats").string();
    auto url = shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/nats.sh start " +
                     nats_dir_ + " " + std::to_string(free_port()) + " 2>/dev/null");
    ASSERT_TRUE(url && !url->empty()) << "cannot start nats-server";
    nats_url_ = *url;
    // Gateways and the push worker read the same "push" settings: loopback
    // endpoints for the fake push service (registration and sending), a
    // short collapse window, quick retries, one VAPID key file for all (as
    // docs/deploy.md asks).
    config_ = (dir_ / "parley.json").string();
    std::ofstream(config_) << R"({"push": {"allow_loopback_http": true, "collapse_ms": )"
                           << kCollapseMs << R"(, "retry_base_ms": 50, "vapid_key_file": ")"
                           << (dir_ / "vapid.pem").string() << R"("}})";
    ClusterTest::SetUp();
  }

  void TearDown() override {
    for (auto& [name, w] : workers_) {
      if (HasFailure()) {
        std::ifstream log(dir_ / (name + ".log"));
        std::cerr << "---- worker " << name << " log ----\n" << log.rdbuf() << "----\n";
      }
      if (w->running()) {
        w->signal(SIGTERM);
        w->reap();
      }
    }
    workers_.clear();
    ClusterTest::TearDown();
    if (!nats_dir_.empty())
      shell(std::string(PARLEY_SOURCE_DIR) + "/scripts/services/nats.sh stop " + nats_dir_ +
            " >/dev/null 2>&1");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> extra_args() override {
    return {"--eventlog", nats_url_, "--config", config_};
  }

  // `parley worker NAME ...` with what a deployment gives it (docs/deploy.md),
  // once it says it is consuming.
  ChildProcess& start_worker(const std::string& name) {
    std::vector<std::string> argv{
        client::testing::parley_binary(), "worker", name, "--eventlog", nats_url_, "--data",
        (dir_ / "worker-data").string()};
    if (name == "search") {
      // The index the gateways read: the first store shard.
      for (const std::string& a : {std::string("--param"), "index=" + db_urls_[0]})
        argv.push_back(a);
    } else {
      for (const std::string& a :
           {std::string("--store"), join(db_urls_), std::string("--param"),
            "devices=" + db_urls_[0], std::string("--param"), "presence=" + redis_urls_[0],
            std::string("--param"), "config=" + config_})
        argv.push_back(a);
    }
    auto& w = workers_[name];
    w = std::make_unique<ChildProcess>(io_, argv, dir_ / (name + ".log"));
    EXPECT_TRUE(run_until(
        io_, [&] { return w->find_line("consuming") >= 0 || w->eof(); }, 20s));
    EXPECT_GE(w->find_line("consuming"), 0) << "worker " << name << " did not start";
    return *w;
  }

  void stop_worker(const std::string& name) {
    auto& w = workers_[name];
    w->signal(SIGTERM);
    EXPECT_EQ(w->reap(), 0) << "worker " << name << " did not stop cleanly";
  }

  std::string token(const std::string& user) { return gateway(0).token(user); }

  HttpAnswer call(int g, http::verb method, const std::string& target, const std::string& user,
                  const std::string& body = {}) {
    return request(gateway(g).port(), method, target, token(user), body);
  }

  // GET /api/search on gateway g; nullopt on a non-200 answer.
  std::optional<std::vector<Hit>> search(int g, const std::string& user, const std::string& q,
                                         const std::string& conversation = {}) {
    std::string target = "/api/search?q=" + q + "&limit=100";
    if (!conversation.empty()) target += "&conversation_id=" + conversation;
    auto r = call(g, http::verb::get, target, user);
    if (r.status != 200) return std::nullopt;
    std::vector<Hit> hits;
    const json::value answer = json::parse(r.body);
    for (const auto& v : answer.at("results").as_array()) {
      const auto& o = v.as_object();
      hits.push_back({std::string(o.at("conversation_id").as_string()), o.at("seq").as_int64(),
                      std::string(o.at("snippet").as_string())});
    }
    return hits;
  }

  std::set<std::int64_t> seqs(const std::optional<std::vector<Hit>>& hits) {
    std::set<std::int64_t> out;
    if (hits)
      for (const auto& h : *hits) out.insert(h.seq);
    return out;
  }

  // Waits until `q` finds something for `user` (the index is fed from the
  // log, so it lags the ack a little).
  bool searchable(int g, const std::string& user, const std::string& q,
                  std::chrono::milliseconds within = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      auto hits = search(g, user, q);
      if (hits && !hits->empty()) return true;
      run_until(
          io_, [] { return false; }, 100ms);  // let clients' I/O run between polls
    }
    return false;
  }

  // Sends and waits for the ack.
  client::Ack send_acked(client::Client& c, const std::string& user, const std::string& conv,
                         const std::string& text) {
    const std::size_t before = record(user).acks.size();
    c.send(conv, text);
    EXPECT_TRUE(run_until(
        io_, [&] { return record(user).acks.size() > before; }, 15s));
    return record(user).acks.size() > before ? record(user).acks.back() : client::Ack{};
  }

  // Registers a UnifiedPush device for user (through gateway g).
  void register_device(int g, const std::string& user, const std::string& endpoint) {
    json::object body{{"platform", "unifiedpush"}, {"endpoint", endpoint}};
    auto r = call(g, http::verb::post, "/api/devices", user, json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::filesystem::path dir_;
  std::string nats_dir_, nats_url_, config_;
  std::map<std::string, std::unique_ptr<ChildProcess>> workers_;
};

TEST_F(ClusterWorkers, SearchWorkerIndexesSendsEditsAndDeletesForMembersOnly) {
  start_worker("search");
  const std::string team = create_group(0, "ann", {"ben"});
  const std::string other = create_group(1, "cat", {"dan"});
  auto& ann = make_client("ann", 0);
  auto& cat = make_client("cat", 2);
  ASSERT_TRUE(wait_live(ann));
  ASSERT_TRUE(wait_live(cat));
  std::vector<std::string> oks;
  std::vector<client::ClientError> errors;
  ann.on_ok([&](const std::string& req) { oks.push_back(req); });
  ann.on_error([&](const client::ClientError& e) { errors.push_back(e); });

  auto kept = send_acked(ann, "ann", team, "apple zebra");
  auto edited = send_acked(ann, "ann", team, "banana zebra");
  auto deleted = send_acked(ann, "ann", team, "cherry zebra");
  auto secret = send_acked(cat, "cat", other, "zebra secret");
  auto edit = ann.edit(team, edited.message_id, "banana giraffe");
  auto del = ann.delete_message(team, deleted.message_id);
  ASSERT_TRUE(edit.ok() && del.ok());
  ASSERT_TRUE(run_until(
      io_, [&] { return oks.size() == 2 || !errors.empty(); }, 15s));
  ASSERT_TRUE(errors.empty()) << errors[0].error.message;
  // A last message in each conversation: once it is found, every event
  // before it in its conversation has been indexed (the log keeps
  // per-conversation order and the worker handles events in order).
  send_acked(ann, "ann", team, "teamdone");
  send_acked(cat, "cat", other, "otherdone");
  ASSERT_TRUE(searchable(1, "ben", "teamdone")) << "the search worker indexed nothing";
  ASSERT_TRUE(searchable(1, "dan", "otherdone"));

  // The sent text, as edited; the deleted message never.
  EXPECT_EQ(seqs(search(1, "ben", "zebra")), std::set<std::int64_t>{kept.seq});
  EXPECT_EQ(seqs(search(2, "ben", "banana")), std::set<std::int64_t>{edited.seq});
  auto giraffe = search(0, "ben", "giraffe");
  ASSERT_TRUE(giraffe && giraffe->size() == 1u);
  EXPECT_EQ((*giraffe)[0].conversation_id, team);
  EXPECT_EQ((*giraffe)[0].seq, edited.seq);
  EXPECT_NE((*giraffe)[0].snippet.find("<mark>giraffe</mark>"), std::string::npos)
      << (*giraffe)[0].snippet;
  EXPECT_EQ(seqs(search(1, "ben", "cherry")), std::set<std::int64_t>{});
  EXPECT_EQ(seqs(search(1, "ann", "cherry")), std::set<std::int64_t>{})
      << "not even for its sender";

  // Membership: each finds only their own conversations' messages.
  auto dan_zebra = search(2, "dan", "zebra");
  ASSERT_TRUE(dan_zebra && dan_zebra->size() == 1u);
  EXPECT_EQ((*dan_zebra)[0].conversation_id, other);
  EXPECT_EQ((*dan_zebra)[0].seq, secret.seq);
  EXPECT_EQ(seqs(search(0, "ben", "secret")), std::set<std::int64_t>{});
  EXPECT_EQ(seqs(search(0, "eve", "zebra")), std::set<std::int64_t>{});
  EXPECT_EQ(call(0, http::verb::get, "/api/search?q=zebra&conversation_id=" + other, "ben").status,
            403);

  // A durable consumer: stopped, it resumes where it left off.
  stop_worker("search");
  send_acked(ann, "ann", team, "after restart kiwi");
  start_worker("search");
  EXPECT_TRUE(searchable(0, "ben", "kiwi"));
}

TEST_F(ClusterWorkers, PushWorkerPushesOfflineMembersCollapsedAndHonoursMutes) {
  FakePushServer fake;
  const std::string team = create_group(0, "ann", {"ben", "cat", "dan"});
  const std::string pair = create_group(1, "cat", {"ben"});
  // ben and cat are offline with a device each; cat muted the team; dan is
  // online (a device too, but nothing should reach it).
  register_device(0, "ben", fake.url("/up/ben"));
  register_device(1, "cat", fake.url("/up/cat"));
  register_device(2, "dan", fake.url("/up/dan"));
  ASSERT_EQ(call(2, http::verb::put, "/api/conversations/" + team + "/mute", "cat").status, 200);
  auto& ann = make_client("ann", 0);
  auto& dan = make_client("dan", 2);
  ASSERT_TRUE(wait_live(ann));
  ASSERT_TRUE(wait_live(dan));
  start_worker("push");

  // A burst in the team: ben hears at once of the newest team message the
  // worker has seen (the first, or a later one when it took several in one
  // fetched batch) and, when the collapse window ends, of the last if that
  // was not it; a message elsewhere is a push of its own.
  auto first = send_acked(ann, "ann", team, "one");
  send_acked(ann, "ann", team, "two");
  auto last = send_acked(ann, "ann", team, "three");
  // cat, never connected, sends over REST.
  std::optional<Result<client::Message>> direct;
  client::RestClient rest(io_, "127.0.0.1", gateway(1).port(), [t = token("cat")] { return t; });
  rest.post_message(pair, "cat-1", "psst",
                    [&](Result<client::Message> m) { direct = std::move(m); });
  ASSERT_TRUE(run_until(
      io_, [&] { return direct.has_value(); }, 15s));
  ASSERT_TRUE(direct->ok()) << direct->error().message;
  ASSERT_NE(last.seq, 0);

  auto got = fake.wait_for(2, 20s);
  ASSERT_GE(got.size(), 2u) << "pushes that reached the fake push service";
  // A collapsed push leaves when the window ends; nothing comes after it.
  got = fake.wait_for(4, std::chrono::milliseconds(kCollapseMs + 1000));
  ASSERT_LE(got.size(), 3u);

  std::vector<json::object> team_pushes, pair_pushes;
  for (const RecordedRequest& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/up/ben") << "only ben is offline, unmuted and not the sender";
    EXPECT_TRUE(r.header("content-type").starts_with("application/json"));
    EXPECT_FALSE(r.header("topic").empty()) << "a collapse key per conversation";
    auto payload = json::parse(r.body).as_object();
    EXPECT_EQ(r.body.find("three"), std::string::npos) << "no content by default";
    (payload.at("conversation_id").as_string() == team ? team_pushes : pair_pushes)
        .push_back(payload);
  }
  ASSERT_GE(team_pushes.size(), 1u);
  ASSERT_LE(team_pushes.size(), 2u) << "at most one push at once and one when the window ends";
  EXPECT_EQ(team_pushes.back().at("seq").as_int64(), last.seq) << "the latest wins";
  EXPECT_EQ(team_pushes.back().at("sender_id").as_string(), "ann");
  if (team_pushes.size() == 2) {
    EXPECT_GE(team_pushes[0].at("seq").as_int64(), first.seq);
    EXPECT_LT(team_pushes[0].at("seq").as_int64(), last.seq);
  }
  ASSERT_EQ(pair_pushes.size(), 1u);
  EXPECT_EQ(pair_pushes[0].at("seq").as_int64(), (*direct)->seq);
  EXPECT_EQ(pair_pushes[0].at("sender_id").as_string(), "cat");
}

TEST_F(ClusterWorkers, WebPushFromTheWorkerIsSignedWithTheKeyEveryGatewayHandsOut) {
  FakePushServer fake;
  const std::string team = create_group(0, "ann", {"eve"});
  std::set<std::string> keys;
  for (int g = 0; g < kGateways; ++g) {
    auto r = call(g, http::verb::get, "/api/push/vapid", "eve");
    ASSERT_EQ(r.status, 200) << r.body;
    keys.insert(std::string(json::parse(r.body).at("public_key").as_string()));
  }
  ASSERT_EQ(keys.size(), 1u) << "every gateway hands browsers the same VAPID key";
  auto vapid = auth::base64url_decode(*keys.begin());
  ASSERT_TRUE(vapid);

  // eve's browser subscribes (through gateway 1) and goes offline.
  auto ua = push::EcKey::generate();
  ASSERT_TRUE(ua.ok());
  const std::string auth_secret = push::random_bytes(16);
  json::object body{{"platform", "webpush"},
                    {"endpoint", fake.url("/wp/eve")},
                    {"keys",
                     {{"p256dh", auth::base64url_encode(ua->public_point())},
                      {"auth", auth::base64url_encode(auth_secret)}}}};
  ASSERT_EQ(call(1, http::verb::post, "/api/devices", "eve", json::serialize(body)).status, 201);
  auto& ann = make_client("ann", 2);
  ASSERT_TRUE(wait_live(ann));
  start_worker("push");
  auto ack = send_acked(ann, "ann", team, "the plans are in the drawer");

  auto got = fake.wait_for(1, 20s);
  ASSERT_EQ(got.size(), 1u) << "no Web Push reached eve's push service";
  const RecordedRequest& req = got[0];
  EXPECT_EQ(req.target, "/wp/eve");
  EXPECT_EQ(req.header("content-encoding"), "aes128gcm");
  // What a push service checks: the JWT verifies with the key in k=, and
  // that key is the one the browser subscribed with.
  const std::string authz = req.header("authorization");
  const auto comma = authz.find(", k=");
  ASSERT_TRUE(authz.starts_with("vapid t=") && comma != std::string::npos) << authz;
  EXPECT_EQ(auth::base64url_decode(authz.substr(comma + 4)), vapid);
  auto signer = push::EcKey::from_public(*vapid);
  ASSERT_TRUE(signer.ok());
  EXPECT_TRUE(push::verify_jwt_es256(*signer, authz.substr(8, comma - 8)).ok());
  auto plain = push::webpush_decrypt(req.body, *ua, auth_secret);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  auto payload = json::parse(*plain).as_object();
  EXPECT_EQ(payload.at("conversation_id").as_string(), team);
  EXPECT_EQ(payload.at("seq").as_int64(), ack.seq);
  EXPECT_EQ(plain->find("drawer"), std::string::npos) << "no content by default";
}

}  // namespace
}  // namespace parley::cluster_test
