#include "server/readiness.h"

#include "common/log.h"
#include "protocol/json_writer.h"
#include "common/thread_name.h"

namespace parley::server {

Readiness::Readiness(std::vector<Dependency> dependencies, std::chrono::milliseconds interval)
    : interval_(interval) {
  for (auto& d : dependencies) {
    auto c = std::make_unique<Check>();
    c->dep = std::move(d);
    checks_.push_back(std::move(c));
  }
  thread_ = std::thread([this] { run(); });
}

Readiness::~Readiness() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Readiness::probe_now() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void Readiness::run() {
  name_this_thread("readiness");
  auto log = component_logger("readiness");
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    for (auto& c : checks_) {
      int now = c->dep.probe() ? 1 : 0;
      int before = c->state.exchange(now);
      if (before != now && !(before == -1 && now == 1))
        now ? log->info("{} is up", c->dep.name) : log->warn("{} is down", c->dep.name);
    }
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stopping_ || wake_; });
    wake_ = false;
  }
}

bool Readiness::ready() const {
  for (const auto& c : checks_)
    if (c->dep.required && c->state.load() != 1) return false;
  return true;
}

std::string Readiness::body() const {
  protocol::JsonWriter w;
  w.begin_object().field("status", ready() ? "ready" : "not_ready").key("checks").begin_object();
  for (const auto& c : checks_) {
    int s = c->state.load();
    w.field(c->dep.name, s == 1 ? "up" : s == 0 ? "down" : "unknown");
  }
  w.end_object().end_object();
  return w.take();
}

}  // namespace parley::server
