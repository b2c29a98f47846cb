// Times and dates for people (the server sends milliseconds since the epoch).

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dateYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });

const DAY = 86400000;

function startOfDay(ts) {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function clock(ts) {
  return Number.isFinite(ts) ? time.format(ts) : '';
}

export function fullDate(ts) {
  return Number.isFinite(ts) ? full.format(ts) : '';
}

/** For the conversation list: 14:03, Tue, 3 Mar, 3 Mar 2023. */
export function shortWhen(ts, now = Date.now()) {
  if (!Number.isFinite(ts)) return '';
  const today = startOfDay(now);
  if (ts >= today) return time.format(ts);
  if (ts >= today - 6 * DAY) return weekday.format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) return date.format(ts);
  return dateYear.format(ts);
}

/** Day separators in a conversation: Today, Yesterday, Tuesday 3 March. */
export function dayLabel(ts, now = Date.now()) {
  const today = startOfDay(now);
  const day = startOfDay(ts);
  if (day === today) return 'Today';
  if (day === today - DAY) return 'Yesterday';
  return dayLong.format(ts);
}

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "online", "last seen just now", "last seen 5 min ago", "last seen today at 14:03", ... */
export function presenceText(p, now = Date.now()) {
  if (!p || p.status === 'unknown') return '';
  if (p.status === 'online') return 'online';
  const ts = p.last_seen;
  if (!Number.isFinite(ts)) return 'offline';
  const ago = Math.max(0, now - ts);
  if (ago < 60000) return 'last seen just now';
  if (ago < 3600000) return `last seen ${Math.floor(ago / 60000)} min ago`;
  const today = startOfDay(now);
  if (ts >= today) return `last seen today at ${time.format(ts)}`;
  if (ts >= today - DAY) return `last seen yesterday at ${time.format(ts)}`;
  return `last seen ${date.format(ts)}`;
}
