#pragma once
// A log-linear latency histogram in the spirit of HdrHistogram: values (µs)
// below 128 are exact, above they fall in 64 sub-buckets per power of two
// (under 1.6% error). Fixed size and trivially copyable, so a worker process
// can fill one in shared memory and the coordinator merges them.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::bench {

class Histogram {
 public:
  static constexpr int kExact = 128;
  static constexpr int kSub = 64;
  static constexpr int kBuckets = kExact + 40 * kSub;

  void record(std::uint64_t v) noexcept;
  void merge(const Histogram& other) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? double(sum_) / double(count_) : 0.0; }
  // The value at percentile p (0-100): the middle of its bucket, at most max().
  std::uint64_t percentile(double p) const noexcept;

  static int index_of(std::uint64_t v) noexcept;
  static std::uint64_t value_of(int index) noexcept;  // a bucket's middle

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0, sum_ = 0, max_ = 0;
};

// The percentile distribution of each named histogram, hand-written SVG:
// x is the percentile on the usual 1/(1-p) log axis, y the latency in ms.
std::string percentile_svg(const std::vector<std::pair<std::string, const Histogram*>>& series,
                           const std::string& title);

}  // namespace parley::bench
