// The connection banner: visible while the client is not live.
import { h, icon } from './dom.js';

export function createBanner(store) {
  const text = h('span', {});
  const el = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'connection-banner', hidden: true }, icon('alert'), text);
  let showTimer = null;

  function render() {
    const s = store.connection;
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    let msg = '';
    let kind = 'info';
    if (s === 'reconnecting' || (s === 'connecting' && store.everLive) || (offline && s !== 'closed')) {
      msg = offline
        ? 'You are offline. Reconnecting when the network is back; messages you send will go out then.'
        : 'Reconnecting… Messages you send will go out once the connection is back.';
      kind = 'warn';
    } else if (s === 'connecting' || s === 'idle') msg = 'Connecting…';
    else if (s === 'open' && !store.live) msg = 'Catching up…';
    el.dataset.kind = kind;
    el.dataset.state = s;
    clearTimeout(showTimer);
    if (!msg) {
      el.hidden = true;
      text.textContent = '';
      return;
    }
    text.textContent = msg;
    // A quick first connection or catch-up does not flash the banner; a reconnect shows at once.
    if (kind === 'warn') el.hidden = false;
    else showTimer = setTimeout(() => (el.hidden = false), 700);
  }

  store.on('connection', render);
  window.addEventListener('online', render);
  window.addEventListener('offline', render);
  render();
  return {
    el,
    destroy() {
      clearTimeout(showTimer);
      window.removeEventListener('online', render);
      window.removeEventListener('offline', render);
    },
  };
}
