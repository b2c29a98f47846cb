// The SearchIndex contract (search_index.h), checked against both backends.
// The PostgreSQL instance needs a server (PARLEY_PG_URLS) and skips without
// one; each of its tests works in a scratch schema of its own.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "search/postgres/pg_search_index.h"
#include "search/search_index.h"
#include "search/search_test_events.h"
#include "search/search_text.h"
#include "search/sqlite/sqlite_search_index.h"
#include "store/postgres/pg_test_support.h"
#include "store/store_test_support.h"

namespace parley::search {
namespace {

using namespace store::test_support;
using test_support::message_event;
using Scratch = std::shared_ptr<void>;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<SearchIndex>(Scratch&)> make;
  // unicode61 remove_diacritics folds accents; PostgreSQL's 'simple'
  // configuration does not (README.md, "Where the backends differ").
  bool folds_diacritics = false;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

template <class T>
std::unique_ptr<SearchIndex> opened(Result<std::unique_ptr<T>> index) {
  if (!index) {
    ADD_FAILURE() << "open: " << index.error().message;
    return nullptr;
  }
  return std::move(index).value();
}

std::unique_ptr<SearchIndex> open_sqlite(Scratch& scratch) {
  auto file = std::make_shared<TempDbFile>();
  scratch = file;
  return opened(SqliteSearchIndex::open(file->path().string()));
}

std::unique_ptr<SearchIndex> open_postgres(Scratch& scratch) {
  auto urls = pg_urls();
  urls.resize(1);
  auto schema = std::make_shared<ScratchSchema>(urls);
  scratch = schema;
  return opened(PgSearchIndex::open(schema->url(0)));
}

class SearchConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().name.find("Postgres") != std::string::npos && pg_urls().empty())
      GTEST_SKIP() << kNoPostgres;
    index_ = GetParam().make(scratch_);
    ASSERT_NE(index_, nullptr);
  }

  void created(const std::string& conv, std::int64_t seq, const std::string& content) {
    must(index_->index(message_event(eventlog::kMessageCreated, conv, seq, 1, content)));
  }
  void edited(const std::string& conv, std::int64_t seq, std::int64_t version,
              const std::string& content) {
    must(index_->index(message_event(eventlog::kMessageEdited, conv, seq, version, content)));
  }
  void deleted(const std::string& conv, std::int64_t seq, std::int64_t version) {
    must(index_->index(message_event(eventlog::kMessageDeleted, conv, seq, version, "", true)));
  }

  SearchPage page(const std::string& q, std::vector<std::string> convs = {"c1"}, int limit = 20,
                  const std::string& cursor = {}) {
    return must(index_->search(SearchQuery{std::move(convs), q, limit, cursor}));
  }
  // "conv/seq" of each hit, in order.
  std::vector<std::string> hits(const std::string& q, std::vector<std::string> convs = {"c1"}) {
    std::vector<std::string> out;
    for (const auto& h : page(q, std::move(convs)).results)
      out.push_back(h.conversation_id + "/" + std::to_string(h.seq));
    return out;
  }

  Scratch scratch_;  // outlives the index
  std::unique_ptr<SearchIndex> index_;
};

using Hits = std::vector<std::string>;

TEST_P(SearchConformance, FindsAWordCaseInsensitively) {
  created("c1", 1, "Hello World");
  created("c1", 2, "goodbye");
  EXPECT_EQ(hits("hello"), Hits{"c1/1"});
  EXPECT_EQ(hits("WORLD"), Hits{"c1/1"});
  EXPECT_EQ(hits("nothing"), Hits{});
  auto p = page("hello");
  ASSERT_EQ(p.results.size(), 1u);
  EXPECT_EQ(p.results[0].message_id, "m_c1_1");
  EXPECT_EQ(p.next_cursor, "");
}

TEST_P(SearchConformance, SearchesOnlyTheGivenConversations) {
  created("c1", 1, "launch plan");
  created("c2", 1, "launch party");
  created("c3", 1, "launch secret");
  EXPECT_EQ(hits("launch", {"c1"}), Hits{"c1/1"});
  std::set<std::string> two;
  for (auto& h : hits("launch", {"c1", "c2"})) two.insert(h);
  EXPECT_EQ(two, (std::set<std::string>{"c1/1", "c2/1"}));
  EXPECT_EQ(hits("launch", {}), Hits{});
  EXPECT_EQ(hits("launch", {"c9"}), Hits{});
}

