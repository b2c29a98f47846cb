#include "bus/redis/redis_endpoint.h"

#include <gtest/gtest.h>

namespace parley::redis {
namespace {

TEST(RedisEndpoint, Parses) {
  auto ep = parse_endpoint("redis://127.0.0.1:56379");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 56379);
  EXPECT_EQ(ep->url(), "redis://127.0.0.1:56379");
  EXPECT_EQ(parse_endpoint("redis://cache/0")->port, 6379);
  EXPECT_EQ(parse_endpoint("cache:7000")->port, 7000);
}

TEST(RedisEndpoint, RejectsMalformed) {
  for (const char* bad : {"", "redis://", "redis://:6379", "redis://h:x", "redis://h:0",
                          "redis://h:70000", "redis://h:1/3", "redis://u:p@h:1"})
    EXPECT_FALSE(parse_endpoint(bad)) << bad;
}

}  // namespace
}  // namespace parley::redis
