// The search page cursor (search/search_cursor.h), which comes back from
// clients as ?cursor=. Input: the cursor text. What decodes must encode to
// a text that decodes to the same cursor; a cursor made by encode_cursor
// from any decoded parts must decode back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "search/search_cursor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using parley::search::Cursor;
  using parley::search::decode_cursor;
  using parley::search::encode_cursor;
  const std::string text(reinterpret_cast<const char*>(data), size);

  auto decoded = decode_cursor(text);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code == parley::Errc::bad_request);
    FUZZ_CHECK(!text.empty());
    return 0;
  }
  if (!*decoded) {
    FUZZ_CHECK(text.empty());
    return 0;
  }
  const Cursor& c = **decoded;
  FUZZ_CHECK(c.seq >= 1);
  FUZZ_CHECK(!c.conversation_id.empty() && c.conversation_id.size() <= 256);
  const std::string again = encode_cursor(c);
  FUZZ_CHECK(again.size() <= text.size());  // canonical numbers are never longer
  auto round = decode_cursor(again);
  FUZZ_CHECK(round && *round);
  FUZZ_CHECK((*round)->score == c.score && (*round)->seq == c.seq &&
             (*round)->conversation_id == c.conversation_id);
  return 0;
}
