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

SubscribeWorker::SubscribeWorker(redis::Endpoint ep, OnMessage on_message,
                                 OnConnected on_connected)
    : on_message_(std::move(on_message)),
      on_connected_(std::move(on_connected)),
      link_(std::move(ep), *this, "subscribe") {}

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

void SubscribeWorker::resubscribe(std::vector<std::string> channels) {
  {
    std::lock_guard lock(mu_);
    ops_.reserve(ops_.size() + channels.size());
    for (auto& ch : channels) ops_.emplace_back(true, std::move(ch));
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

void SubscribeWorker::on_connected(redisContext*) {
  // The old connection's subscriptions died with it. What was queued for it
  // is in the owner's wanted set, which it sends back (resubscribe); what
  // it queues after that, fill() sends in order, so the connection ends up
  // holding exactly the wanted set.
  std::vector<std::pair<bool, std::string>> stale;
  take_ops(stale);
  on_connected_();
}

void SubscribeWorker::fill(redisContext* c) {
  std::vector<std::pair<bool, std::string>> ops;
  take_ops(ops);
  // Runs of one verb go out as one command of up to kChunk channels.
  std::vector<const std::string*> run;
  bool run_sub = true;
  for (const auto& [sub, ch] : ops) {
    if (!run.empty() && (sub != run_sub || run.size() == kChunk)) {
      send(c, run_sub ? "SUBSCRIBE" : "UNSUBSCRIBE", run);
      run.clear();
    }
    run_sub = sub;
    run.push_back(&ch);
  }
  if (!run.empty()) send(c, run_sub ? "SUBSCRIBE" : "UNSUBSCRIBE", run);
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
