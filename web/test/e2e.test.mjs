// End to end: the real server (`parley serve --dev --web-root web/`) and the
// web client in headless Chromium, two browser contexts as two users.
// Every wait polls a condition with a timeout (no bare sleeps).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePng } from './support/png.mjs';
import { startFakePushService } from './support/fake_push.mjs';
import { launchChromium, screenshotPath, skipReason, startServer, until, watchConsole } from './support/harness.mjs';
import {
  contrastProblems,
  cuttableNetwork,
  listItem,
  openConversation,
  send,
  shownMessages,
  signIn,
  texts,
  unnamedControls,
  waitForTexts,
} from './support/ui.mjs';

const reason = skipReason();
if (reason) console.log(`skipping the web client end-to-end tests: ${reason}`);

const DESKTOP = { width: 1000, height: 640 };
const MAX_MEDIA_BYTES = 200000; // small, so that the 413 path is cheap to reach
const PHONE = { width: 390, height: 844 };

describe('web client end to end (two users in Chromium)', { skip: reason ?? false, timeout: 120000 }, () => {
  let server;
  let chromium;
  const consoleLog = []; // everything any page printed
  const sent = []; // every message text typed in the tests
  const tokens = new Set();
  let alice; // {context, page}
  let bob; // {context, page, net}
  let configDir = null;

  async function newUser(name, { viewport = DESKTOP, cuttable = false } = {}) {
    const context = await chromium.browser.newContext({ viewport, deviceScaleFactor: 1 });
    context.setDefaultTimeout(10000);
    const net = cuttable ? await cuttableNetwork(context) : null;
    const page = await context.newPage();
    watchConsole(page, consoleLog);
    return { name, context, page, net };
  }

  async function rememberToken(page) {
    const s = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.session') ?? 'null'));
    if (s?.token) tokens.add(s.token);
    return s;
  }

  const say = async (user, text) => {
    sent.push(text);
    await send(user.page, text);
  };

  before(async () => {
    // Uploads up to MAX_MEDIA_BYTES; push devices may be a fake push service on loopback.
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-cfg-'));
    const config = path.join(configDir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ max_media_bytes: MAX_MEDIA_BYTES, push: { allow_loopback_http: true, collapse_ms: 1000 } }));
    server = await startServer({ extraArgs: ['--config', config] });
    chromium = await launchChromium();
    alice = await newUser('alice');
    bob = await newUser('bob', { cuttable: true });
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  });

  it('signs in by name (dev) and remembers the session', async () => {
    const { page } = alice;
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel('Your name').waitFor({ state: 'visible', timeout: 10000 });
    assert.deepEqual(await unnamedControls(page), []);
    await page.screenshot({ path: screenshotPath('sign-in') });

    // An invalid name is refused with a visible message.
    await page.getByLabel('Your name').fill('not ok!');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'letters, digits' }).waitFor({ timeout: 5000 });

    await signIn(page, server.baseUrl, 'alice');
    assert.equal(await page.getByTestId('me').innerText(), 'alice');
    await rememberToken(page);
    // A reload keeps the session (localStorage).
    await page.reload();
    await page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: 10000 });
    assert.equal(await page.getByTestId('me').innerText(), 'alice');
    await page.getByText('No chats yet').waitFor({ timeout: 10000 });

    await signIn(bob.page, server.baseUrl, 'bob');
    await rememberToken(bob.page);
  });

  it('signs in with a pasted token, refuses a bad one, and signs out', async () => {
    const carol = await newUser('carol');
    const { page } = carol;
    const res = await fetch(`${server.baseUrl}/api/dev/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: 'carol' }) });
    const { token } = await res.json();
    tokens.add(token);
    await page.goto(`${server.baseUrl}/`);
    await page.getByLabel('Your name').waitFor({ state: 'visible' });
    await page.getByText('Sign in with a token').click();
    // Not a JWT: refused on the page.
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not look like a token' }).waitFor();
    // Well formed but wrongly signed: the server refuses it (401) and the page says so.
    const [h, p] = token.split('.');
    await page.getByLabel('Access token').fill(`${h}.${p}.${'A'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('alert').filter({ hasText: 'did not accept your token' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('parley.session')), null);
    // The real one works (the token form is open again).
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('heading', { name: 'Chats' }).waitFor();
    assert.equal(await page.getByTestId('me').innerText(), 'carol');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('parley.session')), null);
    await carol.context.close();
  });

  it('creates a direct chat that the other side sees live, with an unread badge', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.waitFor({ timeout: 5000 });
    // Escape closes the dialog; it comes back with the button.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5000 });
    await page.getByRole('button', { name: 'New chat' }).click();
    await dialog.getByLabel('Their user id').fill('bob');
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    await page.locator('#conv-title', { hasText: 'bob' }).waitFor({ timeout: 10000 });
    assert.match(page.url(), /#\/c\//);
    // The composer has focus: type and press Enter.
    await until(() => page.evaluate(() => document.activeElement?.id === 'composer-input'), { message: 'composer focus' });
    await say(alice, 'Hi Bob, ça va? <b>not bold</b>');
    await waitForTexts(page, ['Hi Bob, ça va? <b>not bold</b>']);
    await until(async () => (await shownMessages(page))[0]?.status === 'sent' || (await shownMessages(page))[0]?.status === 'delivered', {
      message: "alice's message acked (one tick)",
    });

    // Bob's list gets the chat live, with one unread message and its preview.
    const item = listItem(bob.page, 'alice');
    await item.waitFor({ timeout: 10000 });
    await until(async () => (await item.getByTestId('unread').innerText()) === '1', { message: 'unread badge 1' });
    assert.match(await item.locator('.conv-preview').innerText(), /Hi Bob/);
    // Delivered: bob's device got it (a receipt `delivered`), alice sees two grey ticks.
    await until(async () => (await shownMessages(page))[0]?.status === 'delivered', { message: 'delivered ticks' });
    await bob.page.screenshot({ path: screenshotPath('conversation-list') });
  });

  it('chats both ways with typing, read ticks and presence', async () => {
    await openConversation(bob.page, 'alice');
    await waitForTexts(bob.page, ['Hi Bob, ça va? <b>not bold</b>']);
    // HTML in a message is text, not markup.
    assert.equal(await bob.page.locator('.msg .text b').count(), 0);
    // The chat is on bob's screen: read; the badge goes and alice sees blue ticks.
    await until(async () => !(await listItem(bob.page, 'alice').getByTestId('unread').isVisible()), { message: 'badge cleared' });
    await until(async () => (await shownMessages(alice.page))[0]?.status === 'read', { message: 'read ticks at alice' });

    // Presence: each sees the other online (dot in the list, subtitle in the header).
    await until(async () => (await alice.page.getByTestId('conv-subtitle').innerText()) === 'online', { message: 'bob online at alice' });
    await until(async () => (await bob.page.getByTestId('conv-subtitle').innerText()) === 'online', { message: 'alice online at bob' });
    assert.equal(await listItem(alice.page, 'bob').locator('.presence-dot').getAttribute('data-status'), 'online');

    // Typing: bob types, alice sees it; it goes away when his message lands.
    await bob.page.locator('#composer-input').pressSequentially('Hello Al', { delay: 20 });
    await until(async () => (await alice.page.getByTestId('typing').innerText()) === 'bob is typing…', { message: 'typing indicator' });
    await bob.page.locator('#composer-input').pressSequentially('ice!', { delay: 10 });
    sent.push('Hello Alice!');
    await bob.page.locator('#composer-input').press('Enter');
    await waitForTexts(alice.page, ['Hi Bob, ça va? <b>not bold</b>', 'Hello Alice!']);
    await until(async () => (await alice.page.getByTestId('typing').innerText()) === '', { message: 'typing cleared' });

    // A few more, in order on both sides, then all read.
    for (const t of ['one', 'two', 'three']) await say(alice, t);
    const expected = ['Hi Bob, ça va? <b>not bold</b>', 'Hello Alice!', 'one', 'two', 'three'];
    await waitForTexts(bob.page, expected);
    await waitForTexts(alice.page, expected);
    await until(async () => (await shownMessages(alice.page)).filter((m) => m.mine).every((m) => m.status === 'read'), { message: 'all read' });
    try {
      await until(async () => (await shownMessages(bob.page)).filter((m) => m.mine).every((m) => m.status === 'read'), { message: "bob's read" });
    } catch (e) {
      const tok = (await rememberToken(alice.page)).token;
      const id = decodeURIComponent(alice.page.url().split('#/c/')[1]);
      const r = await fetch(`${server.baseUrl}/api/conversations/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${tok}` } });
      console.log(await r.text());
      console.log(await alice.page.evaluate(() => document.visibilityState));
      throw e;
    }
    const seqs = (await shownMessages(bob.page)).map((m) => m.seq);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
    await alice.page.screenshot({ path: screenshotPath('conversation') });
  });

  it('edits and deletes one\'s own messages, keyboard only', async () => {
    const { page } = alice;
    // Up arrow in the empty composer edits the last own message; Enter saves.
    await page.locator('#composer-input').focus();
    await page.keyboard.press('ArrowUp');
    await until(async () => (await page.locator('#composer-input').inputValue()) === 'three', { message: 'edit mode' });
    await page.getByText('Editing message').waitFor({ timeout: 5000 });
    await page.locator('#composer-input').fill('three (fixed)');
    sent.push('three (fixed)');
    await page.keyboard.press('Enter');
    await until(async () => (await shownMessages(bob.page))[4]?.text === 'three (fixed)' && (await shownMessages(bob.page))[4]?.edited, {
      message: 'edit seen by bob',
    });
    // Escape leaves edit mode without saving.
    await page.keyboard.press('ArrowUp');
    await page.getByText('Editing message').waitFor({ timeout: 5000 });
    await page.keyboard.press('Escape');
    await page.getByText('Editing message').waitFor({ state: 'hidden', timeout: 5000 });
    assert.equal(await page.locator('#composer-input').inputValue(), '');

    // Delete "two" through its actions button and the confirmation.
    const two = page.locator('[data-testid=message]', { hasText: 'two' });
    await two.hover();
    await two.getByRole('button', { name: /Edit or delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Your message' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 5000 });
    await until(async () => (await shownMessages(bob.page))[3]?.deleted, { message: 'delete seen by bob' });
    assert.equal(await bob.page.locator('.msg .text.deleted').innerText(), 'This message was deleted');
    // Bob cannot edit or delete alice's messages: no actions on them.
    assert.equal(await bob.page.locator('.msg.theirs .msg-more').count(), 0);
  });

  it('offline: the returning side gets what it missed, in order, once; its own sends wait and go out once', async () => {
    const before = await texts(bob.page);
    await bob.net.down();
    const banner = bob.page.getByTestId('connection-banner');
    await banner.waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await banner.innerText(), /offline|Reconnecting/);
    // Alice sees bob go (presence debounce is 1 s in the tests) with a last-seen time.
    await until(async () => /^last seen/.test(await alice.page.getByTestId('conv-subtitle').innerText()), { timeout: 15000, message: 'bob offline at alice' });

    const missed = Array.from({ length: 6 }, (_, i) => `missed ${i + 1}`);
    for (const t of missed) await say(alice, t);
    // Bob writes while offline: shown at once, waiting for the connection.
    await say(bob, 'written offline');
    await until(async () => (await shownMessages(bob.page)).at(-1)?.status === 'queued', { message: 'queued tick' });
    await bob.page.screenshot({ path: screenshotPath('offline') });

    await bob.net.up();
    await banner.waitFor({ state: 'hidden', timeout: 20000 });
    const expected = [...before, ...missed, 'written offline'];
    await waitForTexts(bob.page, expected, { timeout: 15000 });
    await waitForTexts(alice.page, expected, { timeout: 15000 });
    // Once, in seq order, without gaps.
    const seqs = (await shownMessages(bob.page)).map((m) => m.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    assert.deepEqual((await shownMessages(alice.page)).map((m) => m.seq), seqs);
    await until(async () => (await alice.page.getByTestId('conv-subtitle').innerText()) === 'online', { timeout: 10000, message: 'bob back online' });
    await until(async () => (await shownMessages(alice.page)).filter((m) => m.mine).every((m) => m.status === 'read'), { message: 'missed messages read' });
  });

  it('a tab opened again gets the messages sent while it was closed', async () => {
    await bob.page.close();
    const missed = ['while closed 1', 'while closed 2'];
    for (const t of missed) await say(alice, t);
    bob.page = await bob.context.newPage();
    watchConsole(bob.page, consoleLog);
    await bob.page.goto(`${server.baseUrl}/`);
    const item = listItem(bob.page, 'alice');
    await item.waitFor({ timeout: 10000 });
    await until(async () => (await item.getByTestId('unread').innerText()) === '2', { message: 'unread 2 after reopening' });
    await item.click();
    await until(async () => (await texts(bob.page)).slice(-2).join('|') === missed.join('|'), { message: 'missed messages shown' });
    const seqs = (await shownMessages(bob.page)).map((m) => m.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'no gap, no duplicate');
  });

  it('scrolls back through a long history page by page', async () => {
    const s = await rememberToken(alice.page);
    const api = async (method, p, body) => {
      const res = await fetch(server.baseUrl + p, {
        method,
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      assert.ok(res.ok, `${method} ${p}: HTTP ${res.status}`);
      return res.json();
    };
    // Seeded while bob's tab is closed, so that his client learns the history
    // from the REST pages rather than live.
    await bob.page.close();
    const conv = await api('POST', '/api/conversations', { type: 'group', name: 'History', members: ['bob'] });
    const N = 130;
    for (let i = 1; i <= N; i++) {
      await api('POST', `/api/conversations/${encodeURIComponent(conv.id)}/messages`, { client_msg_id: `hist-${i}`, content: `history ${i}` });
    }
    bob.page = await bob.context.newPage();
    watchConsole(bob.page, consoleLog);
    await bob.page.goto(`${server.baseUrl}/`);
    const item = listItem(bob.page, 'History');
    await item.waitFor({ timeout: 10000 });
    await until(async () => (await item.getByTestId('unread').innerText()) === '99+', { message: 'unread 99+' });
    await item.click();
    await until(async () => (await texts(bob.page)).at(-1) === `history ${N}`, { message: 'latest page' });
    assert.ok((await shownMessages(bob.page)).length < N, 'only the latest page at first');
    // Scroll to the top until the start of the conversation shows.
    const scroller = bob.page.locator('.messages');
    await until(
      async () => {
        await scroller.evaluate((el) => {
          el.scrollTop = 0;
          el.dispatchEvent(new Event('scroll'));
        });
        return bob.page.getByText('This is the start of the conversation.').isVisible();
      },
      { timeout: 15000, interval: 200, message: 'the start of the history' },
    );
    await waitForTexts(bob.page, Array.from({ length: N }, (_, i) => `history ${i + 1}`));
    // Group messages name their sender.
    assert.equal(await bob.page.locator('.msg.theirs .sender').first().innerText(), 'alice');
  });

  it('phone layout (390x844): list and conversation are two screens', async () => {
    const phone = await newUser('bob-phone', { viewport: PHONE });
    const { page } = phone;
    await signIn(page, server.baseUrl, 'bob');
    await rememberToken(page);
    await listItem(page, 'alice').waitFor({ timeout: 10000 });
    assert.equal(await page.locator('.conv-pane').isVisible(), false, 'conversation hidden on the list screen');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll');
    await page.screenshot({ path: screenshotPath('phone-list') });

    await openConversation(page, 'alice');
    assert.equal(await page.locator('.list-pane').isVisible(), false, 'list hidden on the conversation screen');
    const back = page.getByRole('button', { name: 'Back to chats' });
    assert.ok(await back.isVisible());
    await until(async () => (await texts(page)).includes('while closed 2'), { message: 'history on the phone' });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll');
    const box = await page.locator('.composer').boundingBox();
    assert.ok(box && box.y + box.height <= PHONE.height + 1 && box.y > PHONE.height / 2, 'composer at the bottom of the screen');
    await page.screenshot({ path: screenshotPath('phone-conversation') });

    // Escape (or the back button) returns to the list.
    await page.keyboard.press('Escape');
    await page.locator('.list-pane').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.locator('.conv-pane').isVisible(), false);
    await phone.context.close();
  });

  it('keyboard: tab order reaches every control, Enter opens a chat, Escape goes back', async () => {
    const { page } = alice;
    await page.goto(`${server.baseUrl}/#/`);
    await page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: 10000 });
    await listItem(page, 'bob').waitFor({ timeout: 10000 });
    const order = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => {
        const el = document.activeElement;
        return `${el.tagName.toLowerCase()}:${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 20)}`;
      }));
    }
    const idx = (re) => order.findIndex((x) => re.test(x));
    assert.ok(idx(/^a:Skip to content/) >= 0 && idx(/^a:Skip to content/) < idx(/^button:Sign out/), order.join(' | '));
    assert.ok(idx(/^button:Sign out/) > 0 && idx(/^button:New chat/) > idx(/^button:Sign out/), order.join(' | '));
    assert.ok(idx(/^a:.*bob/) > idx(/^button:New chat/), order.join(' | '));
    // Focus is visible (an outline) on the focused link.
    await listItem(page, 'bob').focus();
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await page.keyboard.press('Enter');
    await page.locator('#conv-title', { hasText: 'bob' }).waitFor({ timeout: 5000 });
    await until(() => page.evaluate(() => document.activeElement?.id === 'composer-input'), { message: 'composer focused after opening' });
    await page.keyboard.type('sent with the keyboard');
    sent.push('sent with the keyboard');
    await page.keyboard.press('Enter');
    await until(async () => (await texts(page)).at(-1) === 'sent with the keyboard', { message: 'sent with Enter' });
    await page.keyboard.press('Escape');
    await until(() => page.evaluate(() => location.hash === '#/'), { message: 'back to the list' });
    await until(() => page.evaluate(() => document.activeElement?.classList.contains('conv-item')), { message: 'focus back on the chat in the list' });
  });

  /** REST as a user (the token from the page's session). */
  const restAs = (token) => async (method, p, body) => {
    const res = await fetch(server.baseUrl + p, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${p}: HTTP ${res.status}`);
    return res.status === 204 ? null : res.json();
  };

  it('sends a picture (attach), a file (drop) and a picture (paste); the other member sees them', async () => {
    const a = await rememberToken(alice.page);
    const conv = await restAs(a.token)('POST', '/api/conversations', { type: 'group', name: 'Media', members: ['bob'] });
    await alice.page.goto(`${server.baseUrl}/#/c/${encodeURIComponent(conv.id)}`);
    await alice.page.locator('#conv-title', { hasText: 'Media' }).waitFor();

    // Attach button (its file input): a 24x16 PNG.
    await alice.page.setInputFiles('[data-testid=attach-input]', { name: 'dot.png', mimeType: 'image/png', buffer: makePng(24, 16) });
    const loaded = (img, w, h) => img.evaluate((el, [w2, h2]) => el.complete && el.naturalWidth === w2 && el.naturalHeight === h2, [w, h]).catch(() => false);
    await until(() => loaded(alice.page.locator('.msg.mine [data-testid=message-image]').first(), 24, 16), { message: "alice's picture shown" });

    // Bob: the chat comes with the message, previewed as a photo; the picture loads with his token in the URL.
    const item = listItem(bob.page, 'Media');
    await item.waitFor({ timeout: 10000 });
    await until(async () => /Photo \(dot\.png\)/.test(await item.locator('.conv-preview').innerText()), { message: 'photo preview in the list' });
    await openConversation(bob.page, 'Media');
    const img = bob.page.locator('.msg.theirs [data-testid=message-image]').first();
    await until(() => loaded(img, 24, 16), { message: 'the picture rendered at bob' });
    const attrs = await img.evaluate((el) => ({ src: el.getAttribute('src'), loading: el.loading, width: el.getAttribute('width'), height: el.getAttribute('height'), alt: el.alt }));
    const b = await rememberToken(bob.page);
    assert.match(attrs.src, /^\/api\/media\/md_[^?/]+\?token=/);
    assert.equal(new URLSearchParams(attrs.src.split('?')[1]).get('token'), b.token, "bob's own token");
    assert.deepEqual([attrs.loading, attrs.width, attrs.height, attrs.alt], ['lazy', '24', '16', 'dot.png']);

    // Drag and drop: a text file whose name is markup stays text.
    const evil = '<img src=x onerror=window.__xss=1>.txt';
    await alice.page.evaluate((name) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['hello, file\n'], name, { type: 'text/plain' }));
      const target = document.querySelector('section.conv');
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, evil);
    const file = bob.page.locator('.msg.theirs [data-testid=message-file]');
    await file.waitFor({ timeout: 10000 });
    assert.equal(await file.locator('.media-file-name').innerText(), evil);
    assert.match(await file.locator('.media-file-size').innerText(), /^12 B · Text$/);
    assert.equal(await file.getAttribute('download'), evil);
    const download = await bob.page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, text: await r.text(), disposition: r.headers.get('content-disposition') };
    }, await file.getAttribute('href'));
    assert.deepEqual([download.status, download.text], [200, 'hello, file\n']);
    assert.match(download.disposition, /^attachment/);

    // Paste into the composer: a picture.
    await alice.page.locator('#composer-input').evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, makePng(8, 8, [200, 30, 30]).toString('base64'));
    await until(() => loaded(bob.page.locator('.msg.theirs [data-testid=message-image]').nth(1), 8, 8), { message: 'the pasted picture at bob' });
    assert.equal(await alice.page.locator('#composer-input').inputValue(), '', 'nothing pasted as text');
    assert.equal(await bob.page.evaluate(() => window.__xss), undefined);
    assert.equal(await bob.page.locator('.msg img').count(), 2, 'only the two pictures are images');
    assert.deepEqual((await shownMessages(bob.page)).map((m) => m.seq), [1, 2, 3]);
    await bob.page.screenshot({ path: screenshotPath('media') });

    // Refused uploads say why, and send nothing.
    const errors = alice.page.getByTestId('upload-error');
    await alice.page.setInputFiles('[data-testid=attach-input]', { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<!doctype html><p>hi</p>') });
    await errors.filter({ hasText: '“page.html” cannot be sent: this type of file is not allowed' }).waitFor({ timeout: 10000 });
    await alice.page.setInputFiles('[data-testid=attach-input]', { name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(MAX_MEDIA_BYTES + 1000, 7) });
    await errors.filter({ hasText: '“big.pdf” is too large to send (the limit is 195 KB).' }).waitFor({ timeout: 10000 });
    assert.equal(await alice.page.getByRole('alert').filter({ hasText: 'big.pdf' }).count(), 1, 'announced as an alert');
    await alice.page.screenshot({ path: screenshotPath('upload-errors') });
    for (let i = 0; i < 2; i++) await alice.page.getByTestId('upload-tray').getByRole('button', { name: 'Dismiss' }).first().click();
    await alice.page.getByTestId('upload-tray').waitFor({ state: 'hidden' });
    assert.deepEqual((await shownMessages(alice.page)).map((m) => m.seq), [1, 2, 3]);

    // Mute: the header toggle, as the server records it.
    const mute = alice.page.getByTestId('mute');
    await mute.waitFor({ state: 'visible' });
    assert.equal(await mute.getAttribute('aria-pressed'), 'false');
    const muteUrl = `/api/conversations/${encodeURIComponent(conv.id)}/mute`;
    await mute.click();
    await until(async () => (await mute.getAttribute('aria-pressed')) === 'true', { message: 'muted' });
    assert.equal((await restAs(a.token)('GET', muteUrl)).muted, true);
    await mute.click();
    await until(async () => (await mute.getAttribute('aria-pressed')) === 'false', { message: 'unmuted' });
    assert.equal((await restAs(a.token)('GET', muteUrl)).muted, false);
  });

  it('notifications: enable registers this browser, a message while away is pushed and shown by the service worker, disable removes it', async () => {
    // Headless Chromium has no push service: PushManager.subscribe is replaced by one that returns
    // the endpoint and keys of a fake push service on loopback. Everything else is real: the page's
    // controller, /sw.js, POST and DELETE /api/devices, the server's encrypted push (decrypted by the
    // fake), and the service worker showing it (delivered through the DevTools protocol).
    const fake = await startFakePushService();
    const context = await chromium.browser.newContext({ viewport: DESKTOP });
    try {
      await context.grantPermissions(['notifications'], { origin: server.baseUrl });
      await context.addInitScript(({ endpoint, keys }) => {
        const make = (applicationServerKey) => ({
          endpoint,
          expirationTime: null,
          options: { applicationServerKey, userVisibleOnly: true },
          toJSON: () => ({ endpoint, expirationTime: null, keys }),
          unsubscribe: async () => {
            localStorage.removeItem('test.fake-subscription');
            return true;
          },
        });
        PushManager.prototype.subscribe = async function subscribe(opts) {
          localStorage.setItem('test.fake-subscription', '1');
          return make(opts.applicationServerKey);
        };
        PushManager.prototype.getSubscription = async function getSubscription() {
          return localStorage.getItem('test.fake-subscription') ? make(null) : null;
        };
      }, { endpoint: fake.endpoint, keys: fake.keys });
      let page = await context.newPage();
      watchConsole(page, consoleLog);
      await signIn(page, server.baseUrl, 'erin');
      const e = await rememberToken(page);
      const button = page.getByTestId('notifications');
      await until(async () => (await button.isVisible()) && (await button.innerText()).includes('Enable notifications'), { message: 'the enable button' });
      await button.click();
      await until(async () => (await button.innerText()).includes('Disable notifications'), { message: 'notifications on' });
      const devices = (await restAs(e.token)('GET', '/api/devices')).devices;
      assert.deepEqual(devices.map((d) => [d.platform, d.endpoint]), [['webpush', fake.endpoint]]);
      assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL), `${server.baseUrl}/sw.js`);

      // Erin goes away (no tab open); alice writes to her: the server pushes to the fake service.
      const a = await rememberToken(alice.page);
      const conv = await restAs(a.token)('POST', '/api/conversations', { type: 'direct', members: ['erin'] });
      await page.close();
      await until(async () => (await restAs(a.token)('GET', '/api/presence?user_ids=erin'))?.[0]?.status === 'offline', { timeout: 10000, message: 'erin offline' });
      sent.push('are you there, erin?');
      await restAs(a.token)('POST', `/api/conversations/${encodeURIComponent(conv.id)}/messages`, { client_msg_id: 'push-1', content: 'are you there, erin?' });
      await until(() => fake.received.length > 0, { timeout: 15000, message: 'a push at the fake push service' });
      const push = fake.received[0];
      assert.equal(push.error, null, 'the push decrypts with the subscription keys');
      const payload = JSON.parse(push.plaintext);
      assert.deepEqual([payload.type, payload.conversation_id, payload.sender_id, payload.seq], ['message', conv.id, 'alice', 1]);
      assert.ok(!push.plaintext.includes('are you there'), 'no message text in the push');

      // The service worker shows it (the push delivered to it as the browser's push service would).
      page = await context.newPage();
      watchConsole(page, consoleLog);
      await page.goto(`${server.baseUrl}/`);
      await page.getByRole('heading', { name: 'Chats' }).waitFor();
      const cdp = await context.newCDPSession(page);
      const registrations = [];
      cdp.on('ServiceWorker.workerRegistrationUpdated', (ev) => registrations.push(...ev.registrations));
      await cdp.send('ServiceWorker.enable');
      const reg = await until(() => registrations.find((r) => r.scopeURL === `${server.baseUrl}/` && !r.isDeleted), { message: 'the service worker registration' });
      // deliverPushMessage does not say whether the worker got the push: one delivered while the
      // worker is still starting can be dropped (seen once in CI on a loaded machine). Deliver again
      // every 2 s until it shows; the tag makes a repeat replace the notification, not add one.
      let nextDelivery = 0;
      const shown = await until(
        async () => {
          if (Date.now() >= nextDelivery) {
            nextDelivery = Date.now() + 2000;
            await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.baseUrl, registrationId: reg.registrationId, data: push.plaintext });
          }
          return page.evaluate(async () => {
            const list = await (await navigator.serviceWorker.ready).getNotifications();
            return list.length ? list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })) : null;
          });
        },
        { timeout: 20000, message: 'a notification shown' },
      );
      assert.deepEqual(shown, [{ title: 'New message from alice', body: 'Open Parley to read it.', tag: `parley:${conv.id}`, data: { url: `/#/c/${encodeURIComponent(conv.id)}`, conversation_id: conv.id, message_id: payload.message_id, seq: 1 } }]);
      await cdp.detach();

      // Disable: unsubscribed and removed from the server.
      const again = page.getByTestId('notifications');
      await until(async () => (await again.innerText()).includes('Disable notifications'), { message: 'still on after a reload' });
      await again.click();
      await until(async () => (await again.innerText()).includes('Enable notifications'), { message: 'notifications off' });
      assert.deepEqual((await restAs(e.token)('GET', '/api/devices')).devices, []);

      // Signing out takes this browser's subscription with it (one browser, one user).
      await again.click();
      await until(async () => (await restAs(e.token)('GET', '/api/devices')).devices.length === 1, { message: 'enabled again' });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
      await until(async () => (await restAs(e.token)('GET', '/api/devices')).devices.length === 0, { message: 'device removed on sign-out' });
    } finally {
      await context.close();
      await fake.close();
    }
  });

  it('is accessible: named controls and AA contrast on every screen', async () => {
    for (const page of [alice.page, bob.page]) {
      assert.deepEqual(await unnamedControls(page), []);
      assert.deepEqual(await contrastProblems(page), []);
    }
    await alice.page.goto(`${server.baseUrl}/#/`);
    await listItem(alice.page, 'bob').click();
    await alice.page.locator('#conv-title', { hasText: 'bob' }).waitFor({ timeout: 5000 });
    assert.deepEqual(await contrastProblems(alice.page), []);
  });

  it('never prints a token or a message to the console, and has no page errors', async () => {
    await until(async () => tokens.size >= 2, { message: 'tokens collected' });
    const leaks = consoleLog.filter((e) => [...tokens].some((t) => e.text.includes(t)) || sent.some((t) => e.text.includes(t)));
    assert.deepEqual(leaks, []);
    const errors = consoleLog.filter((e) => e.type === 'pageerror' || (e.type === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|WebSocket/.test(e.text)));
    assert.deepEqual(errors, []);
  });
});
