#include "search/search_text.h"

#include <gtest/gtest.h>

#include "search/search_cursor.h"
#include "search/search_index.h"

namespace parley::search {
namespace {

using Words = std::vector<std::string>;

TEST(QueryWords, SplitsOnAsciiPunctuationAndSpaces) {
  EXPECT_EQ(query_words("  hello, world!  "), (Words{"hello", "world"}));
  EXPECT_EQ(query_words("content:fox* \"a b\" NEAR(x)"),
            (Words{"content", "fox", "a", "b", "NEAR", "x"}));
  EXPECT_EQ(query_words("café 東京"), (Words{"café", "東京"}));
  EXPECT_EQ(query_words("\"'()*:^-+{}\\"), Words{});
  EXPECT_EQ(query_words(""), Words{});
}

TEST(QueryWords, KeepsAtMostTheLimit) {
  std::string q;
  for (std::size_t i = 0; i < kMaxQueryWords + 5; ++i) {
    q += 'w';
    q += std::to_string(i);
    q += ' ';
  }
  auto words = query_words(q);
  ASSERT_EQ(words.size(), kMaxQueryWords);
  EXPECT_EQ(words.front(), "w0");
}

TEST(EngineQueries, QuoteEveryWord) {
  EXPECT_EQ(fts5_match({"a", "OR", "b"}), "\"a\" OR \"OR\" OR \"b\"");
  EXPECT_EQ(tsquery_text({"a", "b"}), "'a' | 'b'");
}

TEST(RenderSnippet, EscapesAndBalancesMarks) {
  const std::string open(kMarkOpen), close(kMarkClose);
  EXPECT_EQ(render_snippet("a " + open + "b" + close + " <c>&"), "a <mark>b</mark> &lt;c&gt;&amp;");
  EXPECT_EQ(render_snippet(open + "x"), "<mark>x</mark>");
  EXPECT_EQ(render_snippet(std::string(1, kLessThanGuard) + "b>"), "&lt;b&gt;");
  EXPECT_EQ(render_snippet(close + "x" + open + open + "y" + close + close), "x<mark>y</mark>");
}

TEST(IndexableContent, RemovesMarkersAndNul) {
  const std::string open(kMarkOpen), close(kMarkClose);
  EXPECT_EQ(indexable_content("a" + open + "b" + close + std::string(1, '\0') + "c" +
                              std::string(1, kLessThanGuard)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD c ");
}

TEST(ValidUtf8, AcceptsWellFormedOnly) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("café 東京 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(SearchCursor, RoundTrips) {
  Cursor c{123456789012, 42, "c_abc.def"};
  auto back = decode_cursor(encode_cursor(c));
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->score, c.score);
  EXPECT_EQ((*back)->seq, 42);
  EXPECT_EQ((*back)->conversation_id, "c_abc.def");
  auto none = decode_cursor("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (const char* bad : {"1", "1.2", "x.2.c", "1.x.c", "1.0.c", "1.2."}) {
    EXPECT_FALSE(decode_cursor(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace parley::search
