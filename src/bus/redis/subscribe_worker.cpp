#include "bus/redis/subscribe_worker.h"

#include <cstring>

namespace parley::bus {
namespace {

// Channels per SUBSCRIBE command on reconnect: one command for 100,000
// channels would be one huge write and one huge reply burst.
constexpr std::size_t kChunk = 512;

bool is(const redisReply& r, const char* s) {
  return r.type == REDIS_REPLY_STRING && r.len == std::strlen(s) &&
         std::memcmp(r.str, s, r.len) == 0;
}

}  // namespace

SubscribeWorker::SubscribeWorker(redis::Endpoint ep, OnMessage on_message)
    : on_message_(std::move(on_message)), link_(std::move(ep), *this, "subscribe") {}

void SubscribeWorker::subscribe(std::string channel) {
  {
    std::lock_guard lock(mu_);
    ops_.emplace_back(true, std::move(channel));
  }
  link_.wake();
}

void SubscribeWorker::unsubscribe(std::string channel) {
  {
    std::lock_guard lock(mu_);
    ops_.emplace_back(false, std::move(channel));
  }
  link_.wake();
}

void SubscribeWorker::take_ops(std::vector<std::pair<bool, std::string>>& out) {
  std::lock_guard lock(mu_);
  out.swap(ops_);
}

void SubscribeWorker::send(redisContext* c, const char* verb,
                           const std::vector<const std::string*>& chans) {
  std::vector<const char*> argv{verb};
  std::vector<size_t> lens{std::strlen(verb)};
  for (const auto* ch : chans) {
    argv.push_back(ch->data());
    lens.push_back(ch->size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

void SubscribeWorker::on_connected(redisContext* c) {
  // Bring the wanted set up to date, then subscribe all of it: the old
  // connection's subscriptions died with it.
  std::vector<std::pair<bool, std::string>> ops;
  take_ops(ops);
  for (auto& [sub, ch] : ops) {
    if (sub)
      wanted_.insert(std::move(ch));
    else
      wanted_.erase(ch);
  }
  std::vector<const std::string*> chunk;
  for (const auto& ch : wanted_) {
    chunk.push_back(&ch);
    if (chunk.size() == kChunk) {
      send(c, "SUBSCRIBE", chunk);
      chunk.clear();
    }
  }
  if (!chunk.empty()) send(c, "SUBSCRIBE", chunk);
}

void SubscribeWorker::fill(redisContext* c) {
  std::vector<std::pair<bool, std::string>> ops;
  take_ops(ops);
  for (auto& [sub, ch] : ops) {
    send(c, sub ? "SUBSCRIBE" : "UNSUBSCRIBE", {&ch});
    if (sub)
      wanted_.insert(std::move(ch));
    else
      wanted_.erase(ch);
  }
}

void SubscribeWorker::on_reply(const redisReply& r) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) return;
  const redisReply& kind = *r.element[0];
  if (is(kind, "message")) {
    const redisReply& ch = *r.element[1];
    const redisReply& payload = *r.element[2];
    if (ch.type == REDIS_REPLY_STRING && payload.type == REDIS_REPLY_STRING)
      on_message_({ch.str, ch.len}, {payload.str, payload.len});
  } else if (is(kind, "subscribe") || is(kind, "unsubscribe")) {
    // Each confirmation carries how many channels this connection now holds.
    if (r.element[2]->type == REDIS_REPLY_INTEGER)
      confirmed_.store(static_cast<std::size_t>(r.element[2]->integer), std::memory_order_release);
  }
}

}  // namespace parley::bus
