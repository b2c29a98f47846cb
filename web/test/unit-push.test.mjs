// Unit tests of web/push.js with fake browser objects: headless Chromium has
// no push service, so subscribing cannot be tested for real. What is checked:
// the subscription payload, the VAPID key decoding, and the enable / disable /
// start-up flows against a fake server (the REST calls they make).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PushController, base64UrlToBytes, devicePayload, unsupportedReason } from '../push.js';

const KEY = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';

class FakeSubscription {
  constructor(endpoint, key) {
    this.endpoint = endpoint;
    this.options = { applicationServerKey: key.buffer };
    this.unsubscribed = false;
  }
  toJSON() {
    return { endpoint: this.endpoint, expirationTime: null, keys: { p256dh: 'BP256', auth: 'AUTH' } };
  }
  async unsubscribe() {
    this.unsubscribed = true;
    return true;
  }
}

/** A browser with a push service that hands out subscriptions, and a server behind rest(). */
function fakeWorld({ permission = 'default', answer = 'granted', vapid = KEY } = {}) {
  const calls = [];
  const store = new Map();
  const pushManager = {
    sub: null,
    subscribeOptions: null,
    async getSubscription() {
      return this.sub;
    },
    async subscribe(opts) {
      this.subscribeOptions = opts;
      this.sub = new FakeSubscription(`https://push.example/sub/${calls.length}`, opts.applicationServerKey);
      return this.sub;
    },
  };
  const registration = { pushManager };
  let registered = null;
  const env = {
    isSecureContext: true,
    PushManager: function PushManager() {},
    Notification: {
      permission,
      async requestPermission() {
        this.permission = answer;
        return answer;
      },
    },
    serviceWorker: {
      async register(url) {
        registered = url;
        return registration;
      },
      get ready() {
        return Promise.resolve(registration);
      },
      async getRegistration() {
        return registered ? registration : undefined;
      },
    },
    storage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => store.set(k, String(v)),
      removeItem: (k) => store.delete(k),
    },
  };
  const devices = new Map();
  let next = 1;
  const rest = async (method, path, body) => {
    calls.push([method, path, body]);
    if (method === 'GET' && path === '/api/push/vapid') {
      if (!vapid) throw Object.assign(new Error('nf'), { code: 'not_found' });
      return { public_key: vapid };
    }
    if (method === 'POST' && path === '/api/devices') {
      const known = [...devices.values()].find((d) => d.endpoint === body.endpoint);
      if (known) return known;
      const d = { device_id: `dev_${next++}`, platform: body.platform, endpoint: body.endpoint, token: null };
      devices.set(d.device_id, d);
      return d;
    }
    if (method === 'GET' && path === '/api/devices') return { devices: [...devices.values()] };
    const del = /^\/api\/devices\/(.+)$/.exec(path);
    if (method === 'DELETE' && del) {
      if (!devices.delete(decodeURIComponent(del[1]))) throw Object.assign(new Error('nf'), { code: 'not_found' });
      return null;
    }
    throw new Error(`unexpected ${method} ${path}`);
  };
  return { env, rest, calls, devices, store, pushManager, registered: () => registered };
}

describe('push helpers', () => {
  it('decodes the VAPID key (base64url, no padding) to the 65 bytes of a P-256 point', () => {
    const bytes = base64UrlToBytes(KEY);
    assert.equal(bytes.length, 65);
    assert.equal(bytes[0], 4);
    assert.deepEqual([...base64UrlToBytes('_-8')], [0xff, 0xef]);
  });

  it('the device payload is PushSubscription.toJSON() with platform webpush (no expirationTime)', () => {
    const sub = new FakeSubscription('https://push.example/x', new Uint8Array([1]));
    assert.deepEqual(devicePayload(sub), { platform: 'webpush', endpoint: 'https://push.example/x', keys: { p256dh: 'BP256', auth: 'AUTH' } });
    assert.throws(() => devicePayload({ endpoint: 'https://x' }), /no endpoint or keys/);
  });

  it('says why a browser cannot do it', () => {
    const ok = { isSecureContext: true, serviceWorker: {}, PushManager: {}, Notification: {} };
    assert.equal(unsupportedReason(ok), null);
    assert.match(unsupportedReason({ ...ok, isSecureContext: false }), /secure/);
    assert.match(unsupportedReason({ ...ok, serviceWorker: null }), /service workers/);
    assert.match(unsupportedReason({ ...ok, PushManager: null }), /push/);
  });
});

