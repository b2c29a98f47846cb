#pragma once
// A Store that calls `after_apply` after every apply() (on the caller's
// thread: the group committer's writer), so the outbox relay can be told
// "something committed" without the service knowing of relays:
//   NotifyingStore s(store, [&] { relay.notify(); });
// Everything else goes straight to the wrapped store, outboxes() included.
#include <functional>
#include <utility>

#include "store/forwarding_store.h"

namespace parley::eventlog {

class NotifyingStore final : public store::ForwardingStore {
 public:
  NotifyingStore(store::Store& inner, std::function<void()> after_apply)
      : ForwardingStore(inner), after_apply_(std::move(after_apply)) {}

  std::vector<store::WriteResult> apply(std::span<const store::WriteOp> ops) override {
    auto results = ForwardingStore::apply(ops);
    after_apply_();
    return results;
  }

 private:
  std::function<void()> after_apply_;
};

}  // namespace parley::eventlog
