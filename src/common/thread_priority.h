#pragma once

namespace parley {

// How much lower than the rest of the process background threads run
// (nice +10: about a tenth of a core's share against a busy normal thread).
inline constexpr int kBackgroundNiceIncrement = 10;

// Lowers the calling thread's scheduling priority by kBackgroundNiceIncrement
// (capped at nice 19). For work off the sends' critical path: the outbox
// relay, event-log consumers, push senders. When the cores are busy, the
// scheduler then runs the event loop and the store writer first, and
// background work catches up when they wait; nothing it does is dropped.
// Measured: +10 % durable acked sends/s embedded (docs/performance.md,
// session 5). Best effort: a failure leaves the priority as it was.
void make_this_thread_background() noexcept;

}  // namespace parley
