#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "push/endpoint_policy.h"

namespace parley::push {
namespace {

const EndpointPolicy kStrict{false};
const EndpointPolicy kTests{true};

TEST(EndpointPolicy, HttpsToPublicHostsOnly) {
  EXPECT_TRUE(check_endpoint_url("https://fcm.googleapis.com/fcm/send/abc", kStrict));
  EXPECT_TRUE(check_endpoint_url("https://updates.push.services.mozilla.com/wpush/v2/x", kStrict));
  EXPECT_TRUE(check_endpoint_url("https://8.8.8.8/x", kStrict));
  EXPECT_FALSE(check_endpoint_url("http://push.example.com/x", kStrict));
  EXPECT_FALSE(check_endpoint_url("ftp://push.example.com/x", kStrict));
  EXPECT_FALSE(check_endpoint_url("https:///x", kStrict));
  EXPECT_FALSE(check_endpoint_url("https://user:pw@push.example.com/x", kStrict));
  EXPECT_FALSE(check_endpoint_url("https://push.example.com/a b", kStrict));
}

TEST(EndpointPolicy, PrivateAndLocalAddressesAreRefused) {
  for (const char* url :
       {"https://127.0.0.1/x", "https://10.1.2.3/x", "https://192.168.0.1:8443/x",
        "https://172.20.0.1/x", "https://169.254.169.254/latest/meta-data", "https://[::1]/x",
        "https://[fe80::1]/x", "https://[fd00::5]/x", "https://[::ffff:10.0.0.1]/x",
        "https://0.0.0.0/x", "https://localhost/x", "http://127.0.0.1:9/x"})
    EXPECT_FALSE(check_endpoint_url(url, kStrict)) << url;
}

TEST(EndpointPolicy, LoopbackHttpOnlyWhenAllowedForTests) {
  EXPECT_TRUE(check_endpoint_url("http://127.0.0.1:8080/push", kTests));
  EXPECT_TRUE(check_endpoint_url("http://localhost:8080/push", kTests));
  EXPECT_TRUE(check_endpoint_url("http://[::1]:8080/push", kTests));
  EXPECT_FALSE(check_endpoint_url("http://10.0.0.1/push", kTests));
  EXPECT_FALSE(check_endpoint_url("http://push.example.com/push", kTests));
  auto error = check_endpoint_url("http://127.0.0.1:8080/push", kStrict);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("https://"), std::string::npos) << error.error().message;
}

TEST(EndpointPolicy, ResolvedAddressesAreCheckedToo) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "10.0.0.7", &v4.sin_addr);
  EXPECT_FALSE(address_allowed(reinterpret_cast<sockaddr*>(&v4), kTests));
  inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
  EXPECT_FALSE(address_allowed(reinterpret_cast<sockaddr*>(&v4), kStrict));
  EXPECT_TRUE(address_allowed(reinterpret_cast<sockaddr*>(&v4), kTests));
  inet_pton(AF_INET, "142.250.1.1", &v4.sin_addr);
  EXPECT_TRUE(address_allowed(reinterpret_cast<sockaddr*>(&v4), kStrict));
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2a00:1450:4001::1", &v6.sin6_addr);
  EXPECT_TRUE(address_allowed(reinterpret_cast<sockaddr*>(&v6), kStrict));
  inet_pton(AF_INET6, "::ffff:192.168.1.1", &v6.sin6_addr);
  EXPECT_FALSE(address_allowed(reinterpret_cast<sockaddr*>(&v6), kStrict));
}

}  // namespace
}  // namespace parley::push
