// Waiting helpers: every wait is on an event, with a timeout.

/** Resolves with the first payload of `type` on `emitter` matching `pred`; rejects after timeoutMs. */
export function waitForEvent(emitter, type, pred = () => true, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}'`));
    }, timeoutMs);
    const off = emitter.on(type, (...args) => {
      let ok;
      try {
        ok = pred(...args);
      } catch (err) {
        clearTimeout(timer);
        off();
        reject(err);
        return;
      }
      if (!ok) return;
      clearTimeout(timer);
      off();
      resolve(args[0]);
    });
  });
}

/** Collects payloads of `type` until `count` of them (matching pred) are in; resolves with them. */
export function collectEvents(emitter, type, count, pred = () => true, timeoutMs = 2000) {
  const got = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} '${type}' events (got ${got.length})`));
    }, timeoutMs);
    const off = emitter.on(type, (payload) => {
      if (!pred(payload)) return;
      got.push(payload);
      if (got.length >= count) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

/** Resolves `promise` or rejects with a clear message after timeoutMs. */
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
    }),
  ]);
}

/** Asserts that no event of `type` matching pred happens within ms (a negative check, bounded). */
export function expectNoEvent(emitter, type, pred = () => true, ms = 200) {
  return new Promise((resolve, reject) => {
    const off = emitter.on(type, (payload) => {
      if (!pred(payload)) return;
      clearTimeout(timer);
      off();
      reject(new Error(`unexpected '${type}' event: ${JSON.stringify(payload)}`));
    });
    const timer = setTimeout(() => {
      off();
      resolve();
    }, ms);
  });
}
