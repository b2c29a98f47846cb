// SearchRoutes over a real ChatService (memory store) and a fake index that
// records what it was asked: scope (membership now), validation, the answer's
// shape. Ranking and matching are the index's, tested in the conformance suite.
#include "search/search_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <optional>
#include <set>

#include "auth/hs256.h"
#include "bus/local/local_bus.h"
#include "presence/local/local_presence.h"
#include "service/service_test_support.h"
#include "store/memory/memory_store.h"

namespace parley::search {
namespace {

namespace json = boost::json;

class FakeIndex final : public SearchIndex {
 public:
  Status index(const eventlog::Event&) override { return ok_status(); }
  Result<SearchPage> search(const SearchQuery& query) override {
    asked = query;
    if (fail) return *fail;
    return answer;
  }
  std::optional<SearchQuery> asked;
  SearchPage answer;
  std::optional<Error> fail;
};

class SearchRoutesTest : public ::testing::Test {
 protected:
  SearchRoutesTest()
      : committer_(store_, ioc_.get_executor(), {}),
        verifier_("test-secret"),
        chat_(ioc_.get_executor(), {store_, bus_, presence_, committer_, verifier_}, {}),
        routes_(chat_, index_) {}

  std::string group(const std::string& owner, std::vector<std::string> members) {
    auto c = service::test_support::answer_of<service::ChatService::Created>(
        ioc_, [&](auto reply) {
          chat_.create_conversation(owner, "group", "g", std::move(members), std::move(reply));
        });
    EXPECT_TRUE(c.ok());
    return c ? c->conversation.id : std::string();
  }

  // Whether the module took the request, and its answer.
  struct Answer {
    bool handled = false;
    gateway::HttpResponse response;
    json::value body() const { return json::parse(response.body); }
    std::string code() const { return std::string(body().at("error").at("code").as_string()); }
  };
  Answer call(const std::string& user, const std::string& target,
              const std::string& method = "GET") {
    gateway::HttpRequest req;
    req.method = method;
    req.target = target;
    auto parsed = parse_target(target);
    EXPECT_TRUE(parsed.has_value());
    Answer a;
    int responses = 0;
    a.handled =
        routes_.handle(api::AuthedRequest{user, req, *parsed}, [&](gateway::HttpResponse r) {
          a.response = std::move(r);
          ++responses;
        });
    EXPECT_EQ(responses, a.handled ? 1 : 0) << target;
    return a;
  }

  boost::asio::io_context ioc_;
  store::MemoryStore store_;
  bus::LocalBus bus_;
  presence::LocalPresence presence_;
  service::GroupCommitter committer_;
  auth::Hs256Verifier verifier_;
  service::ChatService chat_;
  FakeIndex index_;
  SearchRoutes routes_;
};

TEST_F(SearchRoutesTest, LeavesOtherPathsAlone) {
  EXPECT_FALSE(call("alice", "/api/conversations").handled);
  EXPECT_FALSE(call("alice", "/api/search/x?q=a").handled);
  EXPECT_FALSE(index_.asked);
}

TEST_F(SearchRoutesTest, SearchesAllOfTheCallersConversationsNow) {
  auto a = group("alice", {"bob"});
  auto b = group("carol", {"alice"});
  group("carol", {"dave"});  // not alice's
  index_.answer.results.push_back({a, 7, "m_1", "a <mark>b</mark> &amp; c"});
  index_.answer.next_cursor = "5.7." + a;
  auto r = call("alice", "/api/search?q=hello%20world&limit=5&cursor=9.9.c_x");
  ASSERT_TRUE(r.handled);
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  ASSERT_TRUE(index_.asked);
  EXPECT_EQ(index_.asked->q, "hello world");
  EXPECT_EQ(index_.asked->limit, 5);
  EXPECT_EQ(index_.asked->cursor, "9.9.c_x");
  auto ids = index_.asked->conversation_ids;
  std::sort(ids.begin(), ids.end());
  auto want = std::vector<std::string>{a, b};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);
  EXPECT_EQ(r.body(),
            json::parse(R"({"results":[{"conversation_id":")" + a +
                        R"(","seq":7,"message_id":"m_1","snippet":"a <mark>b</mark> &amp; c"}],)"
                        R"("next_cursor":"5.7.)" +
                        a + R"("})"));

  // Removed from a: no longer searched there.
  ASSERT_TRUE(service::test_support::answer_of<Unit>(ioc_, [&](auto reply) {
                chat_.remove_member("alice", a, "alice", std::move(reply));
              }).ok());
  ASSERT_EQ(call("alice", "/api/search?q=x").response.status, 200);
  EXPECT_EQ(index_.asked->conversation_ids, std::vector<std::string>{b});
}

TEST_F(SearchRoutesTest, ScopeCoversMoreConversationsThanOneStorePage) {
  std::set<std::string> all;
  for (int i = 0; i < 1203; ++i) all.insert(group("alice", {}));
  ASSERT_EQ(call("alice", "/api/search?q=x").response.status, 200);
  auto& ids = index_.asked->conversation_ids;
  EXPECT_EQ(ids.size(), all.size());
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), all);
}

TEST_F(SearchRoutesTest, NoConversationsIsAnEmptyScope) {
  auto r = call("zoe", "/api/search?q=x");
  EXPECT_EQ(r.response.status, 200);
  EXPECT_TRUE(index_.asked->conversation_ids.empty());
  EXPECT_EQ(r.body(), json::parse(R"({"results":[],"next_cursor":null})"));
}

TEST_F(SearchRoutesTest, ConversationIdNarrowsForMembersOnly) {
  auto a = group("alice", {"bob"});
  group("alice", {});
  auto r = call("bob", "/api/search?q=x&conversation_id=" + a);
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(index_.asked->conversation_ids, std::vector<std::string>{a});

  index_.asked.reset();
  r = call("carol", "/api/search?q=x&conversation_id=" + a);
  EXPECT_EQ(r.response.status, 403);
  EXPECT_EQ(r.code(), "not_member");
  r = call("bob", "/api/search?q=x&conversation_id=c_nope");
  EXPECT_EQ(r.response.status, 404);
  EXPECT_EQ(r.code(), "not_found");
  EXPECT_FALSE(index_.asked) << "the index was asked for a conversation the caller may not see";
}

TEST_F(SearchRoutesTest, RefusesBadRequests) {
  for (const std::string& target :
       std::vector<std::string>{"/api/search", "/api/search?q=", "/api/search?q=x&limit=0",
                                "/api/search?q=x&limit=101", "/api/search?q=x&limit=abc",
                                "/api/search?q=%FF", "/api/search?q=" + std::string(257, 'a'),
                                "/api/search?q=x&cursor=" + std::string(400, '1')}) {
    auto r = call("alice", target);
    EXPECT_EQ(r.response.status, 400) << target;
    EXPECT_EQ(r.code(), "bad_request") << target;
  }
  EXPECT_EQ(call("alice", "/api/search?q=" + std::string(256, 'a')).response.status, 200);
  auto post = call("alice", "/api/search?q=x", "POST");
  EXPECT_EQ(post.response.status, 405);
}

TEST_F(SearchRoutesTest, PassesTheIndexsErrorsOn) {
  index_.fail = make_error(Errc::bad_request, "bad cursor");
  auto r = call("alice", "/api/search?q=x&cursor=zzz");
  EXPECT_EQ(r.response.status, 400);
  EXPECT_EQ(r.code(), "bad_request");
  index_.fail = make_error(Errc::unavailable, "down");
  EXPECT_EQ(call("alice", "/api/search?q=x").response.status, 503);
}

}  // namespace
}  // namespace parley::search
