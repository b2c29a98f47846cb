// Exponential backoff with FULL jitter:
//   delay = random(0, min(maxMs, baseMs * 2^attempt))
// (see "Exponential Backoff And Jitter", AWS Architecture Blog).

export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 250, maxMs: 30000 });

/** The upper bound of the delay for `attempt` (0-based). */
export function backoffCap(attempt, { baseMs = DEFAULT_BACKOFF.baseMs, maxMs = DEFAULT_BACKOFF.maxMs } = {}) {
  const a = Math.max(0, Math.floor(attempt));
  // 2 ** a overflows to Infinity for large a; Math.min takes care of it.
  return Math.min(maxMs, baseMs * 2 ** a);
}

/**
 * A delay in [0, cap] for `attempt` (0-based), uniformly drawn with `random`
 * (a function returning a number in [0, 1), Math.random by default).
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const cap = backoffCap(attempt, options);
  const r = Math.min(Math.max(Number(random()) || 0, 0), 1);
  return Math.floor(r * cap);
}
