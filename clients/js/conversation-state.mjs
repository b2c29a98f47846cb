// Per-conversation delivery state: the last contiguous seq delivered to the
// application, the messages held back behind a gap, and the ids already seen.
// It decides, for each incoming message, whether it is delivered now (with
// whatever it unblocks), buffered behind a gap, or dropped as a duplicate.

const DEFAULT_REMEMBERED_IDS = 4096;

export class ConversationState {
  /**
   * @param {string} id conversation id
   * @param {number} lastSeq last contiguous seq the application already holds
   */
  constructor(id, lastSeq = 0, { rememberIds = DEFAULT_REMEMBERED_IDS } = {}) {
    this.id = id;
    this.lastSeq = lastSeq;
    this.buffer = new Map(); // seq -> message, all > lastSeq + 1
    this.seenIds = new Set(); // message ids delivered or buffered (bounded, oldest dropped first)
    this.rememberIds = rememberIds;
    // Owned by the client:
    this.filling = null; // null | 'sync' | 'rest': a gap fill in progress
    this.fillAttempt = 0;
    this.fillTimer = null;
    this.receivedSeq = 0; // highest seq acknowledged with `received` on this connection
    this.receivedAt = -Infinity; // when the last `received` went out
    this.receivedTimer = null;
    this.reack = false; // a duplicate came in: acknowledge again even if nothing advanced
  }

  /** True while messages are held back behind a gap. */
  get hasGap() {
    return this.buffer.size > 0;
  }

  /** The lowest buffered seq, or null. */
  get firstBufferedSeq() {
    let min = null;
    for (const s of this.buffer.keys()) if (min === null || s < min) min = s;
    return min;
  }

  /** The highest seq held (delivered or buffered). */
  get highestSeq() {
    let max = this.lastSeq;
    for (const s of this.buffer.keys()) if (s > max) max = s;
    return max;
  }

  #remember(messageId) {
    if (typeof messageId !== 'string') return;
    this.seenIds.add(messageId);
    if (this.seenIds.size > this.rememberIds) {
      // A Set iterates in insertion order: drop the oldest.
      const oldest = this.seenIds.values().next().value;
      this.seenIds.delete(oldest);
    }
  }

  /**
   * Takes one incoming message.
   * @returns {{status: 'delivered'|'buffered'|'duplicate'|'invalid', deliver: object[]}}
   *   `deliver` lists, in seq order, the messages to hand to the application now.
   */
  accept(message) {
    const seq = message?.seq;
    if (!Number.isSafeInteger(seq) || seq < 1) return { status: 'invalid', deliver: [] };
    if (seq <= this.lastSeq || this.buffer.has(seq)) return { status: 'duplicate', deliver: [] };
    if (typeof message.message_id === 'string' && this.seenIds.has(message.message_id)) {
      return { status: 'duplicate', deliver: [] };
    }
    this.#remember(message.message_id);
    if (seq !== this.lastSeq + 1) {
      this.buffer.set(seq, message);
      return { status: 'buffered', deliver: [] };
    }
    const deliver = [message];
    this.lastSeq = seq;
    while (this.buffer.has(this.lastSeq + 1)) {
      const next = this.buffer.get(this.lastSeq + 1);
      this.buffer.delete(this.lastSeq + 1);
      deliver.push(next);
      this.lastSeq += 1;
    }
    return { status: 'delivered', deliver };
  }
}
