// The top bar's "Enable notifications" / "Disable notifications" button
// (a PushController underneath). Hidden when this browser or the server
// cannot do Web Push, or when the user blocked notifications for the site.
import { h, icon } from './dom.js';

/** @param {{push: import('../push.js').PushController, notify: (text: string, kind?: string) => void}} ctx */
export function createNotificationsButton({ push, notify }) {
  const label = h('span', { class: 'btn-label' });
  const glyph = h('span', { class: 'btn-glyph', 'aria-hidden': 'true' });
  const button = h('button', { type: 'button', class: 'btn small notify-btn', hidden: true, 'data-testid': 'notifications' }, glyph, label);

  function render(state) {
    button.hidden = ['unknown', 'unsupported', 'unavailable', 'denied'].includes(state) || (state === 'busy' && button.hidden);
    button.disabled = state === 'busy';
    if (state === 'busy') return;
    const on = state === 'on';
    label.textContent = on ? 'Disable notifications' : 'Enable notifications';
    glyph.replaceChildren(icon(on ? 'bell-off' : 'bell'));
    button.title = on ? 'Stop push notifications on this browser' : 'Get a notification on this browser when a message arrives while Parley is closed';
  }

  button.addEventListener('click', async () => {
    const state = push.state === 'on' ? await push.disable() : await push.enable();
    if (push.reason) notify(push.reason, state === 'on' ? 'info' : 'error');
    else notify(state === 'on' ? 'Notifications are on for this browser.' : 'Notifications are off for this browser.');
  });

  const off = push.onChange((state) => render(state));
  render(push.state); // hidden until push.init() says what this browser and server can do
  return { el: button, destroy: off };
}
