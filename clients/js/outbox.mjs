// The outbox: messages the application sent and the server has not acked
// yet, in the order they were sent. Each keeps its client_msg_id for life, so
// a resend after a reconnect is recognised by the server as the same message.

export class Outbox {
  #entries = []; // in send order
  #byId = new Map(); // client_msg_id -> entry

  get size() {
    return this.#entries.length;
  }

  /** All entries, oldest first. */
  entries() {
    return [...this.#entries];
  }

  add(entry) {
    if (this.#byId.has(entry.client_msg_id)) throw new Error(`duplicate client_msg_id ${entry.client_msg_id}`);
    this.#entries.push(entry);
    this.#byId.set(entry.client_msg_id, entry);
    return entry;
  }

  get(clientMsgId) {
    return this.#byId.get(clientMsgId);
  }

  byReq(req) {
    if (req == null) return undefined;
    return this.#entries.find((e) => e.req === req);
  }

  remove(clientMsgId) {
    const entry = this.#byId.get(clientMsgId);
    if (!entry) return undefined;
    this.#byId.delete(clientMsgId);
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    return entry;
  }

  /** The public view of the entries (what a UI shows as "pending"). */
  snapshot() {
    return this.#entries.map(publicEntry);
  }

  /** What a storage hook persists (no promise, timer or connection state). */
  serializable() {
    return this.#entries.map((e) => ({
      conversation_id: e.conversation_id,
      client_msg_id: e.client_msg_id,
      content: e.content,
      kind: e.kind,
      reply_to: e.reply_to,
      created_at: e.created_at,
    }));
  }
}

export function publicEntry(e) {
  return {
    conversation_id: e.conversation_id,
    client_msg_id: e.client_msg_id,
    content: e.content,
    kind: e.kind,
    reply_to: e.reply_to,
    created_at: e.created_at,
    state: e.sentOn ? 'sent' : 'queued',
    attempts: e.attempts,
  };
}
