#include "gateway/ws_frame.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::gateway::ws {
namespace {

// A client frame: masked, as RFC 6455 requires of clients.
std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                         bool masked = true) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((std::uint64_t(payload.size()) >> (8 * i)) & 0xff));
  }
  const std::uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) out.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(masked ? payload[i] ^ mask[i & 3] : payload[i]));
  return out;
}

struct Seen {
  Event::Kind kind;
  bool text;
  std::string payload;
  std::uint16_t code;
};

std::vector<Seen> parse(FrameParser& p, const std::string& bytes, std::size_t chunk = 1 << 20) {
  std::vector<Seen> seen;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    auto n = std::min(chunk, bytes.size() - at);
    p.feed(reinterpret_cast<const std::uint8_t*>(bytes.data() + at), n, [&](const Event& e) {
      seen.push_back({e.kind, e.text, std::string(e.payload), e.code});
    });
  }
  return seen;
}

TEST(WsFrame, AcceptKeyOfRfc6455) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsFrame, ServerHeadersForEachLengthClass) {
  std::uint8_t h[kMaxHeaderBytes];
  EXPECT_EQ(write_header(h, Opcode::text, 5), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 5);
  EXPECT_EQ(write_header(h, Opcode::text, 300), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  EXPECT_EQ(write_header(h, Opcode::text, 70000), 10u);
  EXPECT_EQ(h[1], 127);
  auto c = close_frame(4008, "slow");
  EXPECT_EQ(static_cast<std::uint8_t>(c[0]), 0x88);
  EXPECT_EQ(c[1], 6);
}

TEST(WsFrame, TextMessagesWholeAndByteByByte) {
  std::string bytes = client_frame(0x81, "hello") + client_frame(0x81, std::string(300, 'x')) +
                      client_frame(0x81, std::string(70000, 'y'));
  for (std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(1 << 20)}) {
    FrameParser p(1 << 20);
    auto seen = parse(p, bytes, chunk);
    ASSERT_EQ(seen.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(seen[0].payload, "hello");
    EXPECT_TRUE(seen[0].text);
    EXPECT_EQ(seen[1].payload, std::string(300, 'x'));
    EXPECT_EQ(seen[2].payload.size(), 70000u);
  }
}

TEST(WsFrame, FragmentsWithAPingBetween) {
  FrameParser p(1024);
  auto seen = parse(p, client_frame(0x01, "hel") + client_frame(0x89, "p") +
                           client_frame(0x00, "lo ") + client_frame(0x80, "world"));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Event::Kind::ping);
  EXPECT_EQ(seen[0].payload, "p");
  EXPECT_EQ(seen[1].kind, Event::Kind::message);
  EXPECT_EQ(seen[1].payload, "hello world");
}

TEST(WsFrame, CloseCarriesCodeAndReason) {
  FrameParser p(1024);
  std::string payload = "\x03\xe9" "bye";  // 1001
  auto seen = parse(p, client_frame(0x88, payload) );
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::close);
  EXPECT_EQ(seen[0].code, 1001);
  EXPECT_EQ(seen[0].payload, "bye");
  FrameParser empty(1024);
  EXPECT_EQ(parse(empty, client_frame(0x88, ""))[0].code, close_code::no_status);
}

TEST(WsFrame, ProtocolViolationsAreErrors) {
  auto first_error = [](const std::string& bytes, std::size_t max = 1024) {
    FrameParser p(max);
    auto seen = parse(p, bytes);
    EXPECT_TRUE(p.failed());
    return seen.empty() ? std::uint16_t(0) : seen.back().code;
  };
  EXPECT_EQ(first_error(client_frame(0x81, "x", false)), close_code::protocol_error);  // unmasked
  EXPECT_EQ(first_error(client_frame(0xC1, "x")), close_code::protocol_error);  // RSV1
  EXPECT_EQ(first_error(client_frame(0x83, "x")), close_code::protocol_error);  // opcode 3
  EXPECT_EQ(first_error(client_frame(0x80, "x")), close_code::protocol_error);  // stray continuation
  EXPECT_EQ(first_error(client_frame(0x01, "a") + client_frame(0x81, "b")),
            close_code::protocol_error);  // new message inside a fragmented one
  EXPECT_EQ(first_error(client_frame(0x09, "p")), close_code::protocol_error);  // fragmented ping
  EXPECT_EQ(first_error(client_frame(0x89, std::string(126, 'p'))), close_code::protocol_error);
  EXPECT_EQ(first_error(client_frame(0x88, "x")), close_code::protocol_error);  // 1-byte close
  EXPECT_EQ(first_error(client_frame(0x81, std::string(2000, 'a'))), close_code::too_big);
  EXPECT_EQ(first_error(client_frame(0x01, std::string(600, 'a')) + client_frame(0x80, std::string(600, 'a'))),
            close_code::too_big);
}

TEST(WsFrame, NothingIsReadAfterAnError) {
  FrameParser p(1024);
  auto seen = parse(p, client_frame(0x81, "x", false) + client_frame(0x81, "later"));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, Event::Kind::error);
}

}  // namespace
}  // namespace parley::gateway::ws
