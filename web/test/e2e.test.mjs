// End to end: the real server (`parley serve --dev --web-root web/`) and the
// web client in headless Chromium, two browser contexts as two users.
// Every wait polls a condition with a timeout (no bare sleeps).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
const PHONE = { width: 390, height: 844 };

describe('web client end to end (two users in Chromium)', { skip: reason ?? false, timeout: 120000 }, () => {
  let server;
  let chromium;
  const consoleLog = []; // everything any page printed
  const sent = []; // every message text typed in the tests
  const tokens = new Set();
  let alice; // {context, page}
  let bob; // {context, page, net}

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
    server = await startServer();
    chromium = await launchChromium();
    alice = await newUser('alice');
    bob = await newUser('bob', { cuttable: true });
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
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
