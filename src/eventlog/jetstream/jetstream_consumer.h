#pragma once
// A durable pull consumer of the JetStream log (see jetstream_event_log.h for
// what it guarantees). Its own thread; stop() returns within fetch_wait.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "eventlog/event_log.h"
#include "eventlog/jetstream/nats_handles.h"

namespace parley::eventlog {

class JetStreamEventLog;

class JetStreamConsumer final : public Consumer {
 public:
  // log (and its context js) must outlive the consumer.
  JetStreamConsumer(JetStreamEventLog& log, jsCtx* js, std::string name, Handler handler);
  ~JetStreamConsumer() override { stop(); }
  void stop() override;

 private:
  void run();
  Status subscribe();
  // Handles one fetched message until the handler accepts it; false when
  // stopping first (the message is then nak'ed).
  bool handle(natsMsg* msg);
  bool pause(std::chrono::milliseconds d);

  JetStreamEventLog& log_;
  jsCtx* js_;
  std::string name_;
  Handler handler_;
  nats::Subscription sub_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace parley::eventlog
