#include "auth/base64url.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::auth {
namespace {

// RFC 4648 section 10 test vectors (identical in both alphabets).
TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesUrlSafeAlphabet) {
  // Standard base64 would give "+/8=".
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(base64url_decode(""), std::string());
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
  EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, RejectsCharactersOutsideAlphabet) {
  EXPECT_FALSE(base64url_decode("+/8"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Zm.v"));
  EXPECT_FALSE(base64url_decode("Zm9\xc3\xa9"));
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
}

TEST(Base64Url, RejectsImpossibleLengthsAndBadPadding) {
  EXPECT_FALSE(base64url_decode("Z"));      // 6 bits: not a byte
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64url_decode("Zg="));    // padding must complete a quantum
  EXPECT_FALSE(base64url_decode("Zg==="));
  EXPECT_FALSE(base64url_decode("Z==="));
  EXPECT_FALSE(base64url_decode("===="));
  EXPECT_FALSE(base64url_decode("Z=g="));   // padding only at the end
  EXPECT_FALSE(base64url_decode("Zm9v===="));
}

TEST(Base64Url, RejectsNonZeroLeftoverBits) {
  // "Zh" decodes to 'f' plus stray bits; only "Zg" spells "f".
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));    // "Zm8" is the canonical "fo"
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const std::string in = all.substr(all.size() - len);
    const std::string enc = base64url_encode(in);
    EXPECT_EQ(enc.find('='), std::string::npos);
    const auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec) << "length " << len;
    EXPECT_EQ(*dec, in);
  }
}

}  // namespace
}  // namespace parley::auth
