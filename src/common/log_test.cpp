#include "common/log.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

namespace parley {
namespace {

namespace json = boost::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Parses one log line; fails the test unless it is an object with the four keys.
json::object parse_line(const std::string& line) {
  boost::system::error_code ec;
  auto v = json::parse(line, ec);
  EXPECT_FALSE(ec) << line;
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << line;
    return {};
  }
  auto& o = v.get_object();
  for (const char* key : {"ts", "level", "component", "msg"}) {
    EXPECT_TRUE(o.contains(key) && o.at(key).is_string()) << key << " in " << line;
  }
  return o;
}

// The string under `key`, or "" (with a failure) when absent.
std::string str(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) {
    ADD_FAILURE() << "no string " << key;
    return {};
  }
  return std::string(v->get_string());
}

// A logger writing json lines into a string stream.
struct Captured {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;
  explicit Captured(const std::string& name) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_formatter(make_json_log_formatter());
    logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(spdlog::level::trace);
  }
};

TEST(JsonLog, OneObjectPerLineWithTheRequiredKeys) {
  Captured c("gateway");
  c.logger->info("accepted {} connections", 3);
  c.logger->warn("slow client");
  c.logger->error("store down");
  auto lines = lines_of(c.out.str());
  ASSERT_EQ(lines.size(), 3u);
  auto first = parse_line(lines[0]);
  EXPECT_EQ(str(first, "level"), "info");
  EXPECT_EQ(str(first, "component"), "gateway");
  EXPECT_EQ(str(first, "msg"), "accepted 3 connections");
  EXPECT_EQ(str(parse_line(lines[1]), "level"), "warn");
  EXPECT_EQ(str(parse_line(lines[2]), "level"), "error");
  // RFC 3339 UTC with milliseconds.
  std::string ts = str(first, "ts");
  ASSERT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts[4], '-');
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(JsonLog, EscapesWhateverTheMessageHolds) {
  Captured c("api");
  const std::string hostile = "quote\" back\\ nl\n cr\r tab\t nul" + std::string(1, '\0') +
                              " bell\x07 del\x7f {\"level\":\"fake\"} é 😀";
  c.logger->info("{}", hostile);
  auto lines = lines_of(c.out.str());
  ASSERT_EQ(lines.size(), 1u);  // the newline in msg did not split the line
  auto o = parse_line(lines[0]);
  EXPECT_EQ(str(o, "msg"), hostile);
  EXPECT_EQ(str(o, "level"), "info");
}

TEST(JsonLog, InvalidUtf8BecomesReplacementCharacters) {
  auto escaped = [](std::string_view s) {
    std::string out;
    append_json_string(s, out);
    return out;
  };
  EXPECT_EQ(escaped("ok"), "\"ok\"");
  EXPECT_EQ(escaped("\xC3\xA9"), "\"\xC3\xA9\"");                  // é stays
  EXPECT_EQ(escaped("a\xFF" "b"), "\"a\\ufffdb\"");                 // never a lead byte
  EXPECT_EQ(escaped("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(escaped("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(escaped("\xF4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
  EXPECT_EQ(escaped("\xE2\x82"), "\"\\ufffd\\ufffd\"");             // cut short
  Captured c("x");
  c.logger->info("{}", std::string("bad \xC3 tail \xE2\x82"));
  auto o = parse_line(lines_of(c.out.str()).at(0));
  EXPECT_EQ(str(o, "msg"), "bad \xEF\xBF\xBD tail \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonLog, LevelsAreHonoured) {
  Captured c("service");
  c.logger->set_level(spdlog::level::info);
  c.logger->debug("hidden");
  c.logger->trace("hidden too");
  c.logger->info("shown");
  auto lines = lines_of(c.out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(str(parse_line(lines[0]), "msg"), "shown");
}

TEST(LogConfig, ParsesNamesStrictly) {
  EXPECT_EQ(parse_log_format("json"), LogFormat::json);
  EXPECT_EQ(parse_log_format("text"), LogFormat::text);
  EXPECT_FALSE(parse_log_format("JSON "));
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("off"), spdlog::level::off);
  EXPECT_FALSE(parse_log_level("verbose"));  // spdlog's from_str would say "off"
  EXPECT_FALSE(parse_log_level(""));
}

// The real sink: stderr, reached through component loggers created before and
// after configuration and through spdlog's default logger.
TEST(LogConfig, EveryLoggerWritesJsonToStderrAtTheConfiguredLevel) {
  auto early = component_logger("early");
  char path[] = "/tmp/parley-log-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);

  configure_logging(spdlog::level::info, LogFormat::json);
  early->info("from early");
  early->debug("not at info");
  component_logger("late")->warn("from late");
  spdlog::error("from the default logger");
  configure_logging(spdlog::level::debug, LogFormat::json);
  component_logger("late")->debug("debug now");

  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  configure_logging(spdlog::level::info, LogFormat::text);

  auto lines = lines_of(text.str());
  ASSERT_EQ(lines.size(), 4u) << text.str();
  auto a = parse_line(lines[0]), b = parse_line(lines[1]), c = parse_line(lines[2]),
       d = parse_line(lines[3]);
  EXPECT_EQ(str(a, "component"), "early");
  EXPECT_EQ(str(a, "msg"), "from early");
  EXPECT_EQ(str(b, "component"), "late");
  EXPECT_EQ(str(b, "level"), "warn");
  EXPECT_EQ(str(c, "component"), "parley");
  EXPECT_EQ(str(c, "level"), "error");
  EXPECT_EQ(str(d, "msg"), "debug now");
  EXPECT_EQ(str(d, "level"), "debug");
}

}  // namespace
}  // namespace parley
