// The controller: one ParleyClient (WebSocket: sync, de-dup, outbox) plus the
// REST calls, feeding the Store. Views call its methods; it never touches the DOM
// except for document visibility.
import { ParleyClient } from '/js/parley-client.mjs';
import { devToken, saveSession, tokenExpiresAt } from './api.js';
import { mediaSendBody, mediaUrl, precheckFile, sendUpload, uploadErrorText, uploadRequest } from './media.js';

const PAGE = 50; // history page size
const LIST_PAGES = 5; // conversation list pages fetched at once (100 each)
const READ_DEBOUNCE_MS = 150;
const DELIVERED_DEBOUNCE_MS = 400;
const REFRESH_EVERY_MS = 30000; // the list is refreshed (new empty conversations, marks)

const enc = encodeURIComponent;

// crypto.randomUUID needs a secure context; getRandomValues does not.
function randomMsgId() {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return `web-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export class Chat {
  /**
   * @param {{token: string, user_id: string, mode: string}} session
   * @param {import('./state.js').Store} store
   * @param {{onSignOut: (reason?: string) => void, notify: (text: string, kind?: string) => void}} hooks
   */
  constructor(session, store, hooks) {
    this.session = session;
    this.store = store;
    this.hooks = hooks;
    this.me = session.user_id;
    this.client = null;
    this._timers = new Map();
    this._details = new Map(); // conversation id -> promise of the details load
    this._lastPending = new Map(); // client_msg_id -> outbox entry (to show an acked message before its echo)
    this._closed = false;
    this._refreshing = null;
  }

  start() {
    const ws = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    const outboxKey = `parley.outbox.${this.me}`;
    this.client = new ParleyClient({
      url: ws,
      getToken: () => this.token(),
      untracked: 'from-here', // history comes from REST when a conversation is opened
      // A person is waiting: retry at least every 5 s (full jitter spreads the load).
      backoff: { baseMs: 250, maxMs: 5000 },
      storage: {
        load: () => {
          try {
            return { outbox: JSON.parse(localStorage.getItem(outboxKey) ?? '[]') };
          } catch {
            return {};
          }
        },
        saveOutbox: (entries) => {
          if (this._closed) return;
          if (entries.length) localStorage.setItem(outboxKey, JSON.stringify(entries));
          else localStorage.removeItem(outboxKey);
        },
      },
    });
    const c = this.client;
    const s = this.store;
    c.on('state', (state) => s.setConnection(state, c.live));
    c.on('synced', () => {
      s.setConnection(c.state, true);
      this.refreshConversations().then(() => this.refreshPresence());
      if (s.activeId) this.maybeMarkRead(s.activeId);
    });
    c.on('message', (m) => this._onMessage(m));
    c.on('message_updated', (f) => s.updateMessage(f));
    c.on('pending', (list) => {
      for (const p of list) this._lastPending.set(p.client_msg_id, p);
      s.setPending(list);
    });
    c.on('ack', (ack) => this._onAck(ack));
    c.on('typing', (f) => {
      if (f.user_id !== this.me && s.conversations.has(f.conversation_id)) s.setTyping(f.conversation_id, f.user_id);
    });
    c.on('receipt', (f) => s.applyReceipt(f));
    c.on('presence', (f) => s.setPresence(f.user_id, f.status, f.last_seen));
    c.on('track', ({ conversation_id }) => this.ensureDetails(conversation_id));
    c.on('error', (e) => this._onClientError(e));
    // A refused WebSocket upgrade (401: token expired, revoked, or the server's
    // secret changed) looks like any failed connection to the page. After two
    // failures in a row, ask REST, whose 401 handling renews or signs out.
    let failures = 0;
    c.on('hello', () => {
      failures = 0;
    });
    c.on('disconnect', ({ wasLive }) => {
      if (wasLive) failures = 0;
      else if (++failures === 2 && navigator.onLine !== false) this.rest('GET', '/api/conversations?limit=1').catch(() => {});
    });

    this._onVisibility = () => {
      if (document.visibilityState === 'visible' && s.activeId) this.maybeMarkRead(s.activeId);
    };
    document.addEventListener('visibilitychange', this._onVisibility);
    this._refreshTimer = setInterval(() => {
      if (c.live) this.refreshConversations();
    }, REFRESH_EVERY_MS);

    // The list first, so every conversation is tracked from its last seq before the first sync.
    this.refreshConversations().finally(() => {
      if (!this._closed) c.connect().catch(() => {});
    });
  }

  stop() {
    this._closed = true;
    clearInterval(this._refreshTimer);
    for (const t of this._timers.values()) clearTimeout(t);
    document.removeEventListener('visibilitychange', this._onVisibility);
    this.client?.close();
  }

  // ------------------------------------------------------------------ token

  async token() {
    const s = this.session;
    const exp = tokenExpiresAt(s.token);
    if (exp !== null && exp - Date.now() < 60000) {
      if (s.mode === 'dev') await this._renewDevToken();
      else {
        this.hooks.onSignOut('Your token has expired. Paste a new one to sign in again.');
        throw new Error('token expired');
      }
    }
    return s.token;
  }

  async _renewDevToken() {
    if (!this._renewing) {
      this._renewing = devToken(this.me)
        .then((fresh) => {
          this.session.token = fresh.token;
          saveSession(this.session);
        })
        .finally(() => {
          this._renewing = null;
        });
    }
    return this._renewing;
  }

  /** A REST call; on 401 a dev session gets a new token once, a pasted one is signed out. */
  async rest(method, path, body) {
    try {
      return await this.client.rest(method, path, body);
    } catch (err) {
      if (err?.code !== 'unauthorized' || this._closed) throw err;
      if (this.session.mode === 'dev') {
        await this._renewDevToken();
        return this.client.rest(method, path, body);
      }
      this.hooks.onSignOut('The server did not accept your token. Paste a new one to sign in again.');
      throw err;
    }
  }

  _onClientError(e) {
    // Codes only: an error message may quote ids, never tokens or content, but keep the console quiet.
    if (e?.code === 'listener') console.error('parley-web: a handler failed', e.cause ?? e.message);
    else if (e?.code && !['timeout', 'disconnected'].includes(e.code)) console.warn(`parley-web: client error ${e.code}`);
  }

  // ------------------------------------------------------------ conversations

  refreshConversations() {
    if (this._refreshing) return this._refreshing;
    const s = this.store;
    this._refreshing = (async () => {
      try {
        let cursor = null;
        for (let page = 0; page < LIST_PAGES; page++) {
          const q = `/api/conversations?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`;
          const res = await this.rest('GET', q);
          for (const item of res?.conversations ?? []) this._adopt(item);
          cursor = res?.next_cursor ?? null;
          if (!cursor) break;
        }
        s.nextCursor = cursor;
        s.listState = 'ready';
      } catch (err) {
        if (s.listState !== 'ready') s.listState = 'error';
        if (err?.code !== 'http' && err?.code !== 'unauthorized') this.hooks.notify(`Could not load your chats (${err?.code ?? 'error'}).`, 'error');
      } finally {
        this._refreshing = null;
        s.emit('conversations');
      }
    })();
    return this._refreshing;
  }

  /** A conversation the server told us about: store it, follow it, load its members. */
  _adopt(item) {
    const c = this.store.upsertConversation(item);
    if (this.client.track(c.id, c.last_seq)) this.ensureDetails(c.id);
    else if (!c.members) this.ensureDetails(c.id);
    return c;
  }

  /** Members, read marks and the last message of a conversation (once, or again with force). */
  ensureDetails(id, { force = false } = {}) {
    if (!force && this._details.has(id)) return this._details.get(id);
    const p = (async () => {
      const s = this.store;
      try {
        const conv = await this.rest('GET', `/api/conversations/${enc(id)}`);
        const c = s.upsertConversation(conv);
        this.client.track(c.id, c.last_seq);
        if (c.last_seq > 0 && !c.preview) {
          const page = await this.rest('GET', `/api/conversations/${enc(id)}/messages?limit=1`);
          for (const m of page?.messages ?? []) s.putMessage({ conversation_id: id, ...m });
        }
        if (c.last_seq > c.delivered_seq) this.scheduleDelivered(id);
        this.refreshPresence(s.otherMembers(c));
      } catch (err) {
        this._details.delete(id);
        if (err?.code === 'not_member' || err?.code === 'not_found' || err?.code === 'forbidden') {
          this.client.untrack(id);
          s.removeConversation(id);
        }
      }
    })();
    this._details.set(id, p);
    return p;
  }

  /** Creates a direct or group conversation; resolves with its id. */
  async createConversation({ type, name, members }) {
    const body = { type, members };
    if (type === 'group' && name) body.name = name;
    const conv = await this.rest('POST', '/api/conversations', body);
    this._details.set(conv.id, Promise.resolve());
    const c = this._adopt(conv);
    this.refreshPresence(this.store.otherMembers(c));
    return c.id;
  }

  // ------------------------------------------------------------------ messages

  _onMessage(m) {
    const s = this.store;
    if (!s.conversations.has(m.conversation_id)) {
      s.upsertConversation({ id: m.conversation_id });
      this.ensureDetails(m.conversation_id);
    }
    s.putMessage(m);
    if (m.sender_id !== this.me) s.clearTyping(m.conversation_id, m.sender_id);
    if (s.activeId === m.conversation_id && document.visibilityState === 'visible') this.maybeMarkRead(m.conversation_id);
    else if (m.sender_id !== this.me) this.scheduleDelivered(m.conversation_id);
  }

  _onAck(ack) {
    // The server echoes the message too; until it does, show the acked one in place.
    const p = this._lastPending.get(ack.client_msg_id);
    this._lastPending.delete(ack.client_msg_id);
    if (!p) return;
    this.store.putMessage({
      conversation_id: ack.conversation_id,
      seq: ack.seq,
      message_id: ack.message_id,
      sender_id: this.me,
      client_msg_id: ack.client_msg_id,
      content: p.content,
      kind: p.kind,
      reply_to: p.reply_to,
      ts: ack.ts,
      provisional: true,
    });
    if (this.store.activeId === ack.conversation_id) this.maybeMarkRead(ack.conversation_id);
  }

  /** The latest page of a conversation's history (once per session). */
  async loadLatest(id) {
    const b = this.store.box(id);
    if (b.latestLoaded || b.loadingLatest) return;
    b.loadingLatest = true;
    try {
      const page = await this.rest('GET', `/api/conversations/${enc(id)}/messages?limit=${PAGE}`);
      for (const m of page?.messages ?? []) this.store.putMessage({ conversation_id: id, ...m }, { silent: true });
      b.hasMoreOlder = Boolean(page?.has_more);
      b.latestLoaded = true;
    } catch (err) {
      this.hooks.notify(`Could not load messages (${err?.code ?? 'error'}).`, 'error');
    } finally {
      b.loadingLatest = false;
      this.store.emit('messages', id, { loaded: 'latest' });
      this.store.emit('conversations');
    }
  }

  /** One page further back. */
  async loadOlder(id) {
    const b = this.store.box(id);
    if (b.loadingOlder || !b.latestLoaded || b.hasMoreOlder === false) return;
    const seqs = [...b.bySeq.keys()];
    const before = seqs.length ? Math.min(...seqs) : null;
    if (before === null || before <= 1) {
      b.hasMoreOlder = false;
      this.store.emit('messages', id, { loaded: 'older' });
      return;
    }
    b.loadingOlder = true;
    this.store.emit('messages', id, { loading: 'older' });
    try {
      const page = await this.rest('GET', `/api/conversations/${enc(id)}/messages?before_seq=${before}&limit=${PAGE}`);
      for (const m of page?.messages ?? []) this.store.putMessage({ conversation_id: id, ...m }, { silent: true });
      b.hasMoreOlder = Boolean(page?.has_more) && (page?.messages?.length ?? 0) > 0;
    } catch (err) {
      this.hooks.notify(`Could not load earlier messages (${err?.code ?? 'error'}).`, 'error');
    } finally {
      b.loadingOlder = false;
      this.store.emit('messages', id, { loaded: 'older' });
    }
  }

  send(id, text) {
    const p = this.client.send(id, text);
    p.catch((err) => {
      if (err?.code === 'closed') return;
      this.hooks.notify(`Your message could not be sent (${err?.code ?? 'error'}).`, 'error');
    });
    return p.clientMsgId;
  }

  /**
   * Uploads a file (POST /api/media), then sends it as an image or file
   * message. REST, not the WebSocket outbox: the client library's send frame
   * has no media, and an upload cannot wait offline anyway. Resolves with
   * null, or rejects with an Error whose message is for the user.
   */
  async sendFile(id, file, { onProgress, signal } = {}) {
    const refused = precheckFile(file);
    if (refused) throw new Error(refused);
    let req = uploadRequest(file, await this.token());
    let res = await sendUpload(req, { onProgress, signal });
    if (res.status === 401 && this.session.mode === 'dev') {
      await this._renewDevToken();
      req = uploadRequest(file, this.session.token);
      res = await sendUpload(req, { onProgress, signal });
    }
    if (res.aborted) return null;
    if (res.status !== 201 && res.status !== 200) {
      if (res.status === 401 && this.session.mode !== 'dev') {
        this.hooks.onSignOut('The server did not accept your token. Paste a new one to sign in again.');
      }
      throw new Error(uploadErrorText(res.status, res.body, req.name));
    }
    const upload = res.body;
    const body = mediaSendBody(upload, { clientMsgId: randomMsgId() });
    let ack;
    try {
      ack = await this.rest('POST', `/api/conversations/${enc(id)}/messages`, body);
    } catch (err) {
      throw new Error(`“${req.name}” was uploaded but could not be sent (${err?.code ?? 'error'}).`);
    }
    // Shown at once; the server's `message` echo (with the same media) replaces it.
    this.store.putMessage({
      conversation_id: id,
      seq: ack.seq,
      message_id: ack.message_id,
      sender_id: this.me,
      client_msg_id: ack.client_msg_id,
      content: body.content,
      kind: body.kind,
      media: { ...upload, name: body.media.name ?? upload.name },
      reply_to: null,
      ts: ack.ts,
      provisional: true,
    });
    if (this.store.activeId === id) this.maybeMarkRead(id);
    return null;
  }

  /** The URL of an upload for <img src> and links (the token in the query). */
  mediaUrl(media) {
    return mediaUrl(media, this.session.token);
  }

  /** Whether I muted a conversation's pushes (GET .../mute); null when unknown. */
  async muted(id) {
    try {
      const res = await this.rest('GET', `/api/conversations/${enc(id)}/mute`);
      return typeof res?.muted === 'boolean' ? res.muted : null;
    } catch {
      return null;
    }
  }

  /** Mutes (PUT) or unmutes (DELETE) a conversation's pushes; resolves with the new state. */
  async setMuted(id, muted) {
    const res = await this.rest(muted ? 'PUT' : 'DELETE', `/api/conversations/${enc(id)}/mute`);
    return Boolean(res?.muted);
  }

  edit(m, text) {
    const before = m;
    this.store.updateMessage({ conversation_id: m.conversation_id, message_id: m.message_id, seq: m.seq, version: m.version, content: text, local: true });
    this.client.edit(m.conversation_id, m.message_id, text).catch((err) => {
      if (err?.code === 'closed') return;
      this.store.restoreMessage(before);
      this.hooks.notify(`The message could not be edited (${err?.code ?? 'error'}).`, 'error');
    });
  }

  remove(m) {
    const before = m;
    this.store.updateMessage({ conversation_id: m.conversation_id, message_id: m.message_id, seq: m.seq, version: m.version, deleted: true, local: true });
    this.client.delete(m.conversation_id, m.message_id).catch((err) => {
      if (err?.code === 'closed') return;
      this.store.restoreMessage(before);
      this.hooks.notify(`The message could not be deleted (${err?.code ?? 'error'}).`, 'error');
    });
  }

  typing(id) {
    this.client.typing(id);
  }

  // ------------------------------------------------------------------ receipts

  _debounce(key, ms, fn) {
    if (this._timers.has(key)) return;
    this._timers.set(
      key,
      setTimeout(() => {
        this._timers.delete(key);
        if (!this._closed) fn();
      }, ms),
    );
  }

  /** The conversation is on screen: mark everything in it read. */
  maybeMarkRead(id) {
    this._debounce(`read:${id}`, READ_DEBOUNCE_MS, () => {
      const s = this.store;
      const c = s.conversations.get(id);
      if (!c || s.activeId !== id || document.visibilityState !== 'visible') return;
      const seq = c.last_seq;
      if (seq <= 0 || seq <= c.read_seq) return;
      s.markedRead(id, seq);
      this.client.markRead(id, seq).catch(() => {
        /* the mark is only a hint; the next message retries */
      });
    });
  }

  scheduleDelivered(id) {
    this._debounce(`delivered:${id}`, DELIVERED_DEBOUNCE_MS, () => {
      const c = this.store.conversations.get(id);
      if (!c) return;
      const seq = c.last_seq;
      if (seq <= 0 || seq <= c.delivered_seq) return;
      c.delivered_seq = seq;
      this.client.markDelivered(id, seq).catch(() => {});
    });
  }

  // ------------------------------------------------------------------ presence

  async refreshPresence(ids) {
    const s = this.store;
    let users = ids;
    if (!users) {
      const all = new Set();
      for (const c of s.conversations.values()) for (const u of s.otherMembers(c)) all.add(u);
      users = [...all];
    }
    users = users.filter((u) => u !== this.me);
    for (let i = 0; i < users.length; i += 100) {
      const chunk = users.slice(i, i + 100);
      try {
        const res = await this.rest('GET', `/api/presence?user_ids=${chunk.map(enc).join(',')}`);
        const list = Array.isArray(res) ? res : res?.presence ?? [];
        for (const p of list) s.setPresence(p.user_id, p.status, p.last_seen);
      } catch {
        /* presence is best-effort */
      }
    }
  }
}