TEST_P(SearchConformance, MoreMatchingWordsRankFirst) {
  // Filler so neither word is in most messages (FTS5's IDF floors words
  // that are; then every score would be about equal).
  for (int i = 1; i <= 8; ++i) created("c1", i, "unrelated chatter number " + std::to_string(i));
  created("c1", 9, "apple");
  created("c1", 10, "we need apple and banana today");
  created("c1", 11, "banana");
  auto found = hits("apple banana");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0], "c1/10");
  EXPECT_EQ(std::set<std::string>(found.begin() + 1, found.end()),
            (std::set<std::string>{"c1/9", "c1/11"}));
}

TEST_P(SearchConformance, AnEditIsReindexed) {
  created("c1", 1, "meet at noon");
  edited("c1", 1, 2, "meet at midnight");
  EXPECT_EQ(hits("noon"), Hits{});
  EXPECT_EQ(hits("midnight"), Hits{"c1/1"});
}

// Staged in one batch (the embedded consumer's way), in log order: a
// create, its edit, another create, a delete; after the flush the index is
// as if each had been indexed alone.
TEST_P(SearchConformance, AStagedBatchIsIndexedInOrderByTheFlush) {
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 1, 1, "draft words")));
  must(index_->stage(message_event(eventlog::kMessageEdited, "c1", 1, 2, "final words")));
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 2, 1, "other words")));
  must(index_->stage(message_event(eventlog::kMessageDeleted, "c1", 2, 2, "", true)));
  must(index_->flush());
  EXPECT_EQ(hits("draft"), Hits{});
  EXPECT_EQ(hits("words"), Hits{"c1/1"});
  // A malformed event is refused at stage(), not at the flush.
  eventlog::Event bad{"c1/3/v1", eventlog::kMessageCreated, "c1", 3, "{not json"};
  EXPECT_EQ(index_->stage(bad).error().code, Errc::bad_request);
  must(index_->flush());
}

// Out of log order inside one batch (a redelivery), the rules hold as they
// do across batches: a higher version wins, a deleted message stays deleted.
TEST_P(SearchConformance, ABatchKeepsTheNewestVersionAndADeleteWhateverTheirOrder) {
  must(index_->stage(message_event(eventlog::kMessageEdited, "c1", 1, 3, "newest text")));
  must(index_->stage(message_event(eventlog::kMessageEdited, "c1", 1, 2, "older text")));
  must(index_->stage(message_event(eventlog::kMessageDeleted, "c1", 2, 2, "", true)));
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 2, 1, "resurrected text")));
  must(index_->flush());
  EXPECT_EQ(hits("text"), Hits{"c1/1"});
  EXPECT_EQ(hits("older"), Hits{});
  EXPECT_EQ(hits("resurrected"), Hits{});
}

// A batch may travel as arrays (PostgreSQL): text that array syntax would
// read specially arrives as it was written.
TEST_P(SearchConformance, ABatchCarriesAnyTextExactly) {
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 1, 1,
                                   "say \"hi\", {brace,comma} back\\slash NULL")));
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 2, 1, "NULL")));
  must(index_->flush());
  EXPECT_EQ(hits("brace"), Hits{"c1/1"});
  EXPECT_EQ(hits("slash"), Hits{"c1/1"});
  EXPECT_EQ(hits("null").size(), 2u);
}

// What is staged is invisible until the flush writes it (one transaction),
// and a full batch writes itself.
TEST_P(SearchConformance, StagedEventsAreWrittenAtTheFlushOrWhenTheBatchIsFull) {
  must(index_->stage(message_event(eventlog::kMessageCreated, "c1", 1, 1, "staged")));
  EXPECT_EQ(hits("staged"), Hits{});
  must(index_->flush());
  EXPECT_EQ(hits("staged"), Hits{"c1/1"});

  const std::size_t full =
      GetParam().name == "Sqlite" ? SqliteSearchIndex::kMaxStaged : PgSearchIndex::kMaxStaged;
  for (std::size_t i = 0; i < full; ++i) {
    const auto seq = 10 + static_cast<std::int64_t>(i);
    must(index_->stage(message_event(eventlog::kMessageCreated, "c1", seq, 1, "bulk")));
  }
  const auto page = must(index_->search(SearchQuery{{"c1"}, "bulk", 100, {}}));
  EXPECT_EQ(page.results.size(), 100u) << "a full batch is written without a flush (first page)";
}

