// The application state: conversations, messages, outbox, receipts,
// presence, typing and the connection. Views subscribe to its events:
//   'conversations'            the list (order, unread, preview, members)
//   'messages' (id, info)      a conversation's messages or pending sends
//   'presence'                 someone's presence changed
//   'typing' (id)              who is typing in a conversation
//   'connection'               the client's state
//   'active' (id|null)         the conversation on screen
import { Emitter } from '/js/parley-client.mjs';
import { mediaPreview } from './media.js';

const TYPING_SHOWN_MS = 5000; // the server forwards typing at most every 3 s

export class Store extends Emitter {
  constructor(me) {
    super();
    this.me = me;
    this.conversations = new Map(); // id -> conversation (see upsertConversation)
    this.boxes = new Map(); // id -> message box (see box())
    this.pending = []; // the client's outbox snapshot
    this.presence = new Map(); // user id -> {status, last_seen}
    this.typing = new Map(); // conversation id -> Map(user id -> until)
    this.connection = 'idle';
    this.live = false; // synced on the current connection
    this.everLive = false;
    this.activeId = null;
    this.listState = 'loading'; // loading | ready | error
    this.nextCursor = null;
    this._typingTimers = new Map();
  }

  // ------------------------------------------------------------ conversations

  /** Merges what the server said about a conversation (list item or full object). */
  upsertConversation(data) {
    let c = this.conversations.get(data.id);
    const isNew = !c;
    if (!c) {
      c = {
        id: data.id,
        type: data.type ?? 'group',
        name: null,
        created_at: null,
        last_seq: 0,
        last_message_at: null,
        read_seq: 0, // mine
        delivered_seq: 0, // mine
        members: null, // Map user id -> {user_id, role, delivered_seq, read_seq}
        preview: null, // the last message: {seq, sender_id, content, deleted, kind}
      };
      this.conversations.set(c.id, c);
    }
    if (data.type) c.type = data.type;
    if ('name' in data) c.name = data.name ?? null;
    if (Number.isFinite(data.created_at)) c.created_at = data.created_at;
    if (Number.isSafeInteger(data.last_seq)) c.last_seq = Math.max(c.last_seq, data.last_seq);
    if (Number.isFinite(data.last_message_at)) c.last_message_at = Math.max(c.last_message_at ?? 0, data.last_message_at);
    if (Number.isSafeInteger(data.unread) && Number.isSafeInteger(data.last_seq)) {
      c.read_seq = Math.max(c.read_seq, data.last_seq - data.unread);
    }
    if (Array.isArray(data.members)) {
      const old = c.members ?? new Map();
      c.members = new Map();
      for (const m of data.members) {
        const prev = old.get(m.user_id);
        c.members.set(m.user_id, {
          ...m,
          delivered_seq: Math.max(m.delivered_seq ?? 0, prev?.delivered_seq ?? 0),
          read_seq: Math.max(m.read_seq ?? 0, prev?.read_seq ?? 0),
        });
      }
      const mine = c.members.get(this.me);
      if (mine) {
        c.read_seq = Math.max(c.read_seq, mine.read_seq);
        c.delivered_seq = Math.max(c.delivered_seq, mine.delivered_seq, mine.read_seq);
      }
    }
    this.emit('conversations');
    if (!isNew) this.emit('messages', c.id, {}); // ticks may have changed
    return c;
  }

  removeConversation(id) {
    this.conversations.delete(id);
    this.boxes.delete(id);
    this.emit('conversations');
  }

  unread(c) {
    return Math.max(0, c.last_seq - c.read_seq);
  }

  /** Most recent activity first. */
  sortedConversations() {
    const at = (c) => c.last_message_at ?? c.created_at ?? 0;
    return [...this.conversations.values()].sort((a, b) => at(b) - at(a) || (a.id < b.id ? -1 : 1));
  }

  otherMembers(c) {
    return c.members ? [...c.members.keys()].filter((u) => u !== this.me) : [];
  }

  /** The other user of a direct conversation (null if not known yet). */
  peer(c) {
    return c.type === 'direct' ? this.otherMembers(c)[0] ?? null : null;
  }

  title(c) {
    if (c.name) return c.name;
    const others = this.otherMembers(c);
    if (c.type === 'direct') return others[0] ?? 'Direct chat';
    if (others.length) return others.join(', ');
    return 'Group';
  }

