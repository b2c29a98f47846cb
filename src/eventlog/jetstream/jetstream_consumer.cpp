#include "eventlog/jetstream/jetstream_consumer.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"
#include "common/thread_priority.h"
#include "eventlog/event_codec.h"
#include "eventlog/eventlog_metrics.h"
#include "eventlog/jetstream/jetstream_event_log.h"

namespace parley::eventlog {

namespace {

std::shared_ptr<spdlog::logger> logger() {
  static auto log = component_logger("jetstream");
  return log;
}

constexpr std::chrono::milliseconds kMinBackoff{50};

}  // namespace

JetStreamConsumer::JetStreamConsumer(JetStreamEventLog& log, jsCtx* js, std::string name,
                                     Handler handler, Flush flush)
    : log_(log),
      js_(js),
      name_(std::move(name)),
      handler_(std::move(handler)),
      flush_(std::move(flush)) {
  thread_ = std::thread([this] { run(); });
}

void JetStreamConsumer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The acks and naks of the last batch must reach the server before the
  // subscription (and maybe the connection) goes.
  log_.flush();
  sub_.reset();
}

bool JetStreamConsumer::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_.load(); });
  return !stopping_;
}

Status JetStreamConsumer::subscribe() {
  if (auto s = log_.ensure_stream(); !s) return s;
  const JetStreamOptions& o = log_.options();
  const std::string filter = o.subject_prefix + ".*";
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = o.stream.c_str();
  so.Config.Durable = name_.c_str();
  so.Config.AckPolicy = js_AckExplicit;
  so.Config.DeliverPolicy = js_DeliverAll;
  so.Config.AckWait = std::chrono::duration_cast<std::chrono::nanoseconds>(o.ack_wait).count();
  so.Config.MaxDeliver = -1;  // never give up on an event
  so.Config.MaxAckPending = o.max_ack_pending;
  so.Config.FilterSubject = filter.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_PullSubscribe(&sub, js_, filter.c_str(), name_.c_str(), nullptr, &so, &err);
  if (s != NATS_OK) return nats::failure("pull subscribe " + name_, s, err);
  sub_.reset(sub);
  return ok_status();
}

void JetStreamConsumer::keep_in_progress(natsMsgList& batch, int count) {
  for (int i = 0; i < count; ++i)
    if (!terminated_[i]) natsMsg_InProgress(batch.Msgs[i], nullptr);
}

bool JetStreamConsumer::handle_one(natsMsgList& batch, int index) {
  natsMsg* msg = batch.Msgs[index];
  auto event = decode_event(std::string_view(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
  if (!event) {
    // Not ours or corrupt: no handler could ever take it; keeping it would
    // stall the consumer forever.
    logger()->error("consumer {}: dropping an undecodable message on {}", name_,
                    natsMsg_GetSubject(msg));
    natsMsg_Term(msg, nullptr);
    terminated_[index] = true;
    return true;
  }
  const auto ack_wait = log_.options().ack_wait;
  auto retry = kMinBackoff;
  auto since_progress = std::chrono::milliseconds(0);
  while (!stopping_) {
    auto s = handler_(*event);
    if (s) {
      if (!flush_) {
        // Fire-and-forget: a lost ack means one redelivery, which handlers
        // tolerate (at-least-once).
        natsMsg_Ack(msg, nullptr);
        metric::consumer_handled.inc();
      }
      return true;
    }
    logger()->warn("consumer {}: handler refused event {}: {}; retrying in {} ms", name_, event->id,
                   s.error().message, retry.count());
    if (!pause(retry)) break;
    // Still ours: without this the server would hand it (and, with a flush,
    // the batch's unacked messages before it) to someone else after
    // ack_wait, and order would break.
    since_progress += retry;
    if (since_progress * 2 >= ack_wait) {
      if (flush_) keep_in_progress(batch, index);
      natsMsg_InProgress(msg, nullptr);
      since_progress = std::chrono::milliseconds(0);
    }
    retry = std::min(retry * 2, log_.options().max_backoff);
  }
  return false;
}

int JetStreamConsumer::handle(natsMsgList& batch, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (terminated_[i]) continue;
    if (!handle_one(batch, i)) return i;
  }
  return to;
}

bool JetStreamConsumer::flush_batch(natsMsgList& batch, int handled) {
  const auto ack_wait = log_.options().ack_wait;
  auto retry = kMinBackoff;
  auto since_progress = std::chrono::milliseconds(0);
  for (;;) {
    // Tried once even when stopping: what was handled is then acked, not
    // handed to the next consumer.
    auto s = flush_();
    if (s) return true;
    logger()->warn("consumer {}: flush failed: {}; handling its {} events again in {} ms", name_,
                   s.error().message, handled, retry.count());
    if (stopping_ || !pause(retry)) return false;
    since_progress += retry;
    if (since_progress * 2 >= ack_wait) {
      keep_in_progress(batch, handled);
      since_progress = std::chrono::milliseconds(0);
    }
    retry = std::min(retry * 2, log_.options().max_backoff);
    // A failed flush may have dropped what the handler staged: again, in order.
    if (handle(batch, 0, handled) < handled) return false;
  }
}

void JetStreamConsumer::run() {
  name_this_thread("js-consumer");
  make_this_thread_background();
  const JetStreamOptions& o = log_.options();
  auto backoff = kMinBackoff;
  while (!stopping_) {
    if (!sub_) {
      if (auto s = subscribe(); !s) {
        logger()->warn("consumer {}: {}; retrying in {} ms", name_, s.error().message,
                       backoff.count());
        if (!pause(backoff)) return;
        backoff = std::min(backoff * 2, o.max_backoff);
        continue;
      }
      backoff = kMinBackoff;
    }
    natsMsgList list{};
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s =
        natsSubscription_Fetch(&list, sub_.get(), o.fetch_batch, o.fetch_wait.count(), &err);
    if (s == NATS_TIMEOUT) continue;  // nothing new
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      logger()->warn("consumer {}: fetch failed: {}; retrying in {} ms", name_,
                     natsStatus_GetText(s), backoff.count());
      // The consumer or stream may be gone (NATS restarted without its
      // storage): subscribe again.
      if (err == JSConsumerNotFoundErr || err == JSStreamNotFoundErr) sub_.reset();
      if (!pause(backoff)) return;
      backoff = std::min(backoff * 2, o.max_backoff);
      continue;
    }
    backoff = kMinBackoff;
    terminated_.assign(static_cast<std::size_t>(list.Count), false);
    int handled = handle(list, 0, list.Count);
    if (flush_ && handled > 0) {
      // One flush for the batch, then its acks: a handler that batches its
      // writes commits once per fetch, not once per event.
      if (flush_batch(list, handled)) {
        for (int i = 0; i < handled; ++i) {
          if (terminated_[i]) continue;
          natsMsg_Ack(list.Msgs[i], nullptr);
          metric::consumer_handled.inc();
        }
      } else {
        handled = 0;  // stopping with nothing durable: all of it goes back
      }
    }
    // Stopping: hand back what this batch did not handle, in order, so the
    // next consumer of this name gets it now rather than after ack_wait.
    for (int i = handled; i < list.Count; ++i)
      if (!terminated_[i]) natsMsg_Nak(list.Msgs[i], nullptr);
    natsMsgList_Destroy(&list);
  }
}

}  // namespace parley::eventlog
