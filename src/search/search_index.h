#pragma once
// Full-text search over messages. Fed only from the event log
// (eventlog/event_log.h), never from the send path: the index lags the store
// by the log's delivery delay and is rebuilt by replaying the log.
//
// Delivery is at-least-once and may repeat an old event after a newer one, so
// index() is idempotent and versioned: a message is kept at the highest
// `version` seen, an older or equal version changes nothing, and once a
// message is seen deleted it stays out of the index whatever arrives later.
//
// Backends: search/sqlite (FTS5, embedded mode), search/postgres (tsvector
// and GIN, cluster mode). search_conformance_test.cpp holds both to this
// contract.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "eventlog/event_log.h"

namespace parley::search {

// q: at most this many bytes; its words (runs of letters and digits) are
// searched for, any of them matching, more of them ranking higher.
inline constexpr std::size_t kMaxQueryBytes = 256;
inline constexpr std::size_t kMaxQueryWords = 16;
inline constexpr int kMaxLimit = 100;

struct SearchQuery {
  // Where to look: the caller's conversations as they are now (membership is
  // the caller's business, asked at query time). Empty: nothing is found.
  std::vector<std::string> conversation_ids;
  std::string q;
  int limit = 20;      // 1..kMaxLimit (clamped)
  std::string cursor;  // a previous page's next_cursor; empty: the first page
};

struct SearchHit {
  std::string conversation_id;
  std::int64_t seq = 0;
  std::string message_id;
  // A short extract of the message, HTML-escaped (& < > " '), with each
  // matching word wrapped in <mark>...</mark> and "…" where text was cut.
  // Safe to insert as HTML; a plain-text client drops the tags and unescapes.
  std::string snippet;
};

struct SearchPage {
  std::vector<SearchHit> results;  // best first; ties: newest seq first
  std::string next_cursor;         // empty at the end
};

class SearchIndex {
 public:
  virtual ~SearchIndex() = default;

  // Applies one event of the log. message.created / edited / deleted update
  // the index; other types are ignored (ok). bad_request for an event that can
  // never be indexed (malformed body: redelivery will not help);
  // unavailable / internal when the index could not be written (retry).
  virtual Status index(const eventlog::Event& event) = 0;

  // Batched indexing for a consumer with a flush (eventlog/event_log.h):
  // stage() checks an event as index() does but may only queue its write;
  // flush() makes everything staged durable and visible (on error, nothing
  // staged since the last flush may be counted on). By default, stage() is
  // index(). Not mixed with index() by callers.
  virtual Status stage(const eventlog::Event& event) { return index(event); }
  virtual Status flush() { return ok_status(); }

  // Ranked matches in query.conversation_ids. bad_request for a cursor this
  // index did not make. A page is cut by keyset (score, seq, conversation),
  // not by offset, so paging never repeats or skips a message while the index
  // is unchanged; a message indexed meanwhile may shift scores slightly.
  virtual Result<SearchPage> search(const SearchQuery& query) = 0;
};

}  // namespace parley::search
