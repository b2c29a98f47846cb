// Page helpers for the end-to-end tests.
import { until } from './harness.mjs';

/** Signs in by name on the dev sign-in form and waits for the chat list. */
export async function signIn(page, baseUrl, name) {
  await page.goto(`${baseUrl}/`);
  const field = page.getByLabel('Your name');
  await field.waitFor({ state: 'visible', timeout: 10000 });
  await field.fill(name);
  await field.press('Enter');
  await page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: 10000 });
}

/** The messages on screen: [{seq, status, text, deleted, pending, mine}] in display order. */
export function shownMessages(page) {
  return page.$$eval('[data-testid=message]', (els) =>
    els.map((el) => ({
      seq: el.dataset.seq ? Number(el.dataset.seq) : null,
      status: el.dataset.status || null,
      text: el.querySelector('.text.deleted') ? null : el.querySelector('.text')?.textContent ?? null,
      deleted: Boolean(el.querySelector('.text.deleted')),
      edited: Boolean(el.querySelector('.edited')),
      pending: el.classList.contains('pending'),
      mine: el.classList.contains('mine'),
    })),
  );
}

export async function texts(page) {
  return (await shownMessages(page)).map((m) => m.text);
}

/** Waits until the texts on screen are exactly `expected` (in order). */
export async function waitForTexts(page, expected, { timeout = 10000, message } = {}) {
  let last;
  try {
    await until(
      async () => {
        last = await texts(page);
        return JSON.stringify(last) === JSON.stringify(expected);
      },
      { timeout, message: message ?? `messages ${JSON.stringify(expected)}` },
    );
  } catch (err) {
    err.message += `\n  on screen: ${JSON.stringify(last)}`;
    throw err;
  }
}

export async function send(page, text) {
  const input = page.locator('#composer-input');
  await input.fill(text);
  await input.press('Enter');
  // The composer empties at once (the message is queued, shown pending, then acked).
  await until(async () => (await input.inputValue()) === '', { timeout: 5000, message: 'the composer to empty' });
}

export async function openConversation(page, title) {
  await page.locator('a.conv-item', { has: page.locator('.conv-name', { hasText: title }) }).first().click();
  await page.locator('#conv-title', { hasText: title }).waitFor({ timeout: 10000 });
}

export function listItem(page, title) {
  return page.locator('a.conv-item', { has: page.locator('.conv-name', { hasText: title }) }).first();
}

/**
 * A network cut for one browser context: the page's WebSocket is routed
 * through Playwright so that the test can drop it (Chromium's offline
 * emulation does not close WebSockets that are already open) and refuse new
 * ones, while context.setOffline makes REST calls fail.
 */
export async function cuttableNetwork(context) {
  const state = { cut: false, open: new Set() };
  await context.routeWebSocket(/\/ws(\?.*)?$/, (ws) => {
    if (state.cut) {
      ws.close({ code: 1001, reason: 'network down (test)' });
      return;
    }
    const server = ws.connectToServer();
    state.open.add({ ws, server });
  });
  return {
    async down() {
      state.cut = true;
      await context.setOffline(true);
      for (const { ws, server } of state.open) {
        await ws.close({ code: 1001, reason: 'network down (test)' }).catch(() => {});
        await server.close().catch(() => {});
      }
      state.open.clear();
    },
    async up() {
      state.cut = false;
      await context.setOffline(false);
    },
  };
}

/** Text/background contrast problems among visible text (WCAG AA: 4.5, or 3 for large text). */
export function contrastProblems(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || seen.has(el)) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || el.closest('.visually-hidden,[hidden]')) continue;
      if (Number(cs.opacity) === 0) continue;
      const fg = parse(cs.color);
      const bg = bgOf(el);
      const l1 = lum(fg);
      const l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) out.push(`${el.tagName.toLowerCase()}.${el.className} "${n.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)} < ${need}`);
    }
    return out;
  });
}

/** Buttons, links and fields without an accessible name. */
export function unnamedControls(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, a[href], input, textarea, select')) {
      if (el.closest('[hidden]') || el.type === 'hidden') continue;
      const labelled =
        el.getAttribute('aria-label') ||
        el.getAttribute('aria-labelledby') ||
        (el.labels && el.labels.length > 0) ||
        (['BUTTON', 'A'].includes(el.tagName) && el.textContent.trim());
      if (!labelled) out.push(el.outerHTML.slice(0, 80));
    }
    return out;
  });
}
