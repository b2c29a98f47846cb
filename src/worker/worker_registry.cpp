#include "worker/worker_registry.h"

namespace parley::worker {

const WorkerRegistry& WorkerRegistry::builtin() {
  static const WorkerRegistry registry = [] {
    WorkerRegistry r;
    register_builtin_workers(r);
    return r;
  }();
  return registry;
}

bool WorkerRegistry::add(WorkerSpec spec) {
  std::string name = spec.name;
  return specs_.emplace(std::move(name), std::move(spec)).second;
}

const WorkerSpec* WorkerRegistry::find(const std::string& name) const {
  auto it = specs_.find(name);
  return it == specs_.end() ? nullptr : &it->second;
}

std::vector<std::string> WorkerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, spec] : specs_) out.push_back(name);
  return out;
}

}  // namespace parley::worker
