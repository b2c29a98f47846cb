// A fake WebSocket, injected into ParleyClient, with the server side under
// the test's control. hub.sockets lists every socket the client opened.
import { Emitter } from '../../emitter.mjs';
import { waitForEvent } from './wait.mjs';

export function createHub() {
  const hub = new Emitter();
  hub.sockets = [];

  class FakeWebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;

    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.sent = []; // parsed frames the client sent
      this.closedBy = null; // {code, reason} when the client closed it
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      this.index = hub.sockets.length;
      this.createdAt = Date.now();
      hub.sockets.push(this);
      hub.emit('socket', this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('send on a socket that is not open');
      const frame = JSON.parse(data);
      this.sent.push(frame);
      hub.emit('sent', frame, this);
    }

    close(code = 1000, reason = '') {
      if (code !== 1000 && (code < 3000 || code > 4999)) throw new Error(`InvalidAccessError: close code ${code}`);
      if (this.readyState >= 2) return;
      this.readyState = 3;
      this.closedBy = { code, reason };
      hub.emit('client-close', this);
      queueMicrotask(() => this.onclose?.({ code, reason, wasClean: true }));
    }

    // ---- the server's side

    /** Completes the upgrade and sends hello. */
    accept(hello = {}) {
      this.readyState = 1;
      this.onopen?.({});
      this.push({
        type: 'hello',
        user_id: 'alice',
        session_id: `s_${this.index}`,
        heartbeat_ms: 25000,
        retransmit_ms: 10000,
        max_replay: 1000,
        server_time: Date.now(),
        ...hello,
      });
    }

    push(frame) {
      if (this.readyState !== 1) throw new Error('push on a socket that is not open');
      this.onmessage?.({ data: JSON.stringify(frame) });
    }

    serverClose(code = 1000, reason = '') {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code, reason, wasClean: true });
    }

    /** The connection fails (refused, network down). */
    fail() {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    }

    /** An error event with no close event after it (Node 20's undici on a refused connection). */
    errorOnly() {
      this.onerror?.({});
    }

    /** Frames of `type` sent so far. */
    frames(type) {
      return this.sent.filter((f) => f.type === type);
    }
  }

  hub.WebSocket = FakeWebSocket;

  /** The socket number `index` (0-based), waiting for it to be opened. */
  hub.socket = (index, timeoutMs = 2000) => {
    if (hub.sockets[index]) return Promise.resolve(hub.sockets[index]);
    return waitForEvent(hub, 'socket', (ws) => ws.index === index, timeoutMs);
  };

  /** The first frame sent on `ws` matching pred (already sent or yet to come). */
  hub.sent = (ws, pred, timeoutMs = 2000) => {
    const found = ws.sent.find(pred);
    if (found) return Promise.resolve(found);
    return waitForEvent(hub, 'sent', (frame, s) => s === ws && pred(frame), timeoutMs);
  };

  /** Waits until `count` frames matching pred were sent on ws; resolves with them. */
  hub.sentCount = async (ws, pred, count, timeoutMs = 2000) => {
    const have = () => ws.sent.filter(pred);
    if (have().length >= count) return have();
    await waitForEvent(hub, 'sent', (frame, s) => s === ws && have().length >= count, timeoutMs);
    return have();
  };

  return hub;
}

/**
 * Opens socket `index`: hello, then answers the client's sync with `synced`
 * (conversations echo what the client asked unless overridden).
 * Resolves with {ws, sync}.
 */
export async function openAndSync(hub, index, { hello = {}, synced = {}, beforeSynced } = {}) {
  const ws = await hub.socket(index);
  ws.accept(hello);
  const sync = await hub.sent(ws, (f) => f.type === 'sync');
  if (beforeSynced) await beforeSynced(ws, sync);
  ws.push({
    type: 'synced',
    req: sync.req,
    conversations: { ...sync.conversations },
    too_far_behind: [],
    not_member: [],
    ...synced,
  });
  return { ws, sync };
}

/** A message frame. */
export function msg(conversation_id, seq, extra = {}) {
  return {
    type: 'message',
    conversation_id,
    seq,
    message_id: `m_${conversation_id}_${seq}`,
    sender_id: 'bob',
    client_msg_id: `b-${seq}`,
    content: `hello ${seq}`,
    kind: 'text',
    reply_to: null,
    ts: 1764170000000 + seq,
    ...extra,
  };
}
