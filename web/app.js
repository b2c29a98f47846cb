// Parley web client: entry point. Signs in, then shows the conversation list
// and the open conversation (two screens on a phone, side by side otherwise).
// Routes: #/ (list) and #/c/<conversation id>.
import { clearSession, loadSession, saveSession } from './api.js';
import { Store } from './state.js';
import { Chat } from './chat.js';
import { h, initials, avatarColor } from './views/dom.js';
import { renderSignIn } from './views/signin.js';
import { createListView } from './views/list.js';
import { createConversationView } from './views/conversation.js';
import { createBanner } from './views/banner.js';
import { openMessageActions, openNewChatDialog } from './views/dialogs.js';
import { createNotificationsButton } from './views/notifications.js';
import { PushController, browserEnv } from './push.js';

const root = document.getElementById('app');
const toasts = document.getElementById('toasts');
let current = null; // {chat, store, views, onHash, onKey}

export function notify(text, kind = 'info') {
  const t = h('div', { class: `toast ${kind}` }, text);
  toasts.append(t);
  setTimeout(() => t.remove(), 6000);
}

function signOut(reason) {
  const me = current?.store.me;
  const preferToken = current?.session.mode === 'token';
  // One browser, one user: this browser's push subscription goes with the session
  // (best-effort: the token may be the reason for signing out).
  if (current?.push.state === 'on') current.push.disable().catch(() => {});
  stop();
  clearSession();
  if (me) localStorage.removeItem(`parley.outbox.${me}`);
  if (location.hash) history.replaceState(null, '', location.pathname);
  renderSignIn(root, { onSignedIn: start, message: reason, preferToken });
}

function stop() {
  if (!current) return;
  current.chat.stop();
  for (const v of current.views) v.destroy?.();
  window.removeEventListener('hashchange', current.onHash);
  document.removeEventListener('keydown', current.onKey);
  current = null;
}

function route() {
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  return m ? { id: decodeURIComponent(m[1]) } : { id: null };
}

function start(session) {
  saveSession(session);
  stop();
  const store = new Store(session.user_id);
  const chat = new Chat(session, store, {
    onSignOut: (reason) => queueMicrotask(() => signOut(reason)),
    notify,
  });

  const navigate = (hash) => {
    if (location.hash !== hash) location.hash = hash;
    else applyRoute();
  };

  const list = createListView({
    store,
    onNewChat: (button) =>
      openNewChatDialog({
        me: store.me,
        returnFocus: button,
        create: (req) => chat.createConversation(req),
        onCreated: (id) => {
          pendingFocus = true;
          navigate(`#/c/${encodeURIComponent(id)}`);
        },
      }),
  });
  const conv = createConversationView({
    store,
    chat,
    navigate,
    openActions: (m, opts) => openMessageActions(m, opts),
    notify,
  });
  const banner = createBanner(store);

  const push = new PushController({ env: browserEnv(window), rest: (method, path, body) => chat.rest(method, path, body), userId: store.me });
  const notifications = createNotificationsButton({ push, notify });
  const signOutButton = h('button', { type: 'button', class: 'btn small' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut());
  const meAvatar = h('span', { class: 'avatar small', 'aria-hidden': 'true', style: { background: avatarColor(store.me) } }, initials(store.me));
  const topbar = h(
    'header',
    { class: 'topbar' },
    h('span', { class: 'brand' }, h('span', { class: 'brand-mark small', 'aria-hidden': 'true' }, 'P'), 'Parley'),
    h('span', { class: 'me' }, meAvatar, h('span', { class: 'visually-hidden' }, 'Signed in as '), h('span', { 'data-testid': 'me' }, store.me)),
    notifications.el,
    signOutButton,
  );
  const main = h('main', { id: 'main', class: 'conv-pane', tabindex: '-1' }, conv.el);
  const shell = h('div', { class: 'shell', 'data-screen': 'list' }, topbar, banner.el, h('div', { class: 'panes' }, list.el, main));
  root.replaceChildren(shell);
  root.setAttribute('aria-busy', 'false');

  let pendingFocus = false;
  function applyRoute() {
    const { id } = route();
    const prev = conv.id;
    shell.dataset.screen = id ? 'conversation' : 'list';
    store.setActive(id);
    conv.show(id, { focus: pendingFocus });
    pendingFocus = false;
    if (!id && prev) list.focusConversation(prev);
    updateTitle();
  }
  // The tab title: the open chat, and the number of unread messages.
  function updateTitle() {
    let unread = 0;
    for (const c of store.conversations.values()) unread += store.unread(c);
    const c = store.activeId ? store.conversations.get(store.activeId) : null;
    document.title = `${unread ? `(${unread}) ` : ''}${c ? `${store.title(c)} · ` : ''}Parley`;
  }
  store.on('conversations', updateTitle);
  const onHash = () => applyRoute();
  // Escape leaves the conversation (dialogs and the edit mode handle their own Escape first).
  const onKey = (ev) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented || document.querySelector('dialog[open]')) return;
    if (conv.id && !conv.isEditing()) {
      ev.preventDefault();
      navigate('#/');
    }
  };
  // Opening a conversation from the list moves focus to its composer.
  list.el.addEventListener('click', (ev) => {
    if (ev.target.closest('a.conv-item')) pendingFocus = true;
  });
  window.addEventListener('hashchange', onHash);
  document.addEventListener('keydown', onKey);
  current = { session, chat, store, push, views: [list, conv, banner, notifications], onHash, onKey };
  chat.start();
  applyRoute();
  push.init().catch(() => {}); // after chat.start(): it uses the chat's REST client
}

// A click on a push notification: the service worker asks this window to open the chat.
navigator.serviceWorker?.addEventListener('message', (ev) => {
  const id = ev.data?.type === 'parley.open' ? ev.data.conversation_id : null;
  if (typeof id === 'string' && id && current) location.hash = `#/c/${encodeURIComponent(id)}`;
});

// The skip link moves focus without touching the route (#/c/...).
document.querySelector('.skip-link')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  const composer = document.getElementById('composer-input');
  const target = composer && composer.offsetParent !== null ? composer : document.getElementById('main');
  target?.focus();
});

const session = loadSession();
if (session) start(session);
else renderSignIn(root, { onSignedIn: start });