TEST_P(SearchConformance, ADeletedMessageIsNeverFound) {
  created("c1", 1, "secret plan");
  created("c1", 2, "public plan");
  deleted("c1", 1, 2);
  EXPECT_EQ(hits("secret"), Hits{});
  EXPECT_EQ(hits("plan"), Hits{"c1/2"});
  // Late, older events (redelivered out of order) do not bring it back.
  created("c1", 1, "secret plan");
  edited("c1", 1, 2, "secret plan edited");
  EXPECT_EQ(hits("secret"), Hits{});
  EXPECT_EQ(hits("plan"), Hits{"c1/2"});
}

TEST_P(SearchConformance, ADeleteSeenFirstKeepsTheMessageOut) {
  deleted("c1", 1, 3);
  created("c1", 1, "resurrected text");
  edited("c1", 1, 2, "resurrected text");
  EXPECT_EQ(hits("resurrected"), Hits{});
}

TEST_P(SearchConformance, RedeliveryIsIdempotent) {
  for (int i = 0; i < 3; ++i) created("c1", 1, "echo echo");
  edited("c1", 1, 2, "echo again");
  edited("c1", 1, 2, "echo again");
  EXPECT_EQ(hits("echo"), Hits{"c1/1"});
  EXPECT_EQ(hits("again"), Hits{"c1/1"});
}

TEST_P(SearchConformance, AnOlderVersionAfterANewerOneIsIgnored) {
  edited("c1", 1, 3, "third version");
  edited("c1", 1, 2, "second version");
  created("c1", 1, "first version");
  EXPECT_EQ(hits("third"), Hits{"c1/1"});
  EXPECT_EQ(hits("second"), Hits{});
  EXPECT_EQ(hits("first"), Hits{});
}

TEST_P(SearchConformance, CursorPagesThroughEveryMatchOnce) {
  // Equal scores (same text) and different ones (repeats of the word).
  for (int i = 1; i <= 13; ++i) created("c1", i, "status report");
  for (int i = 14; i <= 25; ++i) created("c2", i - 13, "status status report " + std::to_string(i));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto p = page("status", {"c1", "c2"}, 10, cursor);
    ASSERT_LE(p.results.size(), 10u);
    for (auto& h : p.results) seen.push_back(h.conversation_id + "/" + std::to_string(h.seq));
    cursor = p.next_cursor;
    ASSERT_LT(++pages, 10) << "paging does not end";
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u) << "a hit came twice";
  // Ties in score: newest first.
  auto first = page("report", {"c1"}, 3);
  ASSERT_EQ(first.results.size(), 3u);
  EXPECT_EQ(first.results[0].seq, 13);
  EXPECT_EQ(first.results[1].seq, 12);
  EXPECT_EQ(first.results[2].seq, 11);
}

TEST_P(SearchConformance, AnExactPageHasNoNextCursor) {
  for (int i = 1; i <= 4; ++i) created("c1", i, "ping");
  auto p = page("ping", {"c1"}, 4);
  EXPECT_EQ(p.results.size(), 4u);
  EXPECT_EQ(p.next_cursor, "");
}

