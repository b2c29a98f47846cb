#pragma once
// The text handling both backends share, so they cannot drift apart: the
// words of a query and how each engine is asked for them (always quoted, so
// no query syntax of the engine reaches it from a user), what content is
// indexed, and how a backend's raw snippet becomes the safe one clients get.
#include <string>
#include <string_view>
#include <vector>

namespace parley::search {

// Highlight markers the engines put around matches (U+E000, U+E001: private
// use, removed from content before indexing so no message can forge them).
// render_snippet turns them into <mark> tags after escaping the text.
inline constexpr std::string_view kMarkOpen = "\xEE\x80\x80";
inline constexpr std::string_view kMarkClose = "\xEE\x80\x81";
inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …

// PostgreSQL's parser takes "<b>" for an HTML tag, and ts_headline drops
// tags from its output. So the headline is asked of the content with each
// '<' as this byte (a separator to the parser, never in indexed content),
// and render_snippet turns it back into "&lt;".
inline constexpr char kLessThanGuard = '\x01';

// The words of q: maximal runs of ASCII letters and digits and of non-ASCII
// bytes (so every script stays searchable; the engines' tokenizers split them
// further). ASCII punctuation and spaces separate words and are never passed
// on. At most kMaxQueryWords words; later ones are dropped.
std::vector<std::string> query_words(std::string_view q);

// An FTS5 MATCH expression: each word a quoted string ("word"), ORed, so
// FTS5 operators, column filters and prefixes in q are plain text.
std::string fts5_match(const std::vector<std::string>& words);

// to_tsquery() input: each word a quoted lexeme ('word'), ORed with |.
std::string tsquery_text(const std::vector<std::string>& words);

// Content as it is indexed: the marker characters become U+FFFD, NUL (which
// PostgreSQL text cannot hold) and kLessThanGuard a space.
std::string indexable_content(std::string_view content);

// A backend's snippet (raw text with kMarkOpen/kMarkClose) as clients get it:
// HTML-escaped, markers as <mark>...</mark>, always balanced;
// kLessThanGuard as "&lt;".
std::string render_snippet(std::string_view raw);

// True for well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

}  // namespace parley::search
