#include "media/image_size.h"

#include <gtest/gtest.h>

#include "media/media_test_support.h"

namespace parley::media {
namespace {

using namespace test_support;

std::string dims(std::string_view type, const std::string& bytes) {
  auto s = image_size(type, bytes);
  return s ? std::to_string(s->width) + "x" + std::to_string(s->height) : "none";
}

TEST(ImageSize, ReadsEachFormat) {
  EXPECT_EQ(dims("image/png", png(640, 480)), "640x480");
  EXPECT_EQ(dims("image/gif", gif(320, 200)), "320x200");
  EXPECT_EQ(dims("image/jpeg", jpeg(1024, 768)), "1024x768");
  EXPECT_EQ(dims("image/webp", webp_vp8x(4000, 3000)), "4000x3000");
  EXPECT_EQ(dims("image/webp", webp_vp8l(16383, 2)), "16383x2");
  EXPECT_EQ(dims("image/webp", webp_vp8(300, 150)), "300x150");
}

TEST(ImageSize, LargeValuesAreReadWhole) {
  EXPECT_EQ(dims("image/png", png(70000, 1)), "70000x1");
  EXPECT_EQ(dims("image/gif", gif(65535, 65535)), "65535x65535");
  EXPECT_EQ(dims("image/jpeg", jpeg(65535, 1)), "65535x1");
}

TEST(ImageSize, JpegSkipsFillBytesAndStandaloneMarkers) {
  std::string j = jpeg(10, 20);
  // Fill bytes (0xFF) before the SOF marker are allowed.
  j.insert(2 + 18 + 6, "\xFF\xFF");
  EXPECT_EQ(dims("image/jpeg", j), "10x20");
}

TEST(ImageSize, TruncatedOrMalformedHeadersGiveNothing) {
  EXPECT_EQ(dims("image/png", png(1, 1).substr(0, 20)), "none");
  EXPECT_EQ(dims("image/gif", "GIF89a\x01"), "none");
  EXPECT_EQ(dims("image/jpeg", jpeg(5, 5).substr(0, 30)), "none");
  EXPECT_EQ(dims("image/jpeg", std::string("\xFF\xD8\xFF\xDA\0\x02", 6)), "none");  // scan first
  EXPECT_EQ(dims("image/jpeg", std::string("\xFF\xD8\x00\x00", 4)), "none");
  EXPECT_EQ(dims("image/webp", riff("VP8Z" + std::string(20, '\0'))), "none");
  std::string bad_ihdr = png(1, 1);
  bad_ihdr.replace(12, 4, "IDAT");
  EXPECT_EQ(dims("image/png", bad_ihdr), "none");
}

TEST(ImageSize, ZeroOrOutOfRangeIsRefused) {
  EXPECT_EQ(dims("image/png", png(0, 10)), "none");
  EXPECT_EQ(dims("image/png", png(0x80000000u, 1)), "none");
  EXPECT_EQ(dims("image/gif", gif(10, 0)), "none");
  EXPECT_EQ(dims("image/jpeg", jpeg(0, 10)), "none");
  EXPECT_EQ(dims("image/webp", webp_vp8(0, 5)), "none");
}

TEST(ImageSize, NonImagesHaveNoSize) {
  EXPECT_EQ(dims("application/pdf", "%PDF-1.4"), "none");
  EXPECT_EQ(dims("image/png", gif(1, 1)), "none");
}

}  // namespace
}  // namespace parley::media
