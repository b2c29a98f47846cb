// A tiny event emitter (on/off/once), the same in browsers and Node.
// A listener that throws does not break the client: the exception is
// reported as an 'error' event (code "listener"), or on the console when it
// was an 'error' listener that threw.
import { ParleyError } from './errors.mjs';

export class Emitter {
  #listeners = new Map();

  /** Adds a listener; returns a function that removes it. */
  on(type, listener) {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    const set = this.#listeners.get(type);
    if (!set) return;
    set.delete(listener);
    // A once() wrapper is registered under its own identity.
    for (const l of set) if (l.original === listener) set.delete(l);
  }

  once(type, listener) {
    const wrapper = (...args) => {
      this.off(type, wrapper);
      listener(...args);
    };
    wrapper.original = listener;
    return this.on(type, wrapper);
  }

  listenerCount(type) {
    return this.#listeners.get(type)?.size ?? 0;
  }

  emit(type, ...args) {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        if (type !== 'error' && this.listenerCount('error') > 0) {
          this.emit('error', new ParleyError('listener', `a '${type}' listener threw: ${err?.message ?? err}`, { cause: err }));
        } else {
          console.error(`parley-client: a '${type}' listener threw`, err);
        }
      }
    }
    return true;
  }
}
