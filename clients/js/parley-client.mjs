// Parley JavaScript client: an ES module for browsers and Node 20 with no
// dependencies. The wire protocol is docs/protocol.md of the Parley project.
//
// What it guarantees to the application (see README.md):
//  - every message is emitted exactly once ('message'), per conversation in
//    seq order, without gaps: the server delivers at least once, the client
//    de-duplicates by message_id and seq, holds back what comes after a gap
//    and fills the gap (sync, or REST history);
//  - sends are queued while offline and sent in order once live, each with a
//    client_msg_id it keeps across resends, so the server stores it once.
import { Emitter } from './emitter.mjs';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.mjs';
import { ConversationState } from './conversation-state.mjs';
import { Outbox, publicEntry } from './outbox.mjs';
import { ParleyError, RETRYABLE_CODES } from './errors.mjs';

export { ParleyError, RETRYABLE_CODES } from './errors.mjs';
export { backoffDelay, backoffCap, DEFAULT_BACKOFF } from './backoff.mjs';
export { ConversationState } from './conversation-state.mjs';
export { Outbox } from './outbox.mjs';
export { Emitter } from './emitter.mjs';

const OPEN = 1; // WebSocket.OPEN
const MAX_SYNC_CONVERSATIONS = 500; // per sync frame (docs/protocol.md)
const MAX_FRAME_BYTES = 64 * 1024; // larger frames get the connection closed with 1009
const MAX_CONTENT_BYTES = 16 * 1024;
const CLIENT_CLOSE_CODE = 4000; // used when the client drops a connection it no longer trusts
const MAX_ATTEMPT = 30;

const encoder = new TextEncoder();
const utf8Length = (s) => encoder.encode(s).length;