  // ------------------------------------------------------------------ messages

  box(id) {
    let b = this.boxes.get(id);
    if (!b) {
      b = {
        bySeq: new Map(), // seq -> message
        byClientId: new Map(), // client_msg_id -> seq
        updates: new Map(), // message_id -> newest message_updated not applied yet
        latestLoaded: false,
        hasMoreOlder: null, // null: unknown
        loadingOlder: false,
        loadingLatest: false,
      };
      this.boxes.set(id, b);
    }
    return b;
  }

  /**
   * Adds a message (live event, history page or a provisional one built from
   * an ack). Returns true if it was new or newer than what was held.
   */
  putMessage(m, { silent = false } = {}) {
    const b = this.box(m.conversation_id);
    const old = b.bySeq.get(m.seq);
    const version = (x) => x?.version ?? 1;
    if (old && !old.provisional && (m.provisional || version(old) >= version(m))) return false;
    let msg = { ...m, version: version(m), deleted: Boolean(m.deleted) };
    msg.edited = Boolean(m.edited) || (msg.version > 1 && !msg.deleted);
    const upd = b.updates.get(msg.message_id);
    if (upd && upd.version > msg.version) {
      msg = applyUpdate(msg, upd);
      b.updates.delete(msg.message_id);
    }
    b.bySeq.set(msg.seq, msg);
    if (msg.client_msg_id) b.byClientId.set(msg.client_msg_id, msg.seq);
    const c = this.conversations.get(m.conversation_id);
    if (c) {
      c.last_seq = Math.max(c.last_seq, msg.seq);
      if (Number.isFinite(msg.ts)) c.last_message_at = Math.max(c.last_message_at ?? 0, msg.ts);
      if (!c.preview || c.preview.seq <= msg.seq) c.preview = previewOf(msg);
      // The server moves a sender's read and delivered marks to the seq of
      // what they send, without a `receipt` frame: the sender has read it all.
      this._raiseMarks(c, msg.sender_id, msg.seq);
    }
    if (!silent) {
      this.emit('messages', m.conversation_id, { added: msg });
      this.emit('conversations');
    }
    return true;
  }

  /** A message_updated frame (or a local optimistic edit/delete). */
  updateMessage(f) {
    const b = this.box(f.conversation_id);
    const m = b.bySeq.get(f.seq);
    if (!m || m.message_id !== f.message_id) {
      const prev = b.updates.get(f.message_id);
      if (!prev || prev.version < f.version) b.updates.set(f.message_id, f);
      return;
    }
    if (!f.local && f.version <= m.version && !m.localEdit) return;
    const next = applyUpdate(m, f);
    b.bySeq.set(m.seq, next);
    const c = this.conversations.get(f.conversation_id);
    if (c?.preview?.seq === m.seq) c.preview = previewOf(next);
    this.emit('messages', f.conversation_id, { updated: next });
    this.emit('conversations');
  }

  /** Puts back a message as it was (an optimistic edit or delete failed). */
  restoreMessage(m) {
    const b = this.box(m.conversation_id);
    const cur = b.bySeq.get(m.seq);
    if (!cur || cur.message_id !== m.message_id || !cur.localEdit) return;
    b.bySeq.set(m.seq, m);
    const c = this.conversations.get(m.conversation_id);
    if (c?.preview?.seq === m.seq) c.preview = previewOf(m);
    this.emit('messages', m.conversation_id, { updated: m });
    this.emit('conversations');
  }

  messagesOf(id) {
    const b = this.boxes.get(id);
    if (!b) return [];
    return [...b.bySeq.values()].sort((x, y) => x.seq - y.seq);
  }

  /** Outbox entries of a conversation not yet shown as messages. */
  pendingOf(id) {
    const b = this.boxes.get(id);
    return this.pending.filter((p) => p.conversation_id === id && !b?.byClientId.has(p.client_msg_id));
  }

  setPending(list) {
    const touched = new Set([...this.pending, ...list].map((p) => p.conversation_id));
    this.pending = list;
    for (const id of touched) this.emit('messages', id, { pending: true });
  }

  /** 'pending' | 'sent' | 'delivered' | 'read' for one of my messages. */
  tickOf(c, m) {
    if (m.sender_id !== this.me) return null;
    const others = c ? this.otherMembers(c) : [];
    if (!others.length) return 'sent';
    const all = (f) => others.every((u) => f(c.members.get(u)) >= m.seq);
    if (all((x) => x.read_seq)) return 'read';
    if (all((x) => Math.max(x.delivered_seq, x.read_seq))) return 'delivered';
    return 'sent';
  }

