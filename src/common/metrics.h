#pragma once
// Process-wide metrics in the Prometheus text format. Each component
// declares its own in one place (e.g. gateway/gateway_metrics.h); updates
// are relaxed atomics, cheap enough for the message path.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace parley::metrics {

class Counter {
 public:
  Counter(std::string_view name, std::string_view help);
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  Gauge(std::string_view name, std::string_view help);
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Latency in microseconds, exported in seconds, with fixed buckets from
// 50 us to 10 s.
class Histogram {
 public:
  static constexpr std::array<std::uint64_t, 14> kBoundsUs = {
      50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000,
      1'000'000, 10'000'000};
  Histogram(std::string_view name, std::string_view help);
  void observe_us(std::uint64_t us);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  void render(std::string& out, std::string_view name) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsUs.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

// Every metric declared so far, as Prometheus text.
std::string render_all();

}  // namespace parley::metrics
