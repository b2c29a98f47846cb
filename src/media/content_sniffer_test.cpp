#include "media/content_sniffer.h"

#include <gtest/gtest.h>

#include "media/media_test_support.h"

namespace parley::media {
namespace {

using namespace test_support;
using namespace std::string_literals;

std::string type_of(const std::string& bytes) {
  auto t = sniff(bytes);
  return t ? t->content_type : "refused";
}

std::string refusal(const std::string& bytes) {
  std::string why;
  EXPECT_FALSE(sniff(bytes, &why).has_value()) << bytes;
  return why;
}

TEST(ContentSniffer, EachAllowedType) {
  EXPECT_EQ(type_of(png(1, 1)), "image/png");
  EXPECT_EQ(type_of(jpeg(1, 1)), "image/jpeg");
  EXPECT_EQ(type_of(gif(1, 1)), "image/gif");
  EXPECT_EQ(type_of("GIF87a" + std::string(10, '\0')), "image/gif");
  EXPECT_EQ(type_of(webp_vp8x(2, 2)), "image/webp");
  EXPECT_EQ(type_of("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), "application/pdf");
  EXPECT_EQ(type_of(std::string("OggS\0\x02", 6) + std::string(20, '\0')), "audio/ogg");
  EXPECT_EQ(type_of(std::string("\0\0\0\x20", 4) + "ftypisom" + std::string(20, '\0')),
            "video/mp4");
  EXPECT_EQ(type_of(std::string("\0\0\0\x20", 4) + "ftypM4A " + std::string(20, '\0')),
            "audio/mp4");
  EXPECT_EQ(type_of(std::string("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", 16) +
                    std::string(8, '\0')),
            "video/webm");
  EXPECT_EQ(type_of("hello, world\r\n\ttabbed\n"), "text/plain; charset=utf-8");
  EXPECT_EQ(type_of("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "text/plain; charset=utf-8");
}

TEST(ContentSniffer, ImagesAreMarkedAsImages) {
  EXPECT_TRUE(sniff(png(1, 1))->image);
  EXPECT_TRUE(sniff(jpeg(1, 1))->image);
  EXPECT_FALSE(sniff("%PDF-1.4")->image);
  EXPECT_FALSE(sniff("text")->image);
}

TEST(ContentSniffer, MarkupIsRefusedWhateverItClaimsToBe) {
  EXPECT_EQ(refusal("<!DOCTYPE html><html><script>alert(1)</script>"), "markup");
  EXPECT_EQ(refusal("  \r\n<HTML>"), "markup");
  EXPECT_EQ(refusal("\xEF\xBB\xBF<script>x</script>"), "markup");
  EXPECT_EQ(refusal("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x()\"/>"), "markup");
  EXPECT_EQ(refusal("<?xml version=\"1.0\"?><a/>"), "markup");
  EXPECT_EQ(refusal("<!-- comment -->"), "markup");
  EXPECT_EQ(refusal("<a href=x>"), "markup");
  // Text that merely starts with '<' and no known tag is plain text.
  EXPECT_EQ(type_of("<3 you"), "text/plain; charset=utf-8");
  EXPECT_EQ(type_of("<abc> is not a tag we know"), "text/plain; charset=utf-8");
}

TEST(ContentSniffer, DisguisedAndUnknownBinaryIsRefused) {
  EXPECT_EQ(refusal(std::string("MZ\x90\0\x03\0\0\0", 8)), "executable");
  EXPECT_EQ(refusal(std::string("\x7F" "ELF\x02\x01\x01", 7)), "executable");
  EXPECT_EQ(refusal(std::string("PK\x03\x04\x14\0", 6)), "archive");
  EXPECT_EQ(refusal(std::string("\0\x01\x02\x03", 4)), "binary");
  EXPECT_EQ(refusal("text with a NUL\0 inside"s), "binary");
  EXPECT_EQ(refusal("bell \x07"), "binary");
  EXPECT_EQ(refusal(""), "empty");
  // Almost-signatures: one byte off is not the type.
  EXPECT_EQ(refusal(std::string("\x89PNX\r\n\x1A\n", 8)), "binary");
  EXPECT_EQ(refusal(std::string("RIFF\0\0\0\0WAVEfmt ", 16)), "binary");
  EXPECT_EQ(refusal(std::string("\0\0\0\x20", 4) + "ftypheic" + std::string(20, '\0')), "binary");
  EXPECT_EQ(refusal(std::string("\x1A\x45\xDF\xA3\x42\x82\x88matroska", 15)), "binary");
}

TEST(ContentSniffer, InvalidUtf8IsNotText) {
  EXPECT_EQ(refusal("overlong \xC0\xAF"), "binary");
  EXPECT_EQ(refusal("surrogate \xED\xA0\x80"), "binary");
  EXPECT_EQ(refusal("cut short \xE2\x82"), "binary");
  EXPECT_EQ(refusal("stray \x80 byte"), "binary");
  EXPECT_EQ(refusal("past U+10FFFF \xF4\x90\x80\x80"), "binary");
}

TEST(ContentSniffer, Utf8Length) {
  EXPECT_EQ(utf8_length("a", 0), 1u);
  EXPECT_EQ(utf8_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_length("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_length("\xE2\x82", 0), 0u);
  EXPECT_EQ(utf8_length("\x80", 0), 0u);
}

}  // namespace
}  // namespace parley::media
