#pragma once
#include "bus/bus.h"

namespace parley::bus {

// In-process bus for embedded mode: publish hands the envelope straight to
// the handler, in order, on the caller's thread (the event loop). One
// gateway holds every subscriber, so subscriptions need no bookkeeping.
class LocalBus final : public Bus {
 public:
  void set_handler(Handler handler) override { handler_ = std::move(handler); }
  void publish(Envelope envelope) override {
    if (handler_) handler_(envelope);
  }
  void subscribe(Envelope::Scope, const std::string&) override {}
  void unsubscribe(Envelope::Scope, const std::string&) override {}

 private:
  Handler handler_;
};

}  // namespace parley::bus
