// The conversation list: most recent activity first, unread badges, last
// message, presence dots of direct chats. Updated live from the store.
import { h, icon, reconcile, initials, avatarColor } from './dom.js';
import { shortWhen, fullDate, presenceText } from './format.js';

/** @param {{store, onNewChat: () => void}} ctx */
export function createListView(ctx) {
  const { store } = ctx;
  const newButton = h('button', { type: 'button', class: 'btn primary small new-chat-btn', 'aria-haspopup': 'dialog' }, icon('plus'), 'New chat');
  newButton.addEventListener('click', () => ctx.onNewChat(newButton));
  const status = h('p', { class: 'list-status', role: 'status' });
  const list = h('ul', { class: 'conv-list', 'aria-labelledby': 'chats-title', 'data-testid': 'conversation-list' });
  const el = h(
    'nav',
    { class: 'list-pane', 'aria-labelledby': 'chats-title' },
    h('div', { class: 'pane-head' }, h('h2', { id: 'chats-title' }, 'Chats'), newButton),
    status,
    list,
  );

  function create() {
    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
    const dot = h('span', { class: 'presence-dot', hidden: true });
    const name = h('span', { class: 'conv-name' });
    const when = h('time', { class: 'conv-when' });
    const preview = h('span', { class: 'conv-preview' });
    const badge = h('span', { class: 'badge', hidden: true, 'data-testid': 'unread' });
    const sr = h('span', { class: 'visually-hidden' });
    const link = h(
      'a',
      { class: 'conv-item' },
      h('span', { class: 'avatar-wrap' }, avatar, dot),
      h('span', { class: 'conv-main' }, h('span', { class: 'conv-row' }, name, when), h('span', { class: 'conv-row' }, preview, badge)),
      sr,
    );
    const li = h('li', {}, link);
    li._parts = { link, avatar, dot, name, when, preview, badge, sr };
    return li;
  }

  function update(li, c) {
    const p = li._parts;
    const title = store.title(c);
    const peer = store.peer(c);
    const presence = peer ? store.presenceOf(peer) : null;
    const unread = store.unread(c);
    const active = store.activeId === c.id;
    const at = c.last_message_at ?? c.created_at;
    let previewText = '';
    if (c.preview) {
      const who = c.preview.sender_id === store.me ? 'You: ' : c.type === 'direct' ? '' : `${c.preview.sender_id}: `;
      previewText = who + (c.preview.deleted ? 'Message deleted' : c.preview.content.replace(/\s+/g, ' '));
    } else if (c.last_seq === 0) previewText = 'No messages yet';
    const sig = JSON.stringify([title, presence, unread, active, at, previewText, c.type]);
    if (li._sig === sig) return;
    li._sig = sig;
    p.link.href = `#/c/${encodeURIComponent(c.id)}`;
    p.link.dataset.id = c.id;
    if (active) p.link.setAttribute('aria-current', 'page');
    else p.link.removeAttribute('aria-current');
    p.link.classList.toggle('unread', unread > 0);
    p.name.textContent = title;
    p.avatar.textContent = initials(title);
    p.avatar.style.background = avatarColor(peer ?? c.id);
    p.dot.hidden = !presence || presence.status === 'unknown';
    p.dot.dataset.status = presence?.status ?? 'unknown';
    p.when.textContent = shortWhen(at);
    p.when.title = fullDate(at);
    p.when.setAttribute('datetime', Number.isFinite(at) ? new Date(at).toISOString() : '');
    p.preview.textContent = previewText;
    p.badge.hidden = unread === 0;
    p.badge.textContent = unread > 99 ? '99+' : String(unread);
    p.badge.setAttribute('aria-hidden', 'true');
    const bits = [];
    if (c.type === 'group') bits.push('group');
    const pt = presenceText(presence);
    if (pt) bits.push(pt);
    if (unread) bits.push(`${unread} unread message${unread === 1 ? '' : 's'}`);
    p.sr.textContent = bits.length ? `, ${bits.join(', ')}` : '';
  }

  function render() {
    const convs = store.sortedConversations();
    if (store.listState === 'loading' && convs.length === 0) status.textContent = 'Loading chats…';
    else if (store.listState === 'error' && convs.length === 0) status.textContent = 'Could not load your chats. They will appear once the connection is back.';
    else if (convs.length === 0) status.textContent = 'No chats yet. Start one with “New chat”.';
    else status.textContent = '';
    status.hidden = !status.textContent;
    reconcile(list, convs, { key: (c) => c.id, create, update });
  }

  store.on('conversations', render);
  store.on('presence', render);
  store.on('active', render);
  store.on('connection', render);
  const minuteTimer = setInterval(render, 60000);
  render();

  return {
    el,
    focusConversation(id) {
      const link = [...list.querySelectorAll('a.conv-item')].find((a) => a.dataset.id === id);
      (link ?? newButton).focus();
    },
    destroy() {
      clearInterval(minuteTimer);
    },
  };
}
