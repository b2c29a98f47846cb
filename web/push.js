// Web Push for this browser (docs/protocol.md, "Push notifications"): the
// service worker (/sw.js), a PushManager subscription made with the server's
// VAPID key, and the device registered with POST /api/devices. Everything the
// browser provides comes in through `env`, so that Node can test the logic
// with fakes (headless Chromium has no push service to subscribe with).

const enc = encodeURIComponent;
export const SW_URL = '/sw.js';

/** base64url (with or without padding) -> Uint8Array, for applicationServerKey. */
export function base64UrlToBytes(s) {
  const b64 = String(s).replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function sameBytes(a, b) {
  if (!a || !b) return false;
  const x = new Uint8Array(a instanceof ArrayBuffer ? a : a.buffer ?? a);
  const y = new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer ?? b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The body of POST /api/devices for a PushSubscription: its toJSON() with
 * platform added (the server ignores expirationTime).
 */
export function devicePayload(subscription) {
  const json = typeof subscription?.toJSON === 'function' ? subscription.toJSON() : subscription;
  if (!json || typeof json.endpoint !== 'string' || !json.keys?.p256dh || !json.keys?.auth) {
    throw new Error('the push subscription has no endpoint or keys');
  }
  return { platform: 'webpush', endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}

/** Why this browser cannot do Web Push, or null. */
export function unsupportedReason(env) {
  if (!env.isSecureContext) return 'Notifications need a secure (https) connection.';
  if (!env.serviceWorker) return 'This browser cannot show notifications (no service workers).';
  if (!env.PushManager) return 'This browser cannot receive push notifications.';
  if (!env.Notification) return 'This browser cannot show notifications.';
  return null;
}

/** What the page's own window offers; pass the result to PushController. */
export function browserEnv(win = globalThis) {
  return {
    isSecureContext: Boolean(win.isSecureContext),
    serviceWorker: win.navigator?.serviceWorker ?? null,
    PushManager: win.PushManager ?? null,
    Notification: win.Notification ?? null,
    storage: win.localStorage ?? null,
  };
}

/**
 * One user's notifications on this browser.
 *   state: 'unknown' (before init) | 'unsupported' | 'unavailable' (server without Web Push)
 *          | 'off' | 'on' | 'denied' | 'busy'
 * rest(method, path, body) is the page's authenticated REST call.
 */
export class PushController {
  constructor({ env, rest, userId }) {
    this.env = env;
    this.rest = rest;
    this.key = `parley.push.${userId}`;
    this.reason = unsupportedReason(env);
    this.state = this.reason ? 'unsupported' : 'unknown'; // unknown until init()
    this.listeners = new Set();
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  _set(state, reason = null) {
    this.state = state;
    this.reason = reason;
    for (const fn of this.listeners) fn(state, reason);
  }

  _saved() {
    try {
      const v = JSON.parse(this.env.storage?.getItem(this.key) ?? 'null');
      return v && typeof v.endpoint === 'string' ? v : null;
    } catch {
      return null;
    }
  }

  _save(v) {
    if (v) this.env.storage?.setItem(this.key, JSON.stringify(v));
    else this.env.storage?.removeItem(this.key);
  }

  async _vapidKey() {
    try {
      const res = await this.rest('GET', '/api/push/vapid');
      return typeof res?.public_key === 'string' && res.public_key ? res.public_key : null;
    } catch (err) {
      if (err?.code === 'not_found') return null; // Web Push is off on this server
      throw err;
    }
  }

  async _registration() {
    await this.env.serviceWorker.register(SW_URL);
    return this.env.serviceWorker.ready;
  }

  /**
   * At start: is this user's subscription still there? If so, register it
   * again (200 when the server knows it; it may have dropped it after a
   * "gone" answer, or another user of this browser may have taken it).
   */
  async init() {
    if (this.state === 'unsupported') return this.state;
    if (this.env.Notification.permission === 'denied') {
      this._set('denied', 'Notifications are blocked for this site in the browser settings.');
      return this.state;
    }
    const saved = this._saved();
    if (!saved) {
      const key = await this._vapidKey().catch(() => null);
      this._set(key ? 'off' : 'unavailable', key ? null : 'This server does not send push notifications.');
      return this.state;
    }
    try {
      const reg = await this.env.serviceWorker.getRegistration(SW_URL);
      const sub = await reg?.pushManager.getSubscription();
      if (!sub || sub.endpoint !== saved.endpoint || this.env.Notification.permission !== 'granted') {
        // The browser dropped or replaced the subscription (it may rotate it while no page is
        // open, and the service worker has no token to tell the server): forget the old device,
        // and subscribe again if the user still allows notifications (no prompt then).
        this._save(null);
        if (saved.device_id) await this.rest('DELETE', `/api/devices/${enc(saved.device_id)}`).catch(() => {});
        if (this.env.Notification.permission === 'granted') return this.enable();
        this._set('off');
        return this.state;
      }
      const device = await this.rest('POST', '/api/devices', devicePayload(sub));
      this._save({ endpoint: sub.endpoint, device_id: device?.device_id ?? saved.device_id });
      this._set('on');
    } catch {
      this._set('on'); // keep what was set up; the next start tries again
    }
    return this.state;
  }

  /** Asks for permission, subscribes and registers the device. Resolves with the state. */
  async enable() {
    if (this.state === 'unsupported') return this.state;
    this._set('busy');
    try {
      const permission = await this.env.Notification.requestPermission();
      if (permission !== 'granted') {
        this._set(
          permission === 'denied' ? 'denied' : 'off',
          permission === 'denied' ? 'Notifications are blocked for this site in the browser settings.' : 'Notifications were not allowed.',
        );
        return this.state;
      }
      const key = await this._vapidKey();
      if (!key) {
        this._set('unavailable', 'This server does not send push notifications.');
        return this.state;
      }
      const reg = await this._registration();
      const appKey = base64UrlToBytes(key);
      let sub = await reg.pushManager.getSubscription();
      // A subscription made with another key (the server's key changed) cannot be used.
      if (sub && sub.options?.applicationServerKey && !sameBytes(sub.options.applicationServerKey, appKey)) {
        await sub.unsubscribe().catch(() => {});
        sub = null;
      }
      if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: appKey });
      const device = await this.rest('POST', '/api/devices', devicePayload(sub));
      this._save({ endpoint: sub.endpoint, device_id: device?.device_id ?? null });
      this._set('on');
    } catch (err) {
      this._set('off', `Notifications could not be turned on (${err?.code ?? err?.name ?? 'error'}).`);
    }
    return this.state;
  }

  /** Unsubscribes this browser and removes the device from the server. */
  async disable() {
    if (this.state === 'unsupported') return this.state;
    this._set('busy');
    const saved = this._saved();
    let failed = null;
    try {
      const reg = await this.env.serviceWorker.getRegistration(SW_URL);
      const sub = await reg?.pushManager.getSubscription();
      const endpoint = sub?.endpoint ?? saved?.endpoint ?? null;
      let deviceId = saved?.device_id ?? null;
      if (!deviceId && endpoint) {
        const list = await this.rest('GET', '/api/devices');
        deviceId = list?.devices?.find((d) => d.platform === 'webpush' && d.endpoint === endpoint)?.device_id ?? null;
      }
      if (sub) await sub.unsubscribe();
      if (deviceId) {
        await this.rest('DELETE', `/api/devices/${enc(deviceId)}`).catch((err) => {
          if (err?.code !== 'not_found') throw err; // already gone: fine
        });
      }
    } catch (err) {
      failed = `Notifications could not be turned off everywhere (${err?.code ?? err?.name ?? 'error'}).`;
    }
    this._save(null);
    this._set('off', failed);
    return this.state;
  }
}
