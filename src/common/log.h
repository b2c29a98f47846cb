#pragma once
// One named logger per component, all writing to the same sink. Never log a
// message body or a token.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace parley {

std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

}  // namespace parley
