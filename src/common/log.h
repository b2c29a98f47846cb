#pragma once
// One named logger per component, all writing to the same sink (stderr). Never
// log a message body or a token: tests/blackbox/log_canary_test.cpp checks.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

namespace parley {

std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

// text: spdlog's default human format. json: one object per line,
// {"ts":"2026-01-02T03:04:05.678Z","level":"info","component":"gateway","msg":"..."},
// for log shippers; every line is valid JSON whatever bytes msg holds.
enum class LogFormat { text, json };

std::optional<LogFormat> parse_log_format(std::string_view name);
// trace|debug|info|warn|warning|error|critical|off; nullopt for anything else
// (spdlog's own from_str would silently turn a typo into "off").
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Sets level and format of every component logger, present and future, and
// makes spdlog's default logger (spdlog::info(...)) one of them, named
// "parley", so nothing writes to stdout, which carries "listening on".
void configure_logging(spdlog::level::level_enum level, LogFormat format);

// The json format, exposed for tests.
std::unique_ptr<spdlog::formatter> make_json_log_formatter();

// Appends `s` as a JSON string literal (quotes included): control characters
// escaped, invalid UTF-8 replaced by U+FFFD, so the output always parses.
void append_json_string(std::string_view s, std::string& out);

}  // namespace parley
