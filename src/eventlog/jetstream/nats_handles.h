#pragma once
// Owning handles for the libnats C objects we keep, and the error text of a
// failed call (never a payload).
#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace parley::eventlog::nats {

// Set as the connection's closed callback (libnats delivers it last, after
// the disconnected one). Closing waits for it: otherwise a callback that logs
// can still run on libnats' thread after the connection, or at exit the
// logger, is gone (a segfault after the test had passed).
class CloseSignal {
 public:
  static void on_closed(natsConnection*, void* self) {
    auto* s = static_cast<CloseSignal*>(self);
    std::lock_guard lock(s->mu_);
    s->closed_ = true;
    s->cv_.notify_all();
  }
  void wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return closed_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
};

struct ConnectionCloser {
  std::shared_ptr<CloseSignal> closed;  // outlives the connection
  void operator()(natsConnection* c) const noexcept {
    natsConnection_Close(c);
    if (closed) closed->wait(std::chrono::seconds(5));
    natsConnection_Destroy(c);
  }
};
struct JsCtxDeleter {
  void operator()(jsCtx* js) const noexcept { jsCtx_Destroy(js); }
};
struct SubscriptionDeleter {
  // Destroy only: since libnats 3.4 that keeps the durable consumer on the
  // server (Unsubscribe would delete a consumer this call had created).
  void operator()(natsSubscription* s) const noexcept { natsSubscription_Destroy(s); }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const noexcept { natsMsg_Destroy(m); }
};
struct OptionsDeleter {
  void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};

using Connection = std::unique_ptr<natsConnection, ConnectionCloser>;
using JsContext = std::unique_ptr<jsCtx, JsCtxDeleter>;
using Subscription = std::unique_ptr<natsSubscription, SubscriptionDeleter>;
using Msg = std::unique_ptr<natsMsg, MsgDeleter>;
using Options = std::unique_ptr<natsOptions, OptionsDeleter>;

// unavailable: NATS is down, timing out or refusing (all retryable for us).
inline Error failure(const std::string& what, natsStatus s, jsErrCode js_err = static_cast<jsErrCode>(0)) {
  std::string m = "nats: " + what + ": " + natsStatus_GetText(s);
  if (js_err != 0) m += " (jetstream error " + std::to_string(static_cast<int>(js_err)) + ")";
  return make_error(Errc::unavailable, std::move(m));
}

}  // namespace parley::eventlog::nats
