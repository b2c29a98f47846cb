// Unit tests of the service worker (web/sw.js), run in a Node vm context with
// a fake `self`: the notification shown for the server's push payload
// (src/push/push_message.h) and what a click on it does. A real push cannot
// reach headless Chromium (no push service); the end-to-end test delivers one
// through the DevTools protocol instead.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { WEB_ROOT } from './support/harness.mjs';

const SOURCE = fs.readFileSync(path.join(WEB_ROOT, 'sw.js'), 'utf8');

function loadWorker({ windows = [] } = {}) {
  const listeners = {};
  const shown = [];
  const opened = [];
  const self = {
    location: { origin: 'https://chat.example' },
    addEventListener: (type, fn) => (listeners[type] = fn),
    skipWaiting: () => {},
    registration: { showNotification: async (title, options) => shown.push({ title, options }) },
    clients: {
      claim: async () => {},
      matchAll: async (opts) => {
        assert.deepEqual({ ...opts }, { type: 'window', includeUncontrolled: true });
        return windows;
      },
      openWindow: async (url) => {
        opened.push(url);
        return { url };
      },
    },
  };
  const ctx = vm.createContext({ self, JSON, Date, Number, encodeURIComponent });
  vm.runInContext(SOURCE, ctx, { filename: 'sw.js' });
  /** Fires an event at the worker and waits for its waitUntil promise. */
  const fire = async (type, event) => {
    let pending = Promise.resolve();
    listeners[type]({ ...event, waitUntil: (p) => (pending = p) });
    await pending;
  };
  return { ctx, listeners, shown, opened, fire };
}

const PAYLOAD = { type: 'message', conversation_id: 'c_1/2', sender_id: 'alice', message_id: 'm_9', seq: 18 };

describe('service worker: push', () => {
  it('shows one notification per conversation from the payload, without message text', async () => {
    const w = loadWorker();
    await w.fire('push', { data: { text: () => JSON.stringify(PAYLOAD) } });
    assert.equal(w.shown.length, 1);
    const { title, options } = w.shown[0];
    assert.equal(title, 'New message from alice');
    assert.equal(options.body, 'Open Parley to read it.');
    assert.equal(options.tag, 'parley:c_1/2');
    assert.equal(options.renotify, true);
    assert.deepEqual({ ...options.data }, { url: '/#/c/c_1%2F2', conversation_id: 'c_1/2', message_id: 'm_9', seq: 18 });
  });

  it('uses the preview when the operator turned previews on', async () => {
    const w = loadWorker();
    await w.fire('push', { data: { text: () => JSON.stringify({ ...PAYLOAD, preview: 'lunch at 1?' }) } });
    assert.equal(w.shown[0].options.body, 'lunch at 1?');
  });

  it('still shows something for an empty or unreadable push (userVisibleOnly)', async () => {
    for (const data of [null, { text: () => 'not json' }, { text: () => '{"type":"other"}' }, { text: () => { throw new Error('x'); } }]) {
      const w = loadWorker();
      await w.fire('push', { data });
      assert.equal(w.shown.length, 1);
      assert.equal(w.shown[0].title, 'Parley');
      assert.equal(w.shown[0].options.data.url, '/');
    }
  });
});

describe('service worker: notification click', () => {
  it('focuses an open Parley window and tells it which conversation to open', async () => {
    const posted = [];
    let focused = 0;
    const win = { url: 'https://chat.example/#/', focus: async () => focused++, postMessage: (m) => posted.push(m) };
    const other = { url: 'https://elsewhere.example/', focus: async () => assert.fail('wrong window'), postMessage: () => assert.fail('wrong window') };
    const w = loadWorker({ windows: [other, win] });
    let closed = false;
    const { options } = w.ctx.notificationFor(PAYLOAD);
    await w.fire('notificationclick', { notification: { data: options.data, close: () => (closed = true) } });
    assert.equal(closed, true);
    assert.equal(focused, 1);
    assert.deepEqual(posted.map((m) => ({ ...m })), [{ type: 'parley.open', conversation_id: 'c_1/2' }]);
    assert.deepEqual(w.opened, []);
  });

  it('opens a window at the conversation when none is open', async () => {
    const w = loadWorker();
    const { options } = w.ctx.notificationFor(PAYLOAD);
    await w.fire('notificationclick', { notification: { data: options.data, close: () => {} } });
    assert.deepEqual(w.opened, ['/#/c/c_1%2F2']);
  });
});
