#include "common/metrics.h"

#include <mutex>
#include <vector>

namespace parley::metrics {
namespace {

struct Entry {
  std::string name;
  std::string help;
  std::string type;
  std::function<void(std::string&, const std::string&)> render;
};

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}
std::vector<Entry>& registry() {
  static std::vector<Entry> entries;
  return entries;
}

void register_metric(std::string_view name, std::string_view help, std::string_view type,
         std::function<void(std::string&, const std::string&)> render) {
  std::lock_guard lock(registry_mutex());
  registry().push_back({std::string(name), std::string(help), std::string(type), std::move(render)});
}

}  // namespace

Counter::Counter(std::string_view name, std::string_view help) {
  register_metric(name, help, "counter", [this](std::string& out, const std::string& n) {
    out += n + " " + std::to_string(value()) + "\n";
  });
}

Gauge::Gauge(std::string_view name, std::string_view help) {
  register_metric(name, help, "gauge", [this](std::string& out, const std::string& n) {
    out += n + " " + std::to_string(value()) + "\n";
  });
}

Histogram::Histogram(std::string_view name, std::string_view help) {
  register_metric(name, help, "histogram",
      [this](std::string& out, const std::string& n) { render(out, n); });
}

void Histogram::observe_us(std::uint64_t us) {
  std::size_t i = 0;
  while (i < kBoundsUs.size() && us > kBoundsUs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name) const {
  std::uint64_t cumulative = 0;
  std::string n(name);
  for (std::size_t i = 0; i < kBoundsUs.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += n + "_bucket{le=\"" + std::to_string(kBoundsUs[i] / 1e6) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += buckets_[kBoundsUs.size()].load(std::memory_order_relaxed);
  out += n + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += n + "_sum " + std::to_string(sum_us_.load(std::memory_order_relaxed) / 1e6) + "\n";
  out += n + "_count " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

std::string render_all() {
  std::lock_guard lock(registry_mutex());
  std::string out;
  out.reserve(4096);
  for (const auto& e : registry()) {
    out += "# HELP " + e.name + " " + e.help + "\n";
    out += "# TYPE " + e.name + " " + e.type + "\n";
    e.render(out, e.name);
  }
  return out;
}

}  // namespace parley::metrics
