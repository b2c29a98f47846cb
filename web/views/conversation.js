// The conversation screen: header with presence, the message history (paged
// backwards on scroll), typing indicator, composer, edit and delete.
import { h, icon, replace, reconcile, initials, avatarColor } from './dom.js';
import { clock, dayKey, dayLabel, fullDate, presenceText } from './format.js';
import { renderPlan } from '../media.js';
import { mediaNodes } from './media.js';
import { createAttachments } from './attach.js';

const NEAR_BOTTOM_PX = 80;
const LOAD_OLDER_PX = 150;
const TICK_TEXT = {
  queued: 'Waiting for connection',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/**
 * @param {{store, chat, navigate: (hash: string) => void, confirmDelete: Function, openActions: Function}} ctx
 */
export function createConversationView(ctx) {
  const { store, chat } = ctx;
  let id = null;
  let editing = null; // the message being edited
  const drafts = new Map();

  // ---- header
  const backButton = h('button', { type: 'button', class: 'icon-btn back-btn', 'aria-label': 'Back to chats', title: 'Back to chats (Escape)' }, icon('back'));
  backButton.addEventListener('click', () => ctx.navigate('#/'));
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const dot = h('span', { class: 'presence-dot', hidden: true });
  const title = h('h2', { id: 'conv-title', class: 'conv-title' });
  const subtitle = h('p', { id: 'conv-subtitle', class: 'conv-subtitle', 'data-testid': 'conv-subtitle' });
  // Mute: no push notifications for this chat (PUT/DELETE .../mute); messages still arrive here.
  const muteButton = h('button', { type: 'button', class: 'icon-btn mute-btn', 'aria-label': 'Mute this chat', 'aria-pressed': 'false', hidden: true, 'data-testid': 'mute' });
  const muted = new Map(); // conversation id -> true | false (unknown: absent)
  muteButton.addEventListener('click', async () => {
    const cid = id;
    const next = !(muted.get(cid) ?? false);
    muteButton.disabled = true;
    try {
      muted.set(cid, await chat.setMuted(cid, next));
    } catch (err) {
      ctx.notify?.(`Could not ${next ? 'mute' : 'unmute'} this chat (${err?.code ?? 'error'}).`, 'error');
    } finally {
      muteButton.disabled = false;
      if (cid === id) renderMute();
    }
  });
  const header = h(
    'header',
    { class: 'conv-head' },
    backButton,
    h('span', { class: 'avatar-wrap' }, avatar, dot),
    h('div', { class: 'conv-head-text' }, title, subtitle),
    muteButton,
  );

  // ---- messages
  const olderButton = h('button', { type: 'button', class: 'btn small' }, 'Load earlier messages');
  olderButton.addEventListener('click', () => id && chat.loadOlder(id));
  const historyTop = h('div', { class: 'history-top' });
  const list = h('div', { class: 'msg-list', role: 'log', 'aria-labelledby': 'conv-title', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const scroller = h('div', { class: 'messages', tabindex: '0', 'aria-label': 'Message history' }, historyTop, list);
  scroller.addEventListener('scroll', () => {
    if (id && scroller.scrollTop < LOAD_OLDER_PX) chat.loadOlder(id);
  });

  const typingLine = h('p', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'typing' });

  // ---- composer
  const editCancel = h('button', { type: 'button', class: 'btn small' }, 'Cancel');
  editCancel.addEventListener('click', () => stopEditing(true));
  const editBar = h('div', { class: 'edit-bar', hidden: true }, h('span', {}, icon('edit'), 'Editing message'), editCancel);
  const input = h('textarea', {
    id: 'composer-input',
    class: 'composer-input',
    rows: '1',
    placeholder: 'Message',
    autocomplete: 'off',
    'aria-describedby': 'composer-hint',
    enterkeyhint: 'send',
  });
  const sendButton = h('button', { type: 'submit', class: 'icon-btn send-btn', 'aria-label': 'Send' }, icon('send'));
  const attach = createAttachments({ chat, currentId: () => id, afterDismiss: () => input.focus() });
  input.addEventListener('paste', attach.onPaste);
  const composer = h(
    'form',
    { class: 'composer', 'aria-label': 'Write a message' },
    attach.button,
    attach.input,
    h('label', { for: 'composer-input', class: 'visually-hidden' }, 'Message'),
    input,
    sendButton,
    h('p', { id: 'composer-hint', class: 'visually-hidden' }, 'Enter sends, Shift+Enter adds a line, Up arrow edits your last message, Escape goes back.'),
  );
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    } else if (ev.key === 'Escape') {
      if (editing) {
        ev.preventDefault();
        ev.stopPropagation();
        stopEditing(true);
      }
    } else if (ev.key === 'ArrowUp' && !input.value && !editing) {
      // The last message I sent, if it is stored (has an id) and not deleted.
      const last = store.messagesOf(id).filter((m) => m.sender_id === store.me).at(-1);
      if (last && last.message_id && !last.deleted && store.pendingOf(id).length === 0) {
        ev.preventDefault();
        startEditing(last);
      }
    }
  });
  input.addEventListener('input', () => {
    autosize();
    if (id && input.value.trim() && !editing) chat.typing(id);
  });

  const empty = h(
    'div',
    { class: 'conv-empty' },
    h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, 'P'),
    h('p', {}, 'Select a chat, or start a new one.'),
  );
  const body = h('section', { class: 'conv', 'aria-labelledby': 'conv-title', hidden: true }, header, scroller, typingLine, editBar, attach.tray, composer);
  attach.bindDropTarget(body);
  const el = h('div', { class: 'conv-wrap' }, empty, body);

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  function submit() {
    if (!id) return;
    const text = input.value;
    if (!text.trim()) return;
    if (editing) {
      const m = editing;
      stopEditing(false);
      if (text !== m.content) chat.edit(m, text);
    } else {
      chat.send(id, text);
    }
    input.value = '';
    drafts.delete(id);
    autosize();
    scrollToBottom();
  }

  function startEditing(m) {
    if (!editing) drafts.set(id, input.value);
    editing = m;
    editBar.hidden = false;
    input.value = m.content;
    sendButton.setAttribute('aria-label', 'Save edit');
    autosize();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    render({});
  }

  function stopEditing(restoreDraft) {
    editing = null;
    editBar.hidden = true;
    sendButton.setAttribute('aria-label', 'Send');
    input.value = restoreDraft ? drafts.get(id) ?? '' : '';
    autosize();
    input.focus();
    render({});
  }

  // ---- rendering

  function renderHeader() {
    const c = store.conversations.get(id);
    if (!c) return;
    const name = store.title(c);
    title.textContent = name;
    avatar.textContent = initials(name);
    avatar.style.background = avatarColor(c.type === 'direct' ? store.peer(c) ?? c.id : c.id);
    const peer = store.peer(c);
    if (peer) {
      const p = store.presenceOf(peer);
      dot.hidden = !p || p.status === 'unknown';
      dot.dataset.status = p?.status ?? 'unknown';
      subtitle.textContent = presenceText(p);
      subtitle.title = p?.last_seen ? `Last connected ${fullDate(p.last_seen)}` : '';
    } else {
      dot.hidden = true;
      const others = store.otherMembers(c);
      const online = others.filter((u) => store.presenceOf(u)?.status === 'online').length;
      subtitle.textContent = c.members ? `${c.members.size} members${online ? `, ${online} online` : ''}` : '';
      subtitle.title = c.members ? [...c.members.keys()].join(', ') : '';
    }
  }

  function renderMute() {
    const state = muted.get(id);
    muteButton.hidden = state === undefined;
    muteButton.setAttribute('aria-pressed', state ? 'true' : 'false');
    muteButton.title = state ? 'Muted: no push notifications for this chat. Click to unmute.' : 'Mute push notifications for this chat';
    muteButton.replaceChildren(icon(state ? 'bell-off' : 'bell'));
  }

  async function loadMute(cid) {
    if (muted.has(cid)) return;
    const state = await chat.muted(cid);
    if (state === null) return; // unknown (no push on this server, or not loaded): no button
    muted.set(cid, state);
    if (cid === id) renderMute();
  }

  function renderTyping() {
    const who = store.typingIn(id);
    typingLine.textContent = who.length === 0 ? '' : who.length === 1 ? `${who[0]} is typing…` : `${who.join(', ')} are typing…`;
  }

  function renderHistoryTop() {
    const b = store.box(id);
    if (!b.latestLoaded) replace(historyTop, h('p', { class: 'muted' }, b.loadingLatest ? 'Loading messages…' : ''));
    else if (b.loadingOlder) replace(historyTop, h('p', { class: 'muted' }, 'Loading earlier messages…'));
    else if (b.hasMoreOlder) replace(historyTop, olderButton);
    else if (store.messagesOf(id).length) replace(historyTop, h('p', { class: 'muted' }, 'This is the start of the conversation.'));
    else replace(historyTop, h('p', { class: 'muted' }, 'No messages yet. Say hello!'));
  }

  function items() {
    const c = store.conversations.get(id);
    const out = [];
    let lastDay = null;
    let lastSender = null;
    const push = (entry, ts, sender) => {
      const day = dayKey(ts);
      if (day !== lastDay) {
        out.push({ kind: 'day', key: `d:${day}`, ts });
        lastDay = day;
        lastSender = null;
      }
      entry.showSender = c?.type !== 'direct' && sender !== store.me && sender !== lastSender;
      lastSender = sender;
      out.push(entry);
    };
    for (const m of store.messagesOf(id)) {
      const key = m.sender_id === store.me && m.client_msg_id ? `c:${m.client_msg_id}` : `m:${m.message_id ?? m.seq}`;
      push({ kind: 'msg', key, m, tick: store.tickOf(c, m) }, m.ts ?? Date.now(), m.sender_id);
    }
    for (const p of store.pendingOf(id)) {
      const tick = store.live ? 'sending' : 'queued';
      push({ kind: 'msg', key: `c:${p.client_msg_id}`, m: { ...p, sender_id: store.me, pending: true }, tick }, p.created_at ?? Date.now(), store.me);
    }
    return out;
  }

  function createItem(item) {
    if (item.kind === 'day') return h('div', { class: 'day-sep', role: 'separator' }, h('span', {}, dayLabel(item.ts)));
    const mine = item.m.sender_id === store.me;
    return h('div', { class: `msg ${mine ? 'mine' : 'theirs'}`, 'data-testid': 'message' });
  }

  function updateItem(el, item) {
    if (item.kind === 'day') return;
    const { m, tick, showSender } = item;
    const isEditing = editing && editing.message_id === m.message_id;
    const sig = JSON.stringify([m.content, m.deleted, m.version, m.edited, tick, showSender, m.seq, m.pending, isEditing, m.localEdit, m.media?.media_id, m.media?.content_type]);
    if (el._sig === sig) return;
    el._sig = sig;
    const mine = m.sender_id === store.me;
    el.dataset.seq = m.seq ?? '';
    el.dataset.status = tick ?? '';
    el.classList.toggle('pending', Boolean(m.pending));
    el.classList.toggle('editing', Boolean(isEditing));
    const bubble = h('div', { class: 'bubble' });
    if (showSender) bubble.append(h('span', { class: 'sender', style: { color: avatarColor(m.sender_id) } }, m.sender_id));
    const plan = renderPlan(m);
    if (plan.type === 'deleted') bubble.append(h('p', { class: 'text deleted' }, mine ? 'You deleted this message' : 'This message was deleted'));
    else if (plan.type === 'text') bubble.append(h('p', { class: 'text', 'data-testid': 'message-text' }, m.content ?? ''));
    else {
      bubble.classList.add('has-media');
      // Kept across re-renders (ticks change often): a new <img> would load and flicker again.
      const url = chat.mediaUrl(plan.media);
      const key = JSON.stringify([url, plan.type, plan.caption, plan.width, plan.height]);
      if (el._media?.key !== key) el._media = { key, nodes: mediaNodes(plan, url) };
      bubble.append(...el._media.nodes);
    }
    const meta = h('span', { class: 'meta' });
    if (m.edited && !m.deleted) meta.append(h('span', { class: 'edited' }, 'edited'));
    meta.append(h('time', { datetime: Number.isFinite(m.ts) ? new Date(m.ts).toISOString() : null, title: fullDate(m.ts ?? m.created_at) }, clock(m.ts ?? m.created_at)));
    if (tick) {
      const iconName = tick === 'queued' || tick === 'sending' ? 'clock' : tick === 'sent' ? 'check' : 'checks';
      meta.append(h('span', { class: `ticks ${tick}`, title: TICK_TEXT[tick], 'data-testid': 'ticks', 'data-status': tick }, icon(iconName), h('span', { class: 'visually-hidden' }, TICK_TEXT[tick])));
    }
    bubble.append(meta);
    const children = [bubble];
    if (mine && !m.deleted && !m.pending && m.message_id) {
      const more = h('button', { type: 'button', class: 'icon-btn msg-more', 'aria-label': `Edit or delete your message from ${clock(m.ts)}`, 'aria-haspopup': 'dialog' }, icon('more'));
      more.addEventListener('click', () => {
        const cur = store.box(m.conversation_id).bySeq.get(m.seq) ?? m;
        ctx.openActions(cur, {
          onEdit: () => startEditing(cur),
          onDelete: () => chat.remove(cur),
          returnFocus: more,
        });
      });
      children.unshift(more);
    }
    el.replaceChildren(...children);
  }

  function isNearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function render(info) {
    if (!id) return;
    const nearBottom = isNearBottom();
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    renderHistoryTop();
    reconcile(list, items(), { key: (i) => i.key, create: createItem, update: updateItem });
    if (info.loaded === 'latest') scrollToBottom();
    else if (info.loaded === 'older' || info.loading === 'older') scroller.scrollTop = scroller.scrollHeight - fromBottom;
    else if (nearBottom || info.added?.sender_id === store.me || info.pending) scrollToBottom();
    // Not enough history to scroll: fetch more so that scrolling up can work.
    const b = store.box(id);
    if (b.latestLoaded && b.hasMoreOlder && !b.loadingOlder && scroller.scrollHeight <= scroller.clientHeight + LOAD_OLDER_PX) {
      chat.loadOlder(id);
    }
  }

  // ---- store subscriptions
  store.on('messages', (cid, info) => {
    if (cid === id) render(info ?? {});
  });
  store.on('conversations', () => {
    if (id) {
      if (!store.conversations.has(id)) ctx.navigate('#/');
      else renderHeader();
    }
  });
  store.on('presence', () => id && renderHeader());
  store.on('typing', (cid) => cid === id && renderTyping());
  store.on('connection', () => {
    if (!id) return;
    renderHeader();
    render({});
  });
  const minuteTimer = setInterval(() => id && renderHeader(), 30000);

  return {
    el,
    get id() {
      return id;
    },
    /** Shows a conversation (null: the empty placeholder). */
    show(nextId, { focus = false } = {}) {
      if (id && id !== nextId) {
        if (editing) stopEditing(true);
        drafts.set(id, input.value);
      }
      if (nextId && !store.conversations.has(nextId)) store.upsertConversation({ id: nextId });
      const changed = id !== nextId;
      id = nextId;
      empty.hidden = Boolean(id);
      body.hidden = !id;
      if (!id) return;
      if (changed) {
        list.replaceChildren();
        attach.refreshTray();
        renderMute();
        loadMute(id);
        input.value = drafts.get(id) ?? '';
        autosize();
        renderTyping();
      }
      renderHeader();
      render({ loaded: 'latest' });
      chat.ensureDetails(id);
      chat.loadLatest(id);
      chat.maybeMarkRead(id);
      if (focus) input.focus();
    },
    focusComposer() {
      input.focus();
    },
    isEditing() {
      return Boolean(editing);
    },
    destroy() {
      clearInterval(minuteTimer);
    },
  };
}
