// GET /api/search on the real binary: sent, edited and deleted messages as
// the index (fed from the event log) reflects them, membership, validation,
// paging. The index lags the store by the log's delivery, so each check
// polls the route until its condition holds or a deadline passes.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <thread>

#include "support.h"

namespace bb {
namespace {

class SearchTest : public BlackboxTest {
 protected:
  HttpResponse search(const std::string& user, const std::string& query) {
    return http().get("/api/search?" + query, token(user));
  }

  static std::string q(const std::string& text) { return "q=" + url_encode(text); }

  static const json::array& results(const HttpResponse& r) {
    static const json::array empty;
    if (!r.json || !r.json->is_object()) return empty;
    auto* v = r.json->as_object().if_contains("results");
    return v && v->is_array() ? v->as_array() : empty;
  }

  // Polls the search until `done` holds for a 200 answer; fails after 10 s.
  HttpResponse eventually(const std::string& user, const std::string& query,
                          const std::function<bool(const json::array&)>& done,
                          const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    HttpResponse r;
    for (;;) {
      r = search(user, query);
      if (r.status == 200 && done(results(r))) return r;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << what << ": still " << r.status << " " << r.body;
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a sync
    }
  }

  static std::function<bool(const json::array&)> count_is(std::size_t n) {
    return [n](const json::array& a) { return a.size() == n; };
  }

  void expect_error(const HttpResponse& r, int status, const std::string& code,
                    const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body << r.error;
    EXPECT_EQ(r.error_code(), code) << what << ": " << r.body;
  }
};

TEST_F(SearchTest, SentEditedAndDeletedMessagesAreReflected) {
  std::string conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  auto ack = send_message(*ws, conv, "the quarterly <roadmap> draft & notes");
  send_message(*ws, conv, "lunch anyone?");
  std::string mid = str(ack, "message_id");

  auto r = eventually("bob", q("Roadmap"), count_is(1), "the sent message is found");
  ASSERT_EQ(results(r).size(), 1u);
  const auto& hit = results(r)[0].as_object();
  EXPECT_EQ(str(hit, "conversation_id"), conv);
  EXPECT_EQ(num(hit, "seq"), num(ack, "seq"));
  EXPECT_EQ(str(hit, "message_id"), mid);
  EXPECT_EQ(str(hit, "snippet"), "the quarterly &lt;<mark>roadmap</mark>&gt; draft &amp; notes");
  EXPECT_TRUE(r.json->as_object().at("next_cursor").is_null()) << r.body;

  request(*ws, {{"type", "edit"},
                {"conversation_id", conv},
                {"message_id", mid},
                {"content", "the final plan"}});
  eventually("bob", q("plan"), count_is(1), "the edit is found");
  EXPECT_EQ(results(search("bob", q("roadmap"))).size(), 0u) << "the old text is still found";

  request(*ws, {{"type", "delete"}, {"conversation_id", conv}, {"message_id", mid}});
  eventually("bob", q("plan"), count_is(0), "the deleted message is not found");
  eventually("alice", q("lunch"), count_is(1), "the other message is still found");
}

// docs/protocol.md: a deleted message's content is erased from storage. Not
// only from the store: the event log keeps a week of events, and the search
// index keeps the words. Once the index has seen the delete (the last
// consumer of the log), a clean stop leaves the text in no file of the data
// directory.
TEST_F(SearchTest, ADeletedMessagesTextIsInNoFileOfTheDataDirectory) {
  const std::string secret = "zanzibarquokka";
  std::string conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  auto ack = send_message(*ws, conv, "the code word is " + secret);
  send_message(*ws, conv, "lunch anyone?");
  eventually("bob", q(secret), count_is(1), "the sent message is found");
  request(*ws,
          {{"type", "delete"}, {"conversation_id", conv}, {"message_id", str(ack, "message_id")}},
          "ok");
  eventually("bob", q(secret), count_is(0), "the deleted message is gone from the index");
  ws.reset();
  ASSERT_EQ(server().stop(), 0) << "SIGTERM exit status";

  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server().data_dir())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "the deleted text is in " << entry.path();
  }
  EXPECT_GE(files, 3) << "expected the store, the event log and the search index";
}

