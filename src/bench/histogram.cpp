#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>

namespace parley::bench {

int Histogram::index_of(std::uint64_t v) noexcept {
  if (v < kExact) return static_cast<int>(v);
  int msb = 63 - std::countl_zero(v);  // >= 7
  int shift = msb - 6;                 // v >> shift is in [64, 127]
  int i = kExact + (shift - 1) * kSub + static_cast<int>((v >> shift) - kSub);
  return std::min(i, kBuckets - 1);
}

std::uint64_t Histogram::value_of(int index) noexcept {
  if (index < kExact) return static_cast<std::uint64_t>(index);
  int shift = (index - kExact) / kSub + 1;
  std::uint64_t sub = static_cast<std::uint64_t>((index - kExact) % kSub + kSub);
  return (sub << shift) + (std::uint64_t{1} << (shift - 1));
}

void Histogram::record(std::uint64_t v) noexcept {
  ++counts_[static_cast<std::size_t>(index_of(v))];
  ++count_;
  sum_ += v;
  max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& o) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
}

std::uint64_t Histogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * double(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<std::size_t>(i)];
    if (seen >= rank) return std::min(value_of(i), max_);
  }
  return max_;
}

std::string percentile_svg(const std::vector<std::pair<std::string, const Histogram*>>& series,
                           const std::string& title) {
  constexpr double kW = 800, kH = 480, kL = 70, kR = 20, kT = 40, kB = 60;
  constexpr double kMaxX = 5;  // 99.999%
  double max_ms = 0.001;
  for (auto& [name, h] : series) max_ms = std::max(max_ms, double(h->max()) / 1000.0);
  max_ms *= 1.05;
  auto px = [&](double nines) { return kL + nines / kMaxX * (kW - kL - kR); };
  auto py = [&](double ms) { return kH - kB - ms / max_ms * (kH - kT - kB); };
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" "
                "height=\"100%%\" fill=\"white\"/>\n",
                kW, kH);
  s += buf;
  s += "<text x=\"" + std::to_string(int(kW / 2)) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
       title + "</text>\n";
  const char* labels[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
  for (int i = 0; i <= 5; ++i) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  px(i), kT, px(i), kH - kB, px(i), kH - kB + 18, labels[i]);
    s += buf;
  }
  for (int i = 0; i <= 5; ++i) {
    double ms = max_ms * i / 5;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
                  kL, py(ms), kW - kR, py(ms), kL - 6, py(ms) + 4, ms);
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">percentile</text>"
                "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
                "text-anchor=\"middle\">latency (ms)</text>\n",
                (kW + kL) / 2, kH - 20, (kH) / 2, (kH) / 2);
  s += buf;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};
  int k = 0;
  for (auto& [name, h] : series) {
    std::string pts;
    for (double x = 0; x <= kMaxX + 1e-9; x += 0.05) {
      double p = 100.0 * (1.0 - std::pow(10.0, -x));
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", px(x), py(double(h->percentile(p)) / 1000.0));
      pts += buf;
    }
    const char* c = colors[k % 4];
    s += std::string("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"") + c +
         "\" points=\"" + pts + "\"/>\n";
    std::snprintf(buf, sizeof buf,
                  "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s (n=%llu)</text>\n", kL + 10,
                  kT + 16 + 16.0 * k, c, name.c_str(), (unsigned long long)h->count());
    s += buf;
    ++k;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace parley::bench
