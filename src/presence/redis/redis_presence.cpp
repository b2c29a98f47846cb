#include "presence/redis/redis_presence.h"

#include <charconv>
#include <stdexcept>
#include <vector>

#include "common/clock.h"
#include "presence/redis/presence_scripts.h"

namespace parley::presence {
namespace {

redis::Endpoint parse_or_throw(const std::string& url) {
  auto ep = redis::parse_endpoint(url);
  if (!ep) throw std::invalid_argument("redis presence: malformed URL: " + url);
  return *ep;
}

std::string non_empty(std::string gateway_id) {
  if (gateway_id.empty()) throw std::invalid_argument("redis presence: empty gateway id");
  return gateway_id;
}

std::string members_key(std::string_view user) { return "pp:" + std::string(user); }
std::string last_seen_key(std::string_view user) { return "pl:" + std::string(user); }

bool is_one(const redis::ReplyPtr& r) { return r->type == REDIS_REPLY_INTEGER && r->integer == 1; }

std::int64_t to_int(const redisReply& r) {
  if (r.type == REDIS_REPLY_INTEGER) return r.integer;
  std::int64_t v = 0;
  if (r.type == REDIS_REPLY_STRING) std::from_chars(r.str, r.str + r.len, v);
  return v;  // nil or garbage: never seen
}

}  // namespace

RedisPresence::RedisPresence(std::string gateway_id, const std::string& redis_url,
                             RedisPresenceOptions options)
    : gateway_id_(non_empty(std::move(gateway_id))),
      options_(options),
      conn_(parse_or_throw(redis_url), options.timeout),
      refresher_([this] { refresh_loop(); }) {}

RedisPresence::~RedisPresence() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  refresher_.join();
}

bool RedisPresence::set_online(std::string_view user_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  local_.emplace(user_id);  // refreshed from now on, even if Redis is down now
  auto ttl = options_.ttl.count();
  auto r = conn_.run({{"EVAL", scripts::kSetOnline, "2", members_key(user_id),
                       last_seen_key(user_id), std::to_string(now_ms), std::to_string(now_ms + ttl),
                       gateway_id_, std::to_string(2 * ttl)}});
  // Down: say "online"; a duplicate announcement beats a missing one.
  return r.empty() || is_one(r[0]);
}

bool RedisPresence::set_offline(std::string_view user_id, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  local_.erase(std::string(user_id));
  auto r = conn_.run({{"EVAL", scripts::kSetOffline, "2", members_key(user_id),
                       last_seen_key(user_id), std::to_string(now_ms), gateway_id_}});
  return r.empty() || is_one(r[0]);
}

std::vector<PresenceState> RedisPresence::query(const std::vector<std::string>& user_ids) {
  std::vector<PresenceState> out;
  out.reserve(user_ids.size());
  for (const auto& id : user_ids) out.push_back({id, false, 0});
  if (user_ids.empty()) return out;

  // Members whose expiry is still ahead; "(" makes the bound exclusive.
  // Appended, not `"(" + std::to_string(...)`, on which GCC 12 warns falsely
  // (-Wrestrict, inlined memcpy).
  std::string alive_after = "(";
  alive_after += std::to_string(parley::now_ms());
  std::vector<BlockingConnection::Command> cmds;
  cmds.reserve(2 * user_ids.size());
  for (const auto& id : user_ids) {
    cmds.push_back({"ZCOUNT", members_key(id), alive_after, "+inf"});
    cmds.push_back({"GET", last_seen_key(id)});
  }
  auto r = conn_.run(cmds);
  if (r.empty()) return out;  // down: everyone reads as offline
  for (std::size_t i = 0; i < user_ids.size(); ++i) {
    out[i].online = to_int(*r[2 * i]) > 0;
    out[i].last_seen = to_int(*r[2 * i + 1]);
  }
  return out;
}

void RedisPresence::refresh_loop() {
  auto period = std::max(options_.ttl / 3, std::chrono::milliseconds(1));
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    refresh_once();
    lock.lock();
  }
}

void RedisPresence::refresh_once() {
  std::vector<std::string> users;
  {
    std::lock_guard lock(mu_);
    users.assign(local_.begin(), local_.end());
  }
  auto ttl = options_.ttl.count();
  for (std::size_t start = 0; start < users.size(); start += kRefreshBatch) {
    std::lock_guard lock(mu_);
    auto expiry = std::to_string(parley::now_ms() + ttl);
    std::vector<BlockingConnection::Command> cmds;
    for (std::size_t i = start; i < std::min(users.size(), start + kRefreshBatch); ++i) {
      // Gone since the snapshot: set_offline already removed it in Redis.
      if (!local_.contains(users[i])) continue;
      auto key = members_key(users[i]);
      // Plain ZADD, not XX: it also restores entries a restarted Redis lost.
      cmds.push_back({"ZADD", key, expiry, gateway_id_});
      cmds.push_back({"PEXPIRE", key, std::to_string(2 * ttl)});
    }
    if (!cmds.empty()) conn_.run(cmds);  // a failure is logged by conn_; next round retries
  }
}

}  // namespace parley::presence