TEST_P(SearchConformance, ABadCursorIsBadRequest) {
  created("c1", 1, "ping");
  for (std::string bad : {"x", "1.2", "a.b.c", "1.0.c1", ".."}) {
    auto r = index_->search(SearchQuery{{"c1"}, "ping", 10, bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::bad_request) << bad;
  }
}

TEST_P(SearchConformance, SnippetHighlightsMatchesAndEscapesTheRest) {
  created("c1", 1, "the quick brown fox jumps");
  created("c1", 2, "<b>fox</b> & \"friends\" 'n' co");
  auto p = page("fox");
  ASSERT_EQ(p.results.size(), 2u);
  for (const auto& h : p.results) {
    if (h.seq == 1) {
      EXPECT_EQ(h.snippet, "the quick brown <mark>fox</mark> jumps");
    } else {
      EXPECT_EQ(h.snippet,
                "&lt;b&gt;<mark>fox</mark>&lt;/b&gt; &amp; &quot;friends&quot; &#39;n&#39; co");
    }
  }
}

TEST_P(SearchConformance, ALongMessageGivesAShortSnippetAroundTheMatch) {
  std::string content;
  for (int i = 0; i < 60; ++i) content += "filler" + std::to_string(i) + " ";
  content += "needle";
  for (int i = 0; i < 60; ++i) content += " more" + std::to_string(i);
  created("c1", 1, content);
  auto p = page("needle");
  ASSERT_EQ(p.results.size(), 1u);
  EXPECT_NE(p.results[0].snippet.find("<mark>needle</mark>"), std::string::npos);
  EXPECT_LT(p.results[0].snippet.size(), 300u);
}

TEST_P(SearchConformance, MarkerCharactersInContentCannotForgeHighlights) {
  created("c1", 1, std::string("fox ") + std::string(kMarkOpen) + "fake" + std::string(kMarkClose));
  auto p = page("fox");
  ASSERT_EQ(p.results.size(), 1u);
  EXPECT_EQ(p.results[0].snippet.find("<mark>fake"), std::string::npos) << p.results[0].snippet;
}

TEST_P(SearchConformance, QuerySyntaxInQIsPlainText) {
  created("c1", 1, "the fox said content");
  const char* queries[] = {
      "\"",
      "fox\"",
      "NEAR(fox said)",
      "content:fox",
      "fox*",
      "fox AND",
      "OR",
      "NOT fox",
      "^fox",
      "-fox",
      "{fox}",
      "fox & !said | (",
      "'; DROP TABLE messages; --",
      "\\",
      ":*",
      "fox:*",
      "()",
      "'",
      "fox'said",
      "+fox",
      "fox <-> said",
      "*",
      "\"\"\"",
  };
  for (const char* q : queries) {
    auto r = index_->search(SearchQuery{{"c1"}, q, 10, ""});
    ASSERT_TRUE(r.ok()) << q << ": " << r.error().message;
  }
  EXPECT_EQ(hits("content:fox"), Hits{"c1/1"});  // the words content and fox
  EXPECT_EQ(hits("NEAR(fox said)"), Hits{"c1/1"});
  EXPECT_EQ(hits("OR"), Hits{});      // the word "or", not an operator
  EXPECT_EQ(hits("\"()\""), Hits{});  // no words at all
  // The index still works afterwards.
  created("c1", 2, "another fox");
  EXPECT_EQ(hits("fox").size(), 2u);
}

TEST_P(SearchConformance, NonAsciiWordsAreFound) {
  created("c1", 1, "привет мир");
  created("c1", 2, "東京 meeting");
  EXPECT_EQ(hits("мир"), Hits{"c1/1"});
  EXPECT_EQ(hits("東京"), Hits{"c1/2"});
}

TEST_P(SearchConformance, DiacriticsAreFoldedWhereTheBackendDoes) {
  if (!GetParam().folds_diacritics) GTEST_SKIP() << GetParam().name << " keeps diacritics";
  created("c1", 1, "Café crème");
  EXPECT_EQ(hits("cafe"), Hits{"c1/1"});
  EXPECT_EQ(hits("CRÈME"), Hits{"c1/1"});
}

TEST_P(SearchConformance, OtherEventsAreIgnoredAndMalformedOnesRefused) {
  must(index_->index(
      eventlog::Event{"c1/r/bob/r/1", eventlog::kReceipt, "c1", 1,
                      R"({"conversation_id":"c1","user_id":"bob","read":true,"seq":1})"}));
  for (std::string body : {"not json", "[]", R"({"seq":1,"message_id":"m","content":"x"})",
                           R"({"conversation_id":"c1","message_id":"m","content":"x"})",
                           R"({"conversation_id":"c1","seq":1,"content":"x"})",
                           R"({"conversation_id":"c1","seq":1,"message_id":"m"})",
                           R"({"conversation_id":"c2","seq":1,"message_id":"m","content":"x"})"}) {
    auto r = index_->index(eventlog::Event{"e", eventlog::kMessageCreated, "c1", 1, body});
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, Errc::bad_request) << body;
  }
  EXPECT_EQ(hits("x"), Hits{});
}

INSTANTIATE_TEST_SUITE_P(Backends, SearchConformance,
                         ::testing::Values(Backend{"Sqlite", open_sqlite, true},
                                           Backend{"Postgres", open_postgres, false}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace parley::search
