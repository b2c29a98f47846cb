#include "media/byte_range.h"

#include <gtest/gtest.h>

namespace parley::media {
namespace {

std::string decide(std::string_view header, std::uint64_t size) {
  auto d = decide_range(header, size);
  switch (d.kind) {
    case RangeDecision::whole: return "whole";
    case RangeDecision::unsatisfiable: return "416";
    case RangeDecision::partial: return std::to_string(d.first) + "-" + std::to_string(d.last);
  }
  return "?";
}

TEST(ByteRange, NoHeaderIsTheWholeContent) { EXPECT_EQ(decide("", 100), "whole"); }

TEST(ByteRange, SingleRanges) {
  EXPECT_EQ(decide("bytes=0-9", 100), "0-9");
  EXPECT_EQ(decide("bytes=10-", 100), "10-99");
  EXPECT_EQ(decide("bytes=-10", 100), "90-99");
  EXPECT_EQ(decide("bytes=99-99", 100), "99-99");
  EXPECT_EQ(decide("Bytes= 5-6 ", 100), "5-6");
}

TEST(ByteRange, RangesAreClippedToTheContent) {
  EXPECT_EQ(decide("bytes=90-1000", 100), "90-99");
  EXPECT_EQ(decide("bytes=-1000", 100), "0-99");
  EXPECT_EQ(decide("bytes=0-18446744073709551615", 100), "0-99");
}

TEST(ByteRange, PastTheEndIsUnsatisfiable) {
  EXPECT_EQ(decide("bytes=100-", 100), "416");
  EXPECT_EQ(decide("bytes=100-200", 100), "416");
  EXPECT_EQ(decide("bytes=-0", 100), "416");
  EXPECT_EQ(decide("bytes=0-", 0), "416");
  EXPECT_EQ(decide("bytes=-5", 0), "416");
}

TEST(ByteRange, MalformedOrUnsupportedRangesAreIgnored) {
  for (std::string_view bad :
       {"bytes=", "bytes=abc", "bytes=5", "bytes=9-5", "bytes=-", "bytes=--5", "bytes=+1-2",
        "bytes=1-2x", "bytes=1 -2", "items=0-5", "bytes 0-5", "bytes=0-1,5-6",
        "bytes=99999999999999999999-"}) {
    EXPECT_EQ(decide(bad, 100), "whole") << bad;
  }
}

TEST(ByteRange, LengthCountsBothEnds) {
  auto d = decide_range("bytes=10-19", 100);
  EXPECT_EQ(d.length(), 10u);
}

}  // namespace
}  // namespace parley::media
