#include "bus/redis/node_link.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "common/log.h"
#include "common/thread_name.h"

namespace parley::bus {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto l = component_logger("bus.redis");
  return l;
}

}  // namespace

NodeLink::NodeLink(redis::Endpoint ep, LinkRole& role, std::string name)
    : ep_(std::move(ep)), role_(role), name_(std::move(name)) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");  // start-up only
  thread_ = std::thread([this] { run(); });
}

NodeLink::~NodeLink() {
  stopping_.store(true, std::memory_order_release);
  wake();
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
}

void NodeLink::wake() {
  std::uint64_t one = 1;
  // A full counter (EAGAIN) still means "awake": nothing to handle.
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void NodeLink::drain_wake() {
  std::uint64_t count;
  [[maybe_unused]] auto n = read(wake_fd_, &count, sizeof count);
}

void NodeLink::wait_for_wake(std::chrono::milliseconds timeout) {
  pollfd p{wake_fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) > 0) drain_wake();
}

void NodeLink::run() {
  name_this_thread("redis-link");
  auto backoff = kMinBackoff;
  bool reported_down = false;  // log once per outage, not once per attempt
  while (!stopping_.load(std::memory_order_acquire)) {
    auto c = redis::connect_nonblocking(ep_, kConnectTimeout);
    if (!c) {
      if (!reported_down) {
        logger()->warn("{} link to {} is down; retrying", name_, ep_.url());
        reported_down = true;
      }
      wait_for_wake(backoff);  // a wake here is only ever stop (or queued work: harmless)
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    if (reported_down) logger()->info("{} link to {} is back", name_, ep_.url());
    reported_down = false;
    backoff = kMinBackoff;
    role_.on_connected(c.get());
    connected_.store(true, std::memory_order_release);
    bool ok = serve(c.get());
    connected_.store(false, std::memory_order_release);
    role_.on_disconnected();
    if (!ok && !stopping_.load(std::memory_order_acquire)) {
      logger()->warn("{} link to {} lost: {}", name_, ep_.url(), c->errstr);
      reported_down = true;
    }
  }
}

bool NodeLink::serve(redisContext* c) {
  while (!stopping_.load(std::memory_order_acquire)) {
    role_.fill(c);
    bool want_write = sdslen(c->obuf) > 0;
    pollfd fds[2] = {{c->fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0},
                     {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents & POLLIN) drain_wake();
    if (fds[0].revents & POLLOUT) {
      int done = 0;
      if (redisBufferWrite(c, &done) != REDIS_OK) return false;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      // On EOF (the node went away) this fails and the caller reconnects.
      if (redisBufferRead(c) != REDIS_OK) return false;
      for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(c, &raw) != REDIS_OK) return false;
        if (!raw) break;
        redis::ReplyPtr reply(static_cast<redisReply*>(raw));
        role_.on_reply(*reply);
      }
    }
  }
  return true;
}

}  // namespace parley::bus