function randomId() {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function restBaseFrom(wsUrl) {
  const u = new URL(wsUrl);
  const protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${protocol}//${u.host}`;
}

function stripType(frame) {
  const { type, req, ...rest } = frame;
  return rest;
}

export class ParleyClient extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.url            WebSocket URL, e.g. "wss://chat.example.com/ws"
   * @param {string} [options.token]        a JWT
   * @param {() => Promise<string>|string} [options.getToken]  called before every connection and REST call
   * @param {Function} [options.WebSocket]  WebSocket implementation (default globalThis.WebSocket)
   * @param {Function} [options.fetch]      fetch implementation (default globalThis.fetch)
   * @param {string} [options.restUrl]      base URL of the REST API (default: derived from url)
   * @param {{baseMs?: number, maxMs?: number}} [options.backoff]
   * @param {number} [options.healthyAfterMs]   a connection open this long resets the backoff (10000)
   * @param {number} [options.requestTimeoutMs] reply timeout of every request (10000)
   * @param {number} [options.connectTimeoutMs] from opening the socket to `hello` (15000)
   * @param {number} [options.receivedIntervalMs] `received` at most this often per conversation (100)
   * @param {number} [options.typingIntervalMs] typing() sends at most this often per conversation (3000)
   * @param {number} [options.keepaliveMs]  ping after this long without a frame (default: hello's heartbeat_ms; 0: off)
   * @param {number} [options.historyPageSize] REST page size when catching up (200)
   * @param {'from-start'|'from-here'} [options.untracked] messages of a conversation not tracked yet:
   *        fetch it from seq 1 ('from-start', default) or start at that message ('from-here')
   * @param {object} [options.storage]     optional persistence hooks (README: "Persistence")
   * @param {() => number} [options.random] random source for jitter (default Math.random)
   */
  constructor(options = {}) {
    super();
    if (!options.url) throw new TypeError('ParleyClient: url is required');
    if (options.token == null && typeof options.getToken !== 'function') {
      throw new TypeError('ParleyClient: token or getToken is required');
    }
    this.url = options.url;
    this.restUrl = (options.restUrl ?? restBaseFrom(options.url)).replace(/\/+$/, '');
    this._token = options.token;
    this._getTokenFn = options.getToken;
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (typeof this._WebSocket !== 'function') {
      throw new TypeError('ParleyClient: no WebSocket implementation (pass options.WebSocket)');
    }
    this._backoff = { ...DEFAULT_BACKOFF, ...(options.backoff ?? {}) };
    this._healthyAfterMs = options.healthyAfterMs ?? 10000;
    this._requestTimeoutMs = options.requestTimeoutMs ?? 10000;
    this._connectTimeoutMs = options.connectTimeoutMs ?? 15000;
    this._receivedIntervalMs = options.receivedIntervalMs ?? 100;
    this._typingIntervalMs = options.typingIntervalMs ?? 3000;
    this._keepaliveOption = options.keepaliveMs;
    this._historyPageSize = options.historyPageSize ?? 200;
    this._untracked = options.untracked ?? 'from-start';
    this._storage = options.storage ?? null;
    this._random = options.random ?? Math.random;

    this._state = 'idle'; // idle | connecting | open | reconnecting | closed
    this._everOpened = false;
    this._ws = null;
    this._connId = 0;
    this._attempt = 0;
    this._live = false; // synced on the current connection
    this._hello = null;
    this._openedAt = 0;
    this._lastFrameAt = 0;
    this._reconnectAt = null; // set by the server's `reconnect` frame
    this._timers = { reconnect: null, connect: null, healthy: null, keepalive: null, drain: null, outbox: null };
    this._convs = new Map(); // conversation id -> ConversationState
    this._outbox = new Outbox();
    this._requests = new Map(); // req -> pending request
    this._reqCounter = 0;
    this._typingAt = new Map();
    this._versions = new Map(); // message_id -> last message_updated version seen
    this._syncRound = null; // the initial sync of the current connection
    this._started = null; // the promise returned by connect()
  }

  // ------------------------------------------------------------------ public

  /** connecting | open | reconnecting | closed (idle before connect()). */
  get state() {
    return this._state;
  }

  /** True once the current connection has completed its `sync` (live). */
  get live() {
    return this._live;
  }

  /** The last `hello` frame (user_id, session_id, heartbeat_ms, ...). */
  get hello() {
    return this._hello;
  }

  get userId() {
    return this._hello?.user_id ?? null;
  }

  /**
   * Starts the client. Resolves once the first connection is live (after
   * its `sync`); the client keeps reconnecting on its own until close().
   */
  connect() {
    if (this._state === 'closed') return Promise.reject(new ParleyError('closed', 'the client is closed'));
    if (this._started) return this._started;
    this._started = new Promise((resolve, reject) => {
      const offSynced = this.on('synced', () => {
        offSynced();
        offState();
        resolve(this);
      });
      const offState = this.on('state', (s) => {
        if (s === 'closed') {
          offSynced();
          offState();
          reject(new ParleyError('closed', 'the client was closed before it connected'));
        }
      });
    });
    this._started.catch(() => {}); // a caller that does not await it must not see an unhandled rejection
    this._setState('connecting');
    this._loadStorage().then(() => this._openSocket());
    return this._started;
  }

  /** Ends the client for good: no reconnect; pending operations reject with `closed`. */
  close() {
    if (this._state === 'closed') return;
    this._setState('closed');
    for (const t of Object.keys(this._timers)) this._clearTimer(t);
    const ws = this._ws;
    if (ws) this._teardown(ws, 1000, 'client closed', true);
    for (const conv of this._convs.values()) {
      clearTimeout(conv.receivedTimer);
      clearTimeout(conv.fillTimer);
      conv.receivedTimer = conv.fillTimer = null;
    }
    const err = () => new ParleyError('closed', 'the client was closed');
    for (const [req, r] of this._requests) {
      this._requests.delete(req);
      clearTimeout(r.timer);
      r.reject(err());
    }
    // The outbox stays in storage (if any) for the next client; the promises end here.
    for (const e of this._outbox.entries()) {
      clearTimeout(e.ackTimer);
      e.reject?.(err());
      e.resolve = e.reject = null;
    }
  }

  /**
   * Registers a conversation to follow, with the last contiguous seq the
   * application already holds (0: from the start). On every (re)connect the
   * client asks the server for what came after it. Tracking a conversation
   * already tracked does nothing.
   */
  track(conversationId, lastSeq = 0) {
    if (typeof conversationId !== 'string' || !conversationId) throw new TypeError('conversationId must be a non-empty string');
    if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) throw new TypeError('lastSeq must be a non-negative integer');
    if (this._convs.has(conversationId)) return false;
    const conv = new ConversationState(conversationId, lastSeq);
    this._convs.set(conversationId, conv);
    // Tracked while connected: ask for what it missed right away.
    if (this._connected()) this._fillGap(conv, 'sync');
    return true;
  }

  /** Stops following a conversation (its messages will be treated as untracked). */
  untrack(conversationId) {
    const conv = this._convs.get(conversationId);
    if (!conv) return false;
    clearTimeout(conv.receivedTimer);
    clearTimeout(conv.fillTimer);
    this._convs.delete(conversationId);
    return true;
  }

  /** The last contiguous seq delivered for a conversation (undefined if not tracked). */
  lastSeq(conversationId) {
    return this._convs.get(conversationId)?.lastSeq;
  }

  /** {conversationId: lastSeq} for every tracked conversation. */
  conversations() {
    return Object.fromEntries([...this._convs.values()].map((c) => [c.id, c.lastSeq]));
  }

  /**
   * Sends a message. Resolves with the ack ({conversation_id, client_msg_id,
   * message_id, seq, ts}) once the server stored it. Queued while offline;
   * resent with the same client_msg_id after a reconnect until acked. The
   * returned promise has a `clientMsgId` property for optimistic UIs.
   */
  send(conversationId, content, { kind = 'text', replyTo = null, clientMsgId } = {}) {
    if (typeof conversationId !== 'string' || !conversationId) {
      return Promise.reject(new TypeError('conversationId must be a non-empty string'));
    }
    if (typeof content !== 'string') return Promise.reject(new TypeError('content must be a string'));
    if (this._state === 'closed') return Promise.reject(new ParleyError('closed', 'the client is closed'));
    const client_msg_id = clientMsgId ?? randomId();
    if (typeof client_msg_id !== 'string' || client_msg_id.length < 1 || client_msg_id.length > 128) {
      return Promise.reject(new ParleyError('bad_request', 'clientMsgId must be 1-128 characters'));
    }
    if (this._outbox.get(client_msg_id)) {
      return Promise.reject(new ParleyError('bad_request', `client_msg_id ${client_msg_id} is already pending`));
    }
    if (utf8Length(content) > MAX_CONTENT_BYTES) {
      return Promise.reject(new ParleyError('too_large', `content is over ${MAX_CONTENT_BYTES} bytes`));
    }
    const frame = { type: 'send', req: 'r0000000000', conversation_id: conversationId, client_msg_id, content, kind, reply_to: replyTo };
    if (utf8Length(JSON.stringify(frame)) > MAX_FRAME_BYTES) {
      return Promise.reject(new ParleyError('too_large', `the send frame would be over ${MAX_FRAME_BYTES} bytes`));
    }
    let entry;
    const promise = new Promise((resolve, reject) => {
      entry = {
        conversation_id: conversationId,
        client_msg_id,
        content,
        kind,
        reply_to: replyTo,
        created_at: Date.now(),
        attempts: 0,
        sentOn: 0,
        req: null,
        retryAt: 0,
        ackTimer: null,
        resolve,
        reject,
      };
    });
    promise.clientMsgId = client_msg_id;
    this._outbox.add(entry);
    this._outboxChanged();
    if (this._live) this._flushOutbox();
    return promise;
  }

  /** The messages sent and not acked yet, oldest first (state: 'queued' | 'sent'). */
  pending() {
    return this._outbox.snapshot();
  }

  /** Marks a conversation read up to seq (a `receipt`). Resolves on `ok`. */
  markRead(conversationId, seq) {
    return this._receipt(conversationId, 'read', seq);
  }

  /** Marks a conversation delivered up to seq (a `receipt`). Resolves on `ok`. */
  markDelivered(conversationId, seq) {
    return this._receipt(conversationId, 'delivered', seq);
  }

  /** Edits one's own message. Resolves on `ok`; rejects with the server's error code. */
  edit(conversationId, messageId, content) {
    if (typeof content !== 'string') return Promise.reject(new TypeError('content must be a string'));
    if (utf8Length(content) > MAX_CONTENT_BYTES) {
      return Promise.reject(new ParleyError('too_large', `content is over ${MAX_CONTENT_BYTES} bytes`));
    }
    return this._request({ type: 'edit', conversation_id: conversationId, message_id: messageId, content }, { kind: 'edit' });
  }

  /** Deletes one's own message. Resolves on `ok`; rejects with the server's error code. */
  delete(conversationId, messageId) {
    return this._request({ type: 'delete', conversation_id: conversationId, message_id: messageId }, { kind: 'delete' });
  }

  /**
   * Tells the conversation's other members that the user is typing. Throttled
   * to once per typingIntervalMs (3 s) per conversation; best-effort, dropped
   * while not live. Returns true if a frame went out.
   */
  typing(conversationId) {
    if (!this._live) return false;
    const now = Date.now();
    const last = this._typingAt.get(conversationId);
    if (last !== undefined && now - last < this._typingIntervalMs) return false;
    if (!this._transmit({ type: 'typing', conversation_id: conversationId })) return false;
    this._typingAt.set(conversationId, now);
    return true;
  }

  /** Round trip to the server. Resolves with {rtt} in ms; needs a connection. */
  ping() {
    if (!this._connected()) return Promise.reject(new ParleyError('offline', 'ping needs a connection'));
    const started = Date.now();
    return this._request({ type: 'ping' }, { kind: 'ping', waitLive: false, resend: false }).then(() => ({ rtt: Date.now() - started }));
  }

  /**
   * A REST call with the client's token: rest('POST', '/api/conversations', {...}).
   * Resolves with the parsed JSON body (null for 204); rejects with a
   * ParleyError carrying the server's code and the HTTP `status`.
   */
  async rest(method, path, body) {
    if (typeof this._fetch !== 'function') throw new ParleyError('http', 'no fetch implementation (pass options.fetch)');
    const token = await this._currentToken();
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await this._fetch(this.restUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ParleyError('http', `${method} ${path} failed: ${err?.message ?? err}`, { cause: err });
    }
    const text = await res.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!res.ok) {
      const code = json?.error?.code ?? 'http';
      throw new ParleyError(code, json?.error?.message ?? `${method} ${path}: HTTP ${res.status}`, { status: res.status });
    }
    return json;
  }

  // ---------------------------------------------------------------- internal

  _setState(state) {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  _clearTimer(name) {
    clearTimeout(this._timers[name]);
    clearInterval(this._timers[name]);
    this._timers[name] = null;
  }

  _connected() {
    return this._ws !== null && this._hello !== null && this._ws.readyState === OPEN;
  }

  _nextReq() {
    this._reqCounter += 1;
    return `r${this._reqCounter}`;
  }

  async _currentToken() {
    if (typeof this._getTokenFn === 'function') {
      const t = await this._getTokenFn();
      if (typeof t !== 'string' || !t) throw new ParleyError('unauthorized', 'getToken() returned no token');
      this._token = t;
      return t;
    }
    return this._token;
  }

  _emitError(err) {
    this.emit('error', err);
  }

  async _loadStorage() {
    const load = this._storage?.load;
    if (typeof load !== 'function') return;
    try {
      const saved = (await load.call(this._storage)) ?? {};
      for (const [id, seq] of Object.entries(saved.conversations ?? {})) {
        const conv = this._convs.get(id);
        if (!conv) this.track(id, seq);
        else if (seq > conv.lastSeq && !conv.hasGap) conv.lastSeq = seq;
      }
      const restored = [];
      for (const e of saved.outbox ?? []) {
        if (!e?.client_msg_id || this._outbox.get(e.client_msg_id)) continue;
        restored.push({
          conversation_id: e.conversation_id,
          client_msg_id: e.client_msg_id,
          content: e.content,
          kind: e.kind ?? 'text',
          reply_to: e.reply_to ?? null,
          created_at: e.created_at ?? Date.now(),
          attempts: 0,
          sentOn: 0,
          req: null,
          retryAt: 0,
          ackTimer: null,
          resolve: null,
          reject: null,
        });
      }
      if (restored.length) {
        // Restored messages are older than anything sent since the client was built.
        const newer = this._outbox.entries();
        for (const e of newer) this._outbox.remove(e.client_msg_id);
        for (const e of [...restored, ...newer]) this._outbox.add(e);
        this._outboxChanged();
      }
    } catch (err) {
      this._emitError(new ParleyError('storage', `storage.load failed: ${err?.message ?? err}`, { cause: err }));
    }
  }

  _persist(hook, ...args) {
    const fn = this._storage?.[hook];
    if (typeof fn !== 'function') return;
    try {
      const r = fn.apply(this._storage, args);
      if (r && typeof r.catch === 'function') {
        r.catch((err) => this._emitError(new ParleyError('storage', `storage.${hook} failed: ${err?.message ?? err}`, { cause: err })));
      }
    } catch (err) {
      this._emitError(new ParleyError('storage', `storage.${hook} failed: ${err?.message ?? err}`, { cause: err }));
    }
  }

  _outboxChanged() {
    this._persist('saveOutbox', this._outbox.serializable());
    this.emit('pending', this._outbox.snapshot());
  }

  // ---- connection lifecycle

  async _openSocket() {
    if (this._state === 'closed' || this._ws) return;
    this._timers.reconnect = null;
    let token;
    try {
      token = await this._currentToken();
    } catch (err) {
      this._emitError(err instanceof ParleyError ? err : new ParleyError('unauthorized', `getToken() failed: ${err?.message ?? err}`, { cause: err }));
      this._scheduleReconnect(false);
      return;
    }
    if (this._state === 'closed' || this._ws) return;
    let ws;
    try {
      ws = new this._WebSocket(this.url, ['parley', token]);
    } catch (err) {
      this._emitError(new ParleyError('disconnected', `cannot open ${this.url}: ${err?.message ?? err}`, { cause: err }));
      this._scheduleReconnect(false);
      return;
    }
    this._connId += 1;
    this._ws = ws;
    this._hello = null;
    this._openedAt = 0;
    this._live = false;
    this._reconnectAt = null;
    ws.onmessage = (ev) => this._onSocketMessage(ws, ev);
    ws.onclose = (ev) => this._teardown(ws, ev?.code ?? 1006, ev?.reason ?? '', false);
    // By the WHATWG spec a close event follows every error; some
    // implementations (Node 20's undici on a refused connection) never send
    // it. An error ends the connection either way.
    ws.onerror = () => {
      queueMicrotask(() => this._teardown(ws, 1006, 'connection error', true));
    };
    this._timers.connect = setTimeout(() => {
      if (this._ws === ws && !this._hello) {
        this._emitError(new ParleyError('timeout', `no hello within ${this._connectTimeoutMs} ms; reconnecting`));
        this._teardown(ws, CLIENT_CLOSE_CODE, 'connect timeout', true);
      }
    }, this._connectTimeoutMs);
  }

  /**
   * The end of a connection, whoever ended it. `closeSocket`: the client
   * drops it (the socket's own close event is then ignored).
   */
  _teardown(ws, code, reason, closeSocket) {
    if (ws !== this._ws) return;
    this._ws = null;
    const wasLive = this._live;
    this._live = false;
    const healthy = this._openedAt > 0 && Date.now() - this._openedAt >= this._healthyAfterMs;
    this._hello = null;
    this._openedAt = 0;
    this._syncRound = null;
    for (const name of ['connect', 'healthy', 'keepalive', 'drain', 'outbox']) this._clearTimer(name);
    if (closeSocket) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        // close() accepts only 1000 and 3000-4999.
        ws.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
      } catch {
        /* already closing */
      }
    }
    for (const conv of this._convs.values()) {
      clearTimeout(conv.receivedTimer);
      conv.receivedTimer = null;
      conv.reack = false;
      if (conv.filling === 'sync') conv.filling = null;
    }
    // Requests: those tied to the connection fail; the others are sent again once live.
    for (const [req, r] of this._requests) {
      if (!r.resend) {
        this._requests.delete(req);
        clearTimeout(r.timer);
        r.reject(new ParleyError('disconnected', `the connection closed before the reply to ${r.kind} (req ${req})`, { req }));
      } else {
        r.sentOn = 0;
      }
    }
    // Messages in flight are sent again (same client_msg_id) after the next sync.
    let outboxChanged = false;
    for (const e of this._outbox.entries()) {
      clearTimeout(e.ackTimer);
      e.ackTimer = null;
      if (e.sentOn) outboxChanged = true;
      e.sentOn = 0;
      e.req = null;
      if (e.retryCode !== 'rate_limited') e.retryAt = 0; // a new connection is a fresh start
    }
    if (outboxChanged) this.emit('pending', this._outbox.snapshot());
    if (this._state === 'closed') {
      this.emit('disconnect', { code, reason, wasLive, delayMs: null });
      return;
    }
    this._setState(this._everOpened ? 'reconnecting' : 'connecting');
    const delayMs = this._scheduleReconnect(healthy);
    this.emit('disconnect', { code, reason, wasLive, delayMs, attempt: this._attempt });
  }

  /** Plans the next connection; returns the delay. */
  _scheduleReconnect(healthy) {
    if (this._state === 'closed') return null;
    this._clearTimer('reconnect');
    let delay;
    if (this._reconnectAt !== null) {
      // The server asked (`reconnect` frame): honour its delay, which it jittered.
      delay = Math.max(0, this._reconnectAt - Date.now());
      this._reconnectAt = null;
      this._attempt = 0;
    } else {
      if (healthy) this._attempt = 0;
      delay = backoffDelay(this._attempt, this._backoff, this._random);
      this._attempt = Math.min(this._attempt + 1, MAX_ATTEMPT);
    }
    this._timers.reconnect = setTimeout(() => this._openSocket(), delay);
    return delay;
  }

  _onSocketMessage(ws, ev) {
    if (ws !== this._ws) return;
    this._lastFrameAt = Date.now();
    if (typeof ev.data !== 'string') {
      this._emitError(new ParleyError('protocol', 'the server sent a binary frame'));
      return;
    }
    let frame;
    try {
      frame = JSON.parse(ev.data);
    } catch {
      this._emitError(new ParleyError('protocol', 'the server sent a frame that is not JSON'));
      return;
    }
    if (!frame || typeof frame !== 'object' || typeof frame.type !== 'string') {
      this._emitError(new ParleyError('protocol', 'the server sent a frame without a type'));
      return;
    }
    switch (frame.type) {
      case 'hello':
        return this._onHello(ws, frame);
      case 'message':
        return this._onMessage(frame, 'live');
      case 'synced':
        return this._onSynced(frame);
      case 'ack':
        return this._onAck(frame);
      case 'ok':
      case 'pong':
        return this._onReply(frame);
      case 'error':
        return this._onErrorFrame(frame);
      case 'message_updated':
        return this._onMessageUpdated(frame);
      case 'typing':
      case 'receipt':
      case 'presence':
        this.emit(frame.type, frame);
        return;
      case 'reconnect':
        return this._onReconnectFrame(ws, frame);
      default:
        // Unknown frames are ignored (forward compatibility).
        return;
    }
  }

  _onHello(ws, frame) {
    if (this._hello) {
      this._emitError(new ParleyError('protocol', 'a second hello on the same connection'));
      return;
    }
    this._clearTimer('connect');
    this._hello = frame;
    this._openedAt = Date.now();
    this._everOpened = true;
    this._setState('open');
    this.emit('hello', frame);
    this._timers.healthy = setTimeout(() => {
      if (this._ws !== ws) return;
      this._attempt = 0;
      this.emit('healthy', { session_id: frame.session_id });
    }, this._healthyAfterMs);
    this._startKeepalive(ws);
    this._startSync();
  }

  _startKeepalive(ws) {
    const every = this._keepaliveOption ?? this._hello?.heartbeat_ms ?? 25000;
    if (!every) return;
    this._timers.keepalive = setInterval(() => {
      if (this._ws !== ws) return;
      if (Date.now() - this._lastFrameAt < every) return;
      this._request({ type: 'ping' }, { kind: 'keepalive ping', waitLive: false, resend: false }).catch((err) => {
        if (err.code === 'timeout' && this._ws === ws) {
          this._emitError(new ParleyError('timeout', 'the server did not answer a keepalive ping; reconnecting'));
          this._teardown(ws, CLIENT_CLOSE_CODE, 'keepalive timeout', true);
        }
      });
    }, every);
  }

  // ---- sync

  _startSync() {
    const ws = this._ws;
    const convs = [...this._convs.values()];
    const chunks = [];
    for (let i = 0; i < convs.length; i += MAX_SYNC_CONVERSATIONS) chunks.push(convs.slice(i, i + MAX_SYNC_CONVERSATIONS));
    if (chunks.length === 0) chunks.push([]); // an empty sync still makes the device live
    const round = { pending: chunks.length, result: { conversations: {}, too_far_behind: [], not_member: [] } };
    this._syncRound = round;
    for (const conv of convs) {
      conv.receivedSeq = conv.lastSeq;
      // Covered by this sync: no gap sync of its own until synced (a live
      // message may overtake the replay and look like a gap meanwhile).
      if (conv.filling !== 'rest') conv.filling = 'sync';
    }
    for (const chunk of chunks) {
      const conversations = Object.fromEntries(chunk.map((c) => [c.id, c.lastSeq]));
      this._request({ type: 'sync', conversations }, { kind: 'sync', waitLive: false, resend: false })
        .then((synced) => {
          if (this._syncRound !== round) return;
          for (const c of chunk) if (c.filling === 'sync') c.filling = null;
          Object.assign(round.result.conversations, synced.conversations ?? {});
          round.result.too_far_behind.push(...(synced.too_far_behind ?? []));
          round.result.not_member.push(...(synced.not_member ?? []));
          this._applySynced(synced);
          if (--round.pending === 0) this._goLive(round);
        })
        .catch((err) => {
          if (this._syncRound !== round || this._ws !== ws) return;
          if (err.code === 'timeout') {
            this._emitError(new ParleyError('timeout', `no synced within ${this._requestTimeoutMs} ms; reconnecting`, { req: err.req }));
            this._teardown(ws, CLIENT_CLOSE_CODE, 'sync timeout', true);
            return;
          }
          // The server refused the sync (e.g. a server without it): catch up through REST instead.
          this._emitError(new ParleyError(err.code ?? 'protocol', `sync failed (${err.message}); catching up through REST`, { req: err.req }));
          for (const c of chunk) {
            if (c.filling === 'sync') c.filling = null;
            if (this._convs.get(c.id) === c) this._fillGap(c, 'rest');
          }
          if (--round.pending === 0) this._goLive(round);
        });
    }
  }

  _onSynced(frame) {
    // Replies to a known sync req go through _onReply; anything else is odd.
    if (frame.req != null && this._requests.has(frame.req)) return this._onReply(frame);
    this._emitError(new ParleyError('protocol', 'a synced frame for no sync request', { req: frame.req }));
  }

  /** After a `synced` (initial or gap fill): deal with what could not be replayed. */
  _applySynced(synced) {
    for (const id of synced.not_member ?? []) {
      if (this._convs.has(id)) {
        this.untrack(id);
        this._emitError(new ParleyError('not_member', `not a member of conversation ${id}; no longer tracked`, { conversationId: id }));
      }
    }
    const tooFar = new Set();
    for (const item of synced.too_far_behind ?? []) {
      const conv = this._convs.get(item?.conversation_id);
      if (!conv) continue;
      tooFar.add(conv.id);
      conv.filling = null;
      this._fillGap(conv, 'rest', item.last_seq);
    }
    for (const [id, seq] of Object.entries(synced.conversations ?? {})) {
      const conv = this._convs.get(id);
      if (!conv || tooFar.has(id)) continue;
      if (conv.filling === 'sync') conv.filling = null;
      if (Number.isSafeInteger(seq) && conv.lastSeq < seq) {
        // The replay should have brought everything up to seq before synced.
        this._emitError(new ParleyError('protocol', `synced says ${id} is at seq ${seq} but the replay stopped at ${conv.lastSeq}; fetching the rest`, { conversationId: id }));
        this._fillGap(conv, 'rest', seq);
      } else if (conv.hasGap) {
        this._fillGap(conv, 'rest');
      }
    }
  }

  _goLive(round) {
    if (this._syncRound !== round) return;
    this._syncRound = null;
    this._live = true;
    this.emit('synced', round.result);
    this._flushOutbox();
    this._flushRequests();
    // Conversations that appeared during the sync (tracked, or untracked messages) and still have gaps.
    for (const conv of this._convs.values()) if (conv.hasGap && !conv.filling) this._fillGap(conv, 'sync');
  }

  // ---- incoming messages

  _conversationFor(message) {
    let conv = this._convs.get(message.conversation_id);
    if (!conv) {
      const start = this._untracked === 'from-here' ? Math.max(0, message.seq - 1) : 0;
      conv = new ConversationState(message.conversation_id, start);
      conv.receivedSeq = start;
      this._convs.set(conv.id, conv);
      this.emit('track', { conversation_id: conv.id, lastSeq: start });
    }
    return conv;
  }

  /** Takes one message (from the socket or from REST history). */
  _onMessage(frame, source) {
    if (typeof frame.conversation_id !== 'string' || !Number.isSafeInteger(frame.seq)) {
      this._emitError(new ParleyError('protocol', 'a message without conversation_id or seq'));
      return;
    }
    const conv = this._conversationFor(frame);
    const message = stripType(frame);
    const { status, deliver } = conv.accept(message);
    if (status === 'duplicate') {
      if (source === 'live') {
        conv.reack = true; // the server may be retransmitting: acknowledge again
        this._scheduleReceived(conv);
      }
      return;
    }
    if (status === 'buffered') {
      if (!conv.filling) this._fillGap(conv, 'sync');
      return;
    }
    if (status !== 'delivered') return;
    this._deliver(conv, deliver);
  }

  _deliver(conv, messages) {
    for (const m of messages) this.emit('message', m);
    this._persist('saveConversation', conv.id, conv.lastSeq);
    this._scheduleReceived(conv);
  }

  _onMessageUpdated(frame) {
    const { message_id, version } = frame;
    if (typeof message_id === 'string' && Number.isSafeInteger(version)) {
      const seen = this._versions.get(message_id);
      if (seen !== undefined && version <= seen) return; // duplicate
      this._versions.delete(message_id);
      this._versions.set(message_id, version);
      if (this._versions.size > 4096) this._versions.delete(this._versions.keys().next().value);
    }
    this.emit('message_updated', frame);
  }

  /** `received` for the highest contiguous seq, at most every receivedIntervalMs per conversation. */
  _scheduleReceived(conv) {
    if (conv.receivedTimer || !this._connected()) return;
    const delay = Math.max(0, conv.receivedAt + this._receivedIntervalMs - Date.now());
    conv.receivedTimer = setTimeout(() => {
      conv.receivedTimer = null;
      if (!this._connected() || this._convs.get(conv.id) !== conv) return;
      if (conv.lastSeq < 1 || (conv.lastSeq <= conv.receivedSeq && !conv.reack)) return;
      if (this._transmit({ type: 'received', conversation_id: conv.id, seq: conv.lastSeq })) {
        conv.receivedSeq = conv.lastSeq;
        conv.receivedAt = Date.now();
        conv.reack = false;
      }
    }, delay);
  }

  /**
   * Fills a conversation's gap: 'sync' asks the server to replay after
   * lastSeq; 'rest' pages through the history. `target`: a seq known to exist.
   */
  _fillGap(conv, how, target = 0) {
    if (conv.filling || this._state === 'closed') return;
    if (how === 'sync') {
      if (!this._connected()) return; // the next connection's sync covers it
      conv.filling = 'sync';
      const ws = this._ws;
      this._request({ type: 'sync', conversations: { [conv.id]: conv.lastSeq } }, { kind: 'sync', waitLive: false, resend: false })
        .then((synced) => {
          if (conv.filling === 'sync') conv.filling = null;
          this._applySynced(synced);
        })
        .catch((err) => {
          if (conv.filling === 'sync') conv.filling = null;
          if (err.code === 'disconnected' || err.code === 'closed') return;
          if (err.code === 'timeout' && this._ws === ws) {
            this._emitError(new ParleyError('timeout', `no synced within ${this._requestTimeoutMs} ms; reconnecting`, { req: err.req }));
            this._teardown(ws, CLIENT_CLOSE_CODE, 'sync timeout', true);
            return;
          }
          this._fillGap(conv, 'rest', target);
        });
      return;
    }
    conv.filling = 'rest';
    this._pageHistory(conv, target).then(
      () => {
        conv.filling = null;
        conv.fillAttempt = 0;
        if (conv.hasGap && this._convs.get(conv.id) === conv) {
          // The history ended before the buffered messages: the server lost them or is late.
          this._emitError(new ParleyError('protocol', `history of ${conv.id} ends at seq ${conv.lastSeq} before buffered seq ${conv.firstBufferedSeq}`, { conversationId: conv.id }));
        }
      },
      (err) => {
        conv.filling = null;
        if (this._state === 'closed' || this._convs.get(conv.id) !== conv) return;
        if (err.code === 'not_member' || err.code === 'not_found') {
          this.untrack(conv.id);
          this._emitError(new ParleyError(err.code, `cannot read conversation ${conv.id} (${err.message}); no longer tracked`, { conversationId: conv.id }));
          return;
        }
        this._emitError(new ParleyError(err.code ?? 'http', `catching up ${conv.id} through REST failed: ${err.message}; retrying`, { conversationId: conv.id, cause: err }));
        const delay = backoffDelay(conv.fillAttempt, this._backoff, this._random);
        conv.fillAttempt = Math.min(conv.fillAttempt + 1, MAX_ATTEMPT);
        clearTimeout(conv.fillTimer);
        conv.fillTimer = setTimeout(() => {
          conv.fillTimer = null;
          if (this._convs.get(conv.id) === conv && (conv.hasGap || conv.lastSeq < target)) this._fillGap(conv, 'rest', target);
        }, delay);
      },
    );
  }

  async _pageHistory(conv, target) {
    for (;;) {
      if (this._state === 'closed' || this._convs.get(conv.id) !== conv) return;
      const after = conv.lastSeq;
      const page = await this.rest(
        'GET',
        `/api/conversations/${encodeURIComponent(conv.id)}/messages?after_seq=${after}&limit=${this._historyPageSize}`,
      );
      if (this._state === 'closed' || this._convs.get(conv.id) !== conv) return;
      const messages = Array.isArray(page?.messages) ? page.messages : [];
      if (messages.length > 0 && messages[0].seq !== after + 1) {
        // docs/protocol.md: with after_seq, "the messages after it, oldest first".
        this._emitError(new ParleyError('protocol', `GET history of ${conv.id} with after_seq=${after} started at seq ${messages[0].seq}, not ${after + 1}`, { conversationId: conv.id }));
      }
      for (const m of messages) this._onMessage({ conversation_id: conv.id, ...m }, 'history');
      const caughtUp = conv.lastSeq >= target && !conv.hasGap;
      if (!page?.has_more || messages.length === 0 || caughtUp) return;
      if (conv.lastSeq === after) return; // no progress: avoid spinning
    }
  }

  // ---- outgoing

  _transmit(frame) {
    const ws = this._ws;
    if (!ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A request with a reply (`ok`, `pong`, `synced`) or an `error`. It times
   * out requestTimeoutMs after the call. waitLive: held until the connection
   * is live; resend: sent again after a reconnect if unanswered.
   */
  _request(frame, { kind, waitLive = true, resend = true, timeoutMs = this._requestTimeoutMs } = {}) {
    if (this._state === 'closed') return Promise.reject(new ParleyError('closed', 'the client is closed'));
    const req = this._nextReq();
    return new Promise((resolve, reject) => {
      const r = { req, kind, frame: { ...frame, req }, waitLive, resend, sentOn: 0, resolve, reject, timer: null };
      r.timer = setTimeout(() => {
        if (this._requests.get(req) !== r) return;
        this._requests.delete(req);
        reject(new ParleyError('timeout', `${kind} timed out: no reply within ${timeoutMs} ms (req ${req})`, { req }));
      }, timeoutMs);
      this._requests.set(req, r);
      if (waitLive ? this._live : this._connected()) this._sendRequest(r);
    });
  }

  _sendRequest(r) {
    if (this._transmit(r.frame)) r.sentOn = this._connId;
  }

  _flushRequests() {
    for (const r of this._requests.values()) if (r.sentOn !== this._connId && r.waitLive) this._sendRequest(r);
  }

  _receipt(conversationId, status, seq) {
    if (!Number.isSafeInteger(seq) || seq < 0) return Promise.reject(new TypeError('seq must be a non-negative integer'));
    return this._request({ type: 'receipt', conversation_id: conversationId, status, seq }, { kind: `receipt ${status}` });
  }

  _onReply(frame) {
    const r = frame.req != null ? this._requests.get(frame.req) : undefined;
    if (!r) {
      if (frame.type === 'synced') this._emitError(new ParleyError('protocol', 'a synced frame for no sync request', { req: frame.req }));
      return;
    }
    this._requests.delete(frame.req);
    clearTimeout(r.timer);
    r.resolve(frame.type === 'ok' || frame.type === 'pong' ? stripType(frame) : frame);
  }

  _onErrorFrame(frame) {
    const err = new ParleyError(frame.code ?? 'internal', frame.message ?? frame.code ?? 'error', {
      req: frame.req ?? undefined,
      retryAfterMs: frame.retry_after_ms ?? undefined,
    });
    const entry = this._outbox.byReq(frame.req);
    if (entry) return this._onSendError(entry, err);
    const r = frame.req != null ? this._requests.get(frame.req) : undefined;
    if (r) {
      if (RETRYABLE_CODES.has(err.code) && r.resend && r.waitLive) {
        // Try again once the server is willing (or after the next reconnect).
        r.sentOn = 0;
        const wait = err.retryAfterMs ?? backoffDelay(1, this._backoff, this._random);
        setTimeout(() => {
          if (this._requests.get(r.req) === r && this._live && r.sentOn !== this._connId) this._sendRequest(r);
        }, wait);
        return;
      }
      this._requests.delete(frame.req);
      clearTimeout(r.timer);
      r.reject(err);
      return;
    }
    this._emitError(err);
  }

  _onSendError(entry, err) {
    clearTimeout(entry.ackTimer);
    entry.ackTimer = null;
    entry.req = null;
    if (RETRYABLE_CODES.has(err.code)) {
      // Kept, same client_msg_id; messages after it wait behind it unless already sent.
      entry.sentOn = 0;
      entry.retryCode = err.code;
      entry.retryAt = Date.now() + (err.retryAfterMs ?? backoffDelay(Math.min(entry.attempts, 8), this._backoff, this._random));
      this.emit('pending', this._outbox.snapshot());
      this._scheduleOutboxFlush();
      return;
    }
    this._outbox.remove(entry.client_msg_id);
    this._outboxChanged();
    entry.reject?.(err);
    if (!entry.reject) this._emitError(err); // a restored message has no promise
  }

  _scheduleOutboxFlush() {
    const next = Math.min(...this._outbox.entries().filter((e) => !e.sentOn).map((e) => e.retryAt));
    if (!Number.isFinite(next)) return;
    this._clearTimer('outbox');
    this._timers.outbox = setTimeout(() => {
      this._timers.outbox = null;
      if (this._live) this._flushOutbox();
    }, Math.max(0, next - Date.now()));
  }

  /** Sends, in order, every outbox message not sent on this connection yet. */
  _flushOutbox() {
    const now = Date.now();
    let changed = false;
    for (const e of this._outbox.entries()) {
      if (e.sentOn === this._connId) continue;
      if (e.retryAt > now) {
        // Keep the order: later messages wait behind this one.
        this._scheduleOutboxFlush();
        break;
      }
      const req = this._nextReq();
      const frame = { type: 'send', req, conversation_id: e.conversation_id, client_msg_id: e.client_msg_id, content: e.content, kind: e.kind, reply_to: e.reply_to };
      if (!this._transmit(frame)) break;
      e.req = req;
      e.sentOn = this._connId;
      e.attempts += 1;
      changed = true;
      const ws = this._ws;
      e.ackTimer = setTimeout(() => {
        if (e.req !== req || this._ws !== ws) return;
        // No ack in time: the connection is not trustworthy. Drop it; the
        // message is sent again with the same client_msg_id after the reconnect.
        this._emitError(new ParleyError('timeout', `send timed out: no ack within ${this._requestTimeoutMs} ms (req ${req}, client_msg_id ${e.client_msg_id}); reconnecting`, { req, clientMsgId: e.client_msg_id }));
        this._teardown(ws, CLIENT_CLOSE_CODE, 'ack timeout', true);
      }, this._requestTimeoutMs);
    }
    if (changed) this.emit('pending', this._outbox.snapshot());
  }

  _onAck(frame) {
    const entry = this._outbox.byReq(frame.req) ?? this._outbox.get(frame.client_msg_id);
    const ack = stripType(frame);
    if (!entry) {
      this.emit('ack', ack);
      return;
    }
    clearTimeout(entry.ackTimer);
    this._outbox.remove(entry.client_msg_id);
    this._outboxChanged();
    entry.resolve?.(ack);
    this.emit('ack', ack);
  }

  _onReconnectFrame(ws, frame) {
    const after = Number.isFinite(frame.after_ms) && frame.after_ms >= 0 ? frame.after_ms : 0;
    this._reconnectAt = Date.now() + after;
    // The server is draining: hold new frames back until the next connection.
    this._live = false;
    this.emit('reconnect', { after_ms: after });
    // The server closes with 1001 right after; if it does not, leave anyway when it is time.
    this._clearTimer('drain');
    this._timers.drain = setTimeout(() => {
      if (this._ws === ws) this._teardown(ws, 1000, 'server asked to reconnect', true);
    }, after);
  }
}

export default ParleyClient;
