#pragma once
// Request targets: path segments and query parameters, percent-decoded.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

// Decodes %XX escapes (and '+' as space in queries); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

struct Target {
  std::vector<std::string> segments;  // "/api/a/b" -> {"api","a","b"}
  std::vector<std::pair<std::string, std::string>> query;
  const std::string* param(std::string_view name) const;
};

// nullopt when the target is not an origin-form path or has a bad escape.
std::optional<Target> parse_target(std::string_view target);

}  // namespace parley
