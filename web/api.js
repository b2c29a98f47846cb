// Sign-in and session: the token lives in localStorage (key parley.session).
// Never log a token or message content.

const SESSION_KEY = 'parley.session';
export const USER_ID_RE = /^[A-Za-z0-9_.@:-]{1,128}$/;

/** {token, user_id, mode: 'dev' | 'token'} or null. */
export function loadSession() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    if (s && typeof s.token === 'string' && typeof s.user_id === 'string') return s;
  } catch {
    /* corrupt: treat as signed out */
  }
  return null;
}

export function saveSession(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** The claims of a JWT (not verified: the server does that), or null. */
export function decodeJwt(token) {
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(json, (ch) => ch.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** Milliseconds since the epoch when the token expires, or null if unknown. */
export function tokenExpiresAt(token) {
  const exp = decodeJwt(token)?.exp;
  return Number.isFinite(exp) ? exp * 1000 : null;
}

export class SignInError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Checks a pasted token and turns it into a session. */
export function sessionFromToken(raw) {
  const token = String(raw ?? '').trim().replace(/^Bearer\s+/i, '');
  const claims = decodeJwt(token);
  if (!claims) throw new SignInError('bad_token', 'That does not look like a token (a JWT has three parts separated by dots).');
  if (typeof claims.sub !== 'string' || !USER_ID_RE.test(claims.sub)) {
    throw new SignInError('bad_token', 'The token has no valid user id (sub claim).');
  }
  const exp = tokenExpiresAt(token);
  if (exp !== null && exp <= Date.now()) throw new SignInError('expired', 'This token has expired. Ask for a new one.');
  return { token, user_id: claims.sub, mode: 'token' };
}

/** Dev sign-in (`parley serve --dev`): POST /api/dev/token. */
export async function devToken(userId) {
  let res;
  try {
    res = await fetch('/api/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: userId }),
    });
  } catch {
    throw new SignInError('network', 'Cannot reach the server. Check your connection and try again.');
  }
  const body = await res.json().catch(() => null);
  if (res.status === 404) throw new SignInError('dev_disabled', 'Sign-in by name is not enabled on this server. Paste a token instead.');
  if (!res.ok || typeof body?.token !== 'string') {
    throw new SignInError(body?.error?.code ?? 'http', body?.error?.message ?? `Sign-in failed (HTTP ${res.status}).`);
  }
  return { token: body.token, user_id: body.user_id ?? userId, mode: 'dev' };
}

/**
 * Whether the server offers dev sign-in: the route answers anything but 404
 * to an empty request (it is 404 without `--dev`). null when unreachable.
 */
export async function devSignInAvailable() {
  try {
    const res = await fetch('/api/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    return res.status !== 404;
  } catch {
    return null;
  }
}
