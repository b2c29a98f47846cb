// Parley's service worker: only for push notifications (no caching, no
// fetch handler). The server's push payload (src/push/push_message.h,
// docs/protocol.md "Push notifications") is
//   {"type":"message","conversation_id":"c_...","sender_id":"alice","message_id":"m_...","seq":18[,"preview":"..."]}
// with no message text unless the operator turned previews on. A classic
// script (module service workers are not everywhere yet); its top-level
// functions are also what the Node tests call.
/* eslint-env serviceworker */

const APP_URL = '/';

/** The payload of a push event, or null when it is not one of ours. */
function parsePayload(text) {
  let p;
  try {
    p = JSON.parse(text);
  } catch {
    return null;
  }
  if (!p || typeof p !== 'object' || p.type !== 'message' || typeof p.conversation_id !== 'string' || !p.conversation_id) return null;
  return p;
}

/** The page of a conversation (the app's route #/c/<id>). */
function conversationUrl(conversationId) {
  return conversationId ? `${APP_URL}#/c/${encodeURIComponent(conversationId)}` : APP_URL;
}

/**
 * {title, options} for showNotification. Every push must show something
 * (userVisibleOnly), also one we cannot read. One notification per
 * conversation (tag): a newer push replaces the older one, as the server
 * collapses bursts per conversation too.
 */
function notificationFor(payload) {
  if (!payload) {
    return { title: 'Parley', options: { body: 'You have new messages.', tag: 'parley', data: { url: APP_URL } } };
  }
  const sender = typeof payload.sender_id === 'string' && payload.sender_id ? payload.sender_id : 'someone';
  const preview = typeof payload.preview === 'string' && payload.preview ? payload.preview : '';
  return {
    title: `New message from ${sender}`,
    options: {
      body: preview || 'Open Parley to read it.',
      tag: `parley:${payload.conversation_id}`,
      renotify: true,
      timestamp: Date.now(),
      data: {
        url: conversationUrl(payload.conversation_id),
        conversation_id: payload.conversation_id,
        message_id: typeof payload.message_id === 'string' ? payload.message_id : null,
        seq: Number.isSafeInteger(payload.seq) ? payload.seq : null,
      },
    },
  };
}

async function showPush(text) {
  const { title, options } = notificationFor(parsePayload(text));
  await self.registration.showNotification(title, options);
}

/**
 * A click: focus a Parley window and tell it which conversation to open
 * (the page listens for 'parley.open'), or open a new one at it.
 */
async function openFromNotification(data) {
  const url = typeof data?.url === 'string' ? data.url : APP_URL;
  const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const origin = self.location.origin;
  const win = all.find((c) => typeof c.url === 'string' && c.url.startsWith(origin));
  if (win) {
    await win.focus().catch(() => {});
    win.postMessage({ type: 'parley.open', conversation_id: data?.conversation_id ?? null });
    return win;
  }
  return self.clients.openWindow(url);
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let text = '';
  try {
    text = event.data ? event.data.text() : '';
  } catch {
    text = '';
  }
  event.waitUntil(showPush(text));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification.data));
});
