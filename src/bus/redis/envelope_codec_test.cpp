#include "bus/redis/envelope_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace parley::bus {
namespace {

Envelope sample() {
  Envelope e;
  e.scope = Envelope::Scope::user;
  e.target = "u_alice";
  e.frame = std::make_shared<const std::string>(std::string("{\"t\":\"message\"}\0bin", 20));
  e.skip_user = "u_bob";
  e.skip_session = "s_1";
  e.seq = 1234567890123;
  e.ephemeral = true;
  return e;
}

void expect_same(const Envelope& a, const Envelope& b) {
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.target, b.target);
  ASSERT_EQ(!a.frame, !b.frame);
  if (a.frame) {
    EXPECT_EQ(*a.frame, *b.frame);
  }
  EXPECT_EQ(a.skip_user, b.skip_user);
  EXPECT_EQ(a.skip_session, b.skip_session);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.ephemeral, b.ephemeral);
  EXPECT_EQ(a.presence, b.presence);
  EXPECT_EQ(a.control, b.control);
  EXPECT_EQ(a.about, b.about);
}

TEST(EnvelopeCodec, RoundTrip) {
  auto e = sample();
  auto bytes = encode_envelope(e);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), kEnvelopeVersion);
  auto back = decode_envelope(bytes);
  ASSERT_TRUE(back);
  expect_same(e, *back);
}

TEST(EnvelopeCodec, RoundTripPresence) {
  Envelope e;
  e.target = "c_1";
  e.skip_user = "u_bob";
  e.frame = std::make_shared<const std::string>("{\"type\":\"presence\"}");
  e.ephemeral = true;
  e.presence = true;
  auto back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->presence);
  expect_same(e, *back);
  EXPECT_FALSE(decode_envelope(encode_envelope(sample()))->presence);
}

TEST(EnvelopeCodec, RoundTripDefaultsNullFrameAndNegativeSeq) {
  Envelope e;
  e.target = "c_1";
  auto back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back);
  expect_same(e, *back);
  EXPECT_FALSE(back->frame);

  e.frame = std::make_shared<const std::string>();  // empty, not null
  e.seq = -5;
  back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back);
  expect_same(e, *back);
  ASSERT_TRUE(back->frame);
}

TEST(EnvelopeCodec, RoundTripControl) {
  Envelope e;
  e.target = "c_1";
  e.control = Envelope::Control::members_changed;
  e.about = "u_carol";
  auto bytes = encode_envelope(e);
  auto back = decode_envelope(bytes);
  ASSERT_TRUE(back);
  expect_same(e, *back);
  // Every truncation of a control envelope is refused too.
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_envelope(bytes.substr(0, n)));
}

TEST(EnvelopeCodec, ExtremeSeq) {
  for (std::int64_t seq : {INT64_MIN, INT64_MAX, std::int64_t{0}, std::int64_t{-1}}) {
    Envelope e;
    e.seq = seq;
    auto back = decode_envelope(encode_envelope(e));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq, seq);
  }
}

TEST(EnvelopeCodec, CompactForSmallFields) {
  Envelope e;
  e.target = "c";
  e.frame = std::make_shared<const std::string>("x");
  e.seq = 1;
  EXPECT_LE(encode_envelope(e).size(), 10u);
}

TEST(EnvelopeCodec, RejectsEveryTruncation) {
  auto bytes = encode_envelope(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_envelope(std::string_view(bytes).substr(0, n))) << "length " << n;
}

TEST(EnvelopeCodec, RejectsTrailingBytesUnknownVersionAndFlags) {
  auto bytes = encode_envelope(sample());
  EXPECT_FALSE(decode_envelope(bytes + "x"));
  auto v = bytes;
  v[0] = static_cast<char>(kEnvelopeVersion + 1);
  EXPECT_FALSE(decode_envelope(v));
  auto f = bytes;
  f[1] = static_cast<char>(0x80);
  EXPECT_FALSE(decode_envelope(f));
}

TEST(EnvelopeCodec, RejectsHugeLengthAndEndlessVarint) {
  std::string huge{static_cast<char>(kEnvelopeVersion), 0};
  huge += std::string(9, '\xff') + '\x01';  // a length near 2^64
  EXPECT_FALSE(decode_envelope(huge));
  std::string endless{static_cast<char>(kEnvelopeVersion), 0};
  endless += std::string(32, '\x80');
  EXPECT_FALSE(decode_envelope(endless));
}

TEST(EnvelopeCodec, GarbageNeverCrashes) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 64);
  auto good = encode_envelope(sample());
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    if (i % 2) {  // random bytes
      s.resize(len(rng));
      for (auto& c : s) c = static_cast<char>(byte(rng));
    } else {  // a valid payload with a few bytes flipped
      s = good;
      for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(byte(rng));
    }
    (void)decode_envelope(s);  // any answer, as long as it does not crash
  }
}

TEST(EnvelopeCodec, Channels) {
  EXPECT_EQ(channel_of(Envelope::Scope::conversation, "c_1"), "pc:c_1");
  EXPECT_EQ(channel_of(Envelope::Scope::user, "u_1"), "pu:u_1");
}

}  // namespace
}  // namespace parley::bus
