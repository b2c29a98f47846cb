// The RFC 6455 frame parser (gateway/ws_frame.h) reads raw bytes from every
// socket. Input: one byte of settings, then the byte stream.
//   byte 0, low 2 bits: the message size limit (16, 125, 1000 or 64 KiB);
//   byte 0, high 6 bits: a chunk size for the third pass below.
// The stream is parsed three times: whole, one byte per feed(), and in
// chunks. TCP may split bytes anywhere, so all three must see the same events.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "gateway/ws_frame.h"

namespace {

using parley::gateway::ws::Event;
using parley::gateway::ws::FrameParser;

struct Seen {
  Event::Kind kind;
  bool text;
  std::uint16_t code;
  std::string payload;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> parse(const std::uint8_t* data, std::size_t n, std::size_t limit,
                        std::size_t chunk) {
  FrameParser parser(limit);
  std::vector<Seen> seen;
  bool stopped = false;
  for (std::size_t at = 0; at < n; at += chunk) {
    std::size_t len = std::min(chunk, n - at);
    bool ok = parser.feed(data + at, len, [&](const Event& e) {
      FUZZ_CHECK(!stopped);  // nothing after an error
      if (e.kind == Event::Kind::message) FUZZ_CHECK(e.payload.size() <= limit);
      if (e.kind == Event::Kind::ping || e.kind == Event::Kind::pong)
        FUZZ_CHECK(e.payload.size() <= 125);
      if (e.kind == Event::Kind::close) FUZZ_CHECK(e.payload.size() <= 123);
      if (e.kind == Event::Kind::error) {
        FUZZ_CHECK(e.code != 0);
        stopped = true;
      }
      seen.push_back({e.kind, e.text, e.code, std::string(e.payload)});
    });
    FUZZ_CHECK(ok == !parser.failed());
    FUZZ_CHECK(ok != stopped);
    if (!ok) break;
    // An idle session frees its buffers between reads; parsing must go on.
    if (at % 3 == 0) parser.release_memory();
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr std::size_t kLimits[] = {16, 125, 1000, 64 * 1024};
  std::size_t limit = kLimits[data[0] & 3];
  std::size_t chunk = (data[0] >> 2) + 1;
  ++data;
  --size;
  auto whole = parse(data, size, limit, size == 0 ? 1 : size);
  auto bytewise = parse(data, size, limit, 1);
  FUZZ_CHECK(whole == bytewise);
  auto chunked = parse(data, size, limit, chunk);
  FUZZ_CHECK(whole == chunked);
  return 0;
}
