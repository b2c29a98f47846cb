#include "common/metrics.h"

#include <gtest/gtest.h>

namespace parley::metrics {

TEST(Metrics, RendersPrometheusText) {
  static Counter sends("test_sends_total", "sends");
  static Gauge open("test_open", "open things");
  static Histogram latency("test_latency_seconds", "latency");
  sends.inc(3);
  open.add(2);
  open.add(-1);
  latency.observe_us(70);       // <= 100 us
  latency.observe_us(20'000);   // <= 25 ms
  auto text = render_all();
  EXPECT_NE(text.find("# TYPE test_sends_total counter\ntest_sends_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("test_open 1\n"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{le=\"0.000050\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{le=\"0.000100\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_count 2\n"), std::string::npos);
}

}  // namespace parley::metrics