describe('PushController', () => {
  it('is unsupported without a service worker, and does nothing', async () => {
    const w = fakeWorld();
    const c = new PushController({ env: { ...w.env, serviceWorker: null }, rest: w.rest, userId: 'alice' });
    assert.equal(c.state, 'unsupported');
    assert.equal(await c.enable(), 'unsupported');
    assert.deepEqual(w.calls, []);
  });

  it('init: off when the server has a VAPID key, unavailable when it has none', async () => {
    let w = fakeWorld();
    let c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(c.state, 'unknown');
    assert.equal(await c.init(), 'off');
    w = fakeWorld({ vapid: null });
    c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await c.init(), 'unavailable');
  });

  it('enable: permission, service worker, subscribe with the server key, POST /api/devices', async () => {
    const w = fakeWorld();
    const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    const states = [];
    c.onChange((s) => states.push(s));
    assert.equal(await c.enable(), 'on');
    assert.deepEqual(states, ['busy', 'on']);
    assert.equal(w.registered(), '/sw.js');
    assert.equal(w.pushManager.subscribeOptions.userVisibleOnly, true);
    assert.deepEqual([...w.pushManager.subscribeOptions.applicationServerKey], [...base64UrlToBytes(KEY)]);
    const post = w.calls.find(([m, p]) => m === 'POST' && p === '/api/devices');
    assert.deepEqual(post[2], { platform: 'webpush', endpoint: w.pushManager.sub.endpoint, keys: { p256dh: 'BP256', auth: 'AUTH' } });
    assert.equal(w.devices.size, 1);
    assert.deepEqual(JSON.parse(w.store.get('parley.push.alice')), { endpoint: w.pushManager.sub.endpoint, device_id: 'dev_1' });
  });

  it('enable: a refused permission changes nothing on the server', async () => {
    for (const answer of ['denied', 'default']) {
      const w = fakeWorld({ answer });
      const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
      assert.equal(await c.enable(), answer === 'denied' ? 'denied' : 'off');
      assert.ok(c.reason);
      assert.deepEqual(w.calls, []);
      assert.equal(w.pushManager.sub, null);
    }
  });

  it('enable: a subscription made with an old server key is replaced', async () => {
    const w = fakeWorld({ permission: 'granted' });
    const old = new FakeSubscription('https://push.example/old', new Uint8Array([9, 9, 9]));
    w.pushManager.sub = old;
    const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await c.enable(), 'on');
    assert.equal(old.unsubscribed, true);
    assert.notEqual(w.pushManager.sub, old);
  });

  it('enable: a failing subscribe (no push service) is reported, state off', async () => {
    const w = fakeWorld();
    w.pushManager.subscribe = async () => {
      throw Object.assign(new Error('push service not available'), { name: 'AbortError' });
    };
    const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await c.enable(), 'off');
    assert.match(c.reason, /could not be turned on \(AbortError\)/);
    assert.equal(w.devices.size, 0);
  });

  it('disable: unsubscribes and DELETEs the device, also when only the endpoint is known', async () => {
    const w = fakeWorld();
    const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    await c.enable();
    const sub = w.pushManager.sub;
    assert.equal(await c.disable(), 'off');
    assert.equal(sub.unsubscribed, true);
    assert.equal(w.devices.size, 0);
    assert.equal(w.store.has('parley.push.alice'), false);
    assert.equal(c.reason, null);

    // The saved device id is lost: found by endpoint in GET /api/devices.
    await c.enable();
    w.store.set('parley.push.alice', JSON.stringify({ endpoint: w.pushManager.sub.endpoint }));
    assert.equal(await c.disable(), 'off');
    assert.equal(w.devices.size, 0);
  });

  it('init after a reload: registers the kept subscription again (on), or cleans up when it is gone', async () => {
    const w = fakeWorld();
    await new PushController({ env: w.env, rest: w.rest, userId: 'alice' }).enable();
    w.devices.clear(); // the server dropped it (a push service said "gone")
    const again = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await again.init(), 'on');
    assert.equal(w.devices.size, 1, 'registered again');

    // The browser dropped the subscription; notifications are still allowed: subscribed again.
    const stale = [...w.devices.keys()];
    w.pushManager.sub = null;
    const third = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await third.init(), 'on');
    assert.equal(w.devices.size, 1);
    assert.ok(!w.devices.has(stale[0]), 'the stale device is removed');
    assert.equal(JSON.parse(w.store.get('parley.push.alice')).endpoint, w.pushManager.sub.endpoint);

    // Dropped, and the permission was taken back: off, and the device is removed.
    w.pushManager.sub = null;
    w.env.Notification.permission = 'default';
    const fourth = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await fourth.init(), 'off');
    assert.equal(w.devices.size, 0);
    assert.equal(w.store.has('parley.push.alice'), false);
  });

  it('init: denied permission hides the control', async () => {
    const w = fakeWorld({ permission: 'denied' });
    const c = new PushController({ env: w.env, rest: w.rest, userId: 'alice' });
    assert.equal(await c.init(), 'denied');
  });
});
