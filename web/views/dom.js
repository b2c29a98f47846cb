// DOM helpers. User content only ever goes through textContent (never innerHTML).

/** h('button', {class: 'x', onclick: fn, 'aria-label': 'Close'}, 'text', childNode) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    // Through the CSSOM: the server's Content-Security-Policy blocks style attributes.
    else if (k === 'style') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A small decorative SVG icon from fixed path data (never user input). */
export function icon(name, cls = 'icon') {
  const paths = ICONS[name] ?? [];
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of paths) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

const ICONS = {
  check: ['M4 12.5l4.5 4.5L20 5.5'],
  checks: ['M1.5 12.5L6 17 17 6', 'M9 15.5l1.5 1.5L22 6'],
  clock: ['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z', 'M12 7v5.5l3.5 2'],
  back: ['M15 5l-7 7 7 7'],
  send: ['M3 20l18-8L3 4v6.5l12 1.5-12 1.5z'],
  plus: ['M12 5v14', 'M5 12h14'],
  more: ['M6 12h.01', 'M12 12h.01', 'M18 12h.01'],
  edit: ['M4 20h4L19 9l-4-4L4 16z', 'M13.5 6.5l4 4'],
  alert: ['M12 3l10 18H2z', 'M12 10v5', 'M12 18h.01'],
  attach: ['M20.5 11.5l-8.2 8.2a5 5 0 0 1-7-7l8.6-8.6a3.4 3.4 0 0 1 4.8 4.8l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9'],
  file: ['M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8z', 'M14 3v5h5'],
  bell: ['M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 1.5h-15z', 'M10 20.5a2 2 0 0 0 4 0'],
  'bell-off': ['M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 1.5h-15z', 'M10 20.5a2 2 0 0 0 4 0', 'M3 3l18 18'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
};

/**
 * Keyed list rendering: keeps one element per key, creates the missing ones,
 * updates all (update may skip when nothing changed), fixes the order and
 * removes the rest. Elements that stay in place keep focus.
 */
export function reconcile(container, items, { key, create, update }) {
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  const existing = new Map();
  for (const el of container.children) if (el.dataset.key) existing.set(el.dataset.key, el);
  const keep = new Set();
  let prev = null;
  for (const item of items) {
    const k = key(item);
    keep.add(k);
    let el = existing.get(k);
    if (!el) {
      el = create(item);
      el.dataset.key = k;
    }
    update(el, item);
    const want = prev ? prev.nextElementSibling : container.firstElementChild;
    if (want !== el) container.insertBefore(el, want);
    prev = el;
  }
  for (const [k, el] of existing) if (!keep.has(k)) el.remove();
  // Moving an element blurs it: give the focus back.
  if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

/** Initials for an avatar. */
export function initials(name) {
  const parts = String(name ?? '?').split(/[\s._@:-]+/).filter(Boolean);
  const s = parts.length > 1 ? [...parts[0]][0] + [...parts[1]][0] : [...String(name || '?')][0];
  return s.toUpperCase();
}

/** A stable hue per user id, for avatars (colors chosen for white text contrast). */
export function avatarColor(id) {
  const palette = ['#1d5fa8', '#8a3b96', '#9b4400', '#2e6b2e', '#a3223f', '#006c75', '#5b4db5', '#7a5a00'];
  let hash = 0;
  for (const ch of String(id ?? '')) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return palette[hash % palette.length];
}
