#include "common/log.h"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace parley {

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto existing = spdlog::get(component)) return existing;
  // Logs go to stderr: stdout carries the "listening on" line tools wait for.
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(component, sink);
  logger->set_level(spdlog::get_level());
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace parley