TEST_F(SearchTest, OnlyMembersFindAConversationsMessages) {
  std::string conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  send_message(*ws, conv, "the secret launch date");
  eventually("bob", q("launch"), count_is(1), "a member finds it");

  auto carol = search("carol", q("launch"));
  EXPECT_EQ(carol.status, 200) << carol.body;
  EXPECT_EQ(results(carol).size(), 0u) << "a non-member found it: " << carol.body;
  expect_error(search("carol", q("launch") + "&conversation_id=" + conv), 403, "not_member",
               "a non-member narrows to the conversation");
  expect_error(search("bob", q("launch") + "&conversation_id=c_nope"), 404, "not_found",
               "an unknown conversation");
  auto narrowed = search("bob", q("launch") + "&conversation_id=" + conv);
  EXPECT_EQ(results(narrowed).size(), 1u) << narrowed.body;

  // Removed: nothing from the next query on, although the index still has it.
  auto removed = http().del("/api/conversations/" + conv + "/members/bob", token("alice"));
  ASSERT_EQ(removed.status, 204) << removed.body;
  auto after = search("bob", q("launch"));
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(results(after).size(), 0u) << "a removed member still finds it: " << after.body;
  expect_error(search("bob", q("launch") + "&conversation_id=" + conv), 403, "not_member",
               "a removed member narrows to the conversation");
}

TEST_F(SearchTest, PagesWithTheCursor) {
  std::string conv = create_group("alice", {"bob"});
  auto ws = connect("alice");
  for (int i = 0; i < 5; ++i) send_message(*ws, conv, "alpha number " + std::to_string(i));
  eventually("alice", q("alpha"), count_is(5), "all five are indexed");

  std::set<std::int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r = search(
        "alice", q("alpha") + "&limit=2" + (cursor.empty() ? "" : "&cursor=" + url_encode(cursor)));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_LE(results(r).size(), 2u);
    for (const auto& h : results(r)) seen.insert(*num(h.as_object(), "seq"));
    const auto& next = r.json->as_object().at("next_cursor");
    cursor = next.is_string() ? std::string(next.as_string()) : "";
    ASSERT_LT(++pages, 5) << "paging does not end";
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::set<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(SearchTest, InvalidRequestsAreRefused) {
  expect_error(search("alice", ""), 400, "bad_request", "no q");
  expect_error(search("alice", "q="), 400, "bad_request", "empty q");
  expect_error(search("alice", q(std::string(257, 'a'))), 400, "bad_request", "q too long");
  expect_error(search("alice", "q=%FF%FE"), 400, "bad_request", "q not UTF-8");
  expect_error(search("alice", q("x") + "&limit=0"), 400, "bad_request", "limit 0");
  expect_error(search("alice", q("x") + "&limit=101"), 400, "bad_request", "limit 101");
  expect_error(search("alice", q("x") + "&limit=ten"), 400, "bad_request", "limit not a number");
  expect_error(search("alice", q("x") + "&cursor=garbage"), 400, "bad_request", "bad cursor");
  expect_error(http().get("/api/search?" + q("x")), 401, "unauthorized", "no token");
  auto post = http().post("/api/search?" + q("x"), token("alice"), json::object{});
  EXPECT_EQ(post.status, 405) << post.body;
  // Search syntax is plain text: no error, nothing found.
  auto syntax = search("alice", q("content:x* NEAR(a b) \"' OR -y ^z"));
  EXPECT_EQ(syntax.status, 200) << syntax.body;
  EXPECT_EQ(results(syntax).size(), 0u);
}

}  // namespace
}  // namespace bb
