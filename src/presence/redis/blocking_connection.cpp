#include "presence/redis/blocking_connection.h"

#include "common/log.h"

namespace parley::presence {
namespace {

constexpr auto kRetryAfter = std::chrono::seconds(1);

std::shared_ptr<spdlog::logger> logger() {
  static auto l = component_logger("presence.redis");
  return l;
}

}  // namespace

BlockingConnection::BlockingConnection(redis::Endpoint ep, std::chrono::milliseconds timeout)
    : ep_(std::move(ep)), timeout_(timeout) {}

bool BlockingConnection::healthy() {
  std::lock_guard lock(mu_);
  return ensure_connected();
}

bool BlockingConnection::ensure_connected() {
  if (ctx_) return true;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return false;
  ctx_ = redis::connect_blocking(ep_, timeout_);
  if (!ctx_) {
    fail("unreachable");
    return false;
  }
  if (down_) logger()->info("presence Redis {} is back", ep_.url());
  down_ = false;
  return true;
}

void BlockingConnection::fail(const char* why) {
  ctx_.reset();
  next_attempt_ = std::chrono::steady_clock::now() + kRetryAfter;
  if (!down_)
    logger()->warn("presence Redis {} {}: users read as offline until it is back", ep_.url(), why);
  down_ = true;
}

std::vector<redis::ReplyPtr> BlockingConnection::run(const std::vector<Command>& commands) {
  std::lock_guard lock(mu_);
  if (!ensure_connected()) return {};
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data());
  }
  std::vector<redis::ReplyPtr> replies;
  replies.reserve(commands.size());
  bool error_reply = false;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    // Fails on a timeout or a lost connection: the stream is out of step, drop it.
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || !raw) {
      fail("stopped answering");
      return {};
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
    if (replies.back()->type == REDIS_REPLY_ERROR) error_reply = true;
  }
  if (error_reply) {
    // A bug or a misconfigured node, not an outage: say so each time, briefly.
    logger()->error("presence Redis {} answered a command with an error", ep_.url());
    return {};
  }
  return replies;
}

}  // namespace parley::presence