  // ------------------------------------------------------------------ receipts

  applyReceipt(f) {
    const c = this.conversations.get(f.conversation_id);
    if (!c || !Number.isSafeInteger(f.seq)) return;
    if (f.user_id === this.me) {
      if (f.status === 'read') c.read_seq = Math.max(c.read_seq, f.seq);
      c.delivered_seq = Math.max(c.delivered_seq, f.seq);
    }
    if (!c.members) c.members = new Map();
    let m = c.members.get(f.user_id);
    if (!m) c.members.set(f.user_id, (m = { user_id: f.user_id, role: 'member', delivered_seq: 0, read_seq: 0 }));
    if (f.status === 'read') m.read_seq = Math.max(m.read_seq, f.seq);
    m.delivered_seq = Math.max(m.delivered_seq, f.seq);
    this.emit('messages', c.id, { receipt: true });
    this.emit('conversations');
  }

  _raiseMarks(c, userId, seq) {
    if (typeof userId !== 'string' || !Number.isSafeInteger(seq)) return;
    if (userId === this.me) {
      c.read_seq = Math.max(c.read_seq, seq);
      c.delivered_seq = Math.max(c.delivered_seq, seq);
    }
    if (!c.members) return; // the details load brings the marks
    const m = c.members.get(userId);
    if (!m) return;
    m.read_seq = Math.max(m.read_seq ?? 0, seq);
    m.delivered_seq = Math.max(m.delivered_seq ?? 0, seq);
  }

  markedRead(id, seq) {
    const c = this.conversations.get(id);
    if (!c || seq <= c.read_seq) return;
    c.read_seq = seq;
    c.delivered_seq = Math.max(c.delivered_seq, seq);
    this.emit('conversations');
  }

  // ------------------------------------------------------------ presence, typing

  setPresence(userId, status, lastSeen) {
    const old = this.presence.get(userId);
    if (status === 'unknown' && old && old.status !== 'unknown') return;
    this.presence.set(userId, { status, last_seen: lastSeen ?? old?.last_seen ?? null });
    this.emit('presence', userId);
  }

  /** Someone's presence as shown: nothing while this device is not live (it would be stale). */
  presenceOf(userId) {
    return this.live ? this.presence.get(userId) ?? null : null;
  }

  setTyping(id, userId) {
    let m = this.typing.get(id);
    if (!m) this.typing.set(id, (m = new Map()));
    m.set(userId, Date.now() + TYPING_SHOWN_MS);
    const key = `${id}\u0000${userId}`;
    clearTimeout(this._typingTimers.get(key));
    this._typingTimers.set(key, setTimeout(() => this.clearTyping(id, userId), TYPING_SHOWN_MS));
    this.emit('typing', id);
  }

  clearTyping(id, userId) {
    const m = this.typing.get(id);
    if (!m?.delete(userId)) return;
    clearTimeout(this._typingTimers.get(`${id}\u0000${userId}`));
    this.emit('typing', id);
  }

  typingIn(id) {
    const now = Date.now();
    return [...(this.typing.get(id)?.entries() ?? [])].filter(([, until]) => until > now).map(([u]) => u);
  }

  // ------------------------------------------------------------------ misc

  setConnection(state, live) {
    this.connection = state;
    this.live = Boolean(live) && state === 'open';
    if (live) this.everLive = true;
    this.emit('connection');
  }

  setActive(id) {
    if (this.activeId === id) return;
    this.activeId = id;
    this.emit('active', id);
  }
}

function applyUpdate(m, f) {
  const next = { ...m, version: Math.max(m.version ?? 1, f.version ?? 1), localEdit: Boolean(f.local) };
  if (f.deleted) {
    next.deleted = true;
    next.content = '';
    delete next.media; // the server removes it with the content
  } else if (typeof f.content === 'string') {
    next.content = f.content;
    next.edited = true;
  }
  return next;
}

function previewOf(m) {
  const content = (!m.deleted && mediaPreview(m)) || (m.content ?? '');
  return { seq: m.seq, sender_id: m.sender_id, content, deleted: Boolean(m.deleted), kind: m.kind ?? 'text' };
}
