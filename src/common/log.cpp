#include "common/log.h"

#include <chrono>
#include <ctime>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace parley {
namespace {

// Logs go to stderr: stdout carries the "listening on" line tools wait for.
// One sink for all loggers, so its formatter is the one place the format lives.
const std::shared_ptr<spdlog::sinks::stderr_color_sink_mt>& shared_sink() {
  static auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  return sink;
}

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100;
  };
  auto in = [](unsigned c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  const unsigned c = at(0);
  if (c < 0x80) return 1;
  if (in(c, 0xC2, 0xDF)) return in(at(1), 0x80, 0xBF) ? 2 : 0;
  if (in(c, 0xE0, 0xEF)) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

// "2026-01-02T03:04:05.678Z"
void append_timestamp(std::chrono::system_clock::time_point t, std::string& out) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                              tm.tm_min, tm.tm_sec, static_cast<int>((ms % 1000 + 1000) % 1000));
  out.append(buf, static_cast<std::size_t>(n));
}

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(96 + msg.payload.size());
    line += R"({"ts":")";
    append_timestamp(msg.time, line);
    line += R"(","level":")";
    line += level_name(msg.level);
    line += R"(","component":)";
    append_json_string(std::string_view(msg.logger_name.data(), msg.logger_name.size()), line);
    line += R"(,"msg":)";
    append_json_string(std::string_view(msg.payload.data(), msg.payload.size()), line);
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }
};

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(s, i);
      if (n == 0) {
        out += "\\ufffd";  // one replacement per bad byte, then resynchronize
        ++i;
      } else {
        out.append(s, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  std::lock_guard lock(registry_mutex());
  if (auto existing = spdlog::get(component)) return existing;
  auto logger = std::make_shared<spdlog::logger>(component, shared_sink());
  logger->set_level(spdlog::get_level());
  spdlog::register_logger(logger);
  return logger;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::text;
  if (name == "json") return LogFormat::json;
  return std::nullopt;
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view name) {
  using namespace spdlog::level;
  if (name == "trace") return trace;
  if (name == "debug") return debug;
  if (name == "info") return info;
  if (name == "warn" || name == "warning") return warn;
  if (name == "error" || name == "err") return err;
  if (name == "critical") return critical;
  if (name == "off") return off;
  return std::nullopt;
}

void configure_logging(spdlog::level::level_enum level, LogFormat format) {
  if (format == LogFormat::json) shared_sink()->set_formatter(make_json_log_formatter());
  else shared_sink()->set_formatter(std::make_unique<spdlog::pattern_formatter>());
  auto fallback = component_logger("parley");
  spdlog::set_default_logger(fallback);
  // After the default logger: spdlog::get_level() (what new component
  // loggers copy) reads the default logger's level.
  spdlog::set_level(level);
}

std::unique_ptr<spdlog::formatter> make_json_log_formatter() {
  return std::make_unique<JsonLogFormatter>();
}

}  // namespace parley
