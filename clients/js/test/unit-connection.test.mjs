import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError } from '../parley-client.mjs';
import { createHub, openAndSync, msg } from './support/fake-websocket.mjs';
import { collectEvents, expectNoEvent, waitForEvent } from './support/wait.mjs';

function newClient(t, hub, extra = {}) {
  const client = new ParleyClient({ url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket, backoff: { baseMs: 5, maxMs: 20 }, ...extra });
  t.after(() => client.close());
  return client;
}

async function live(t, extra) {
  const hub = createHub();
  const client = newClient(t, hub, extra);
  client.track('c1', 0);
  client.track('c2', 0);
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  return { hub, client, ws };
}

test('received is coalesced per conversation to the highest contiguous seq, at most every ~100 ms', async (t) => {
  const { hub, client, ws } = await live(t);
  const received = [];
  hub.on('sent', (f) => f.type === 'received' && received.push({ ...f, at: Date.now() }));
  for (let s = 1; s <= 50; s++) ws.push(msg('c1', s)); // a burst
  ws.push(msg('c2', 1));
  ws.push(msg('c2', 3)); // c2 has a gap: only 1 is contiguous
  await hub.sent(ws, (f) => f.type === 'received' && f.conversation_id === 'c1');
  await hub.sent(ws, (f) => f.type === 'received' && f.conversation_id === 'c2');
  assert.deepEqual(received.map((f) => [f.conversation_id, f.seq]).sort(), [['c1', 50], ['c2', 1]]);
  // More messages right after: the next received waits for the interval.
  const t0 = received.find((f) => f.conversation_id === 'c1').at;
  for (let s = 51; s <= 60; s++) ws.push(msg('c1', s));
  const next = await waitForEvent(hub, 'sent', (f) => f.type === 'received' && f.conversation_id === 'c1', 1000);
  assert.equal(next.seq, 60);
  assert.ok(Date.now() - t0 >= 90, `second received after ${Date.now() - t0} ms, expected ~100`);
  assert.equal(received.filter((f) => f.conversation_id === 'c1').length, 2);
  // A duplicate (server retransmit) is acknowledged again.
  ws.push(msg('c1', 60));
  const re = await waitForEvent(hub, 'sent', (f) => f.type === 'received' && f.conversation_id === 'c1', 1000);
  assert.equal(re.seq, 60);
  assert.ok(!('req' in re), 'received has no reply, hence no req');
});

test('markRead / markDelivered send a receipt with req and resolve on ok; errors reject with the code', async (t) => {
  const { hub, client, ws } = await live(t);
  const p = client.markRead('c1', 5);
  const f = await hub.sent(ws, (x) => x.type === 'receipt');
  assert.deepEqual({ c: f.conversation_id, s: f.status, q: f.seq }, { c: 'c1', s: 'read', q: 5 });
  ws.push({ type: 'ok', req: f.req });
  await p;
  const d = client.markDelivered('c1', 99);
  const g = await hub.sent(ws, (x) => x.type === 'receipt' && x.status === 'delivered');
  ws.push({ type: 'error', req: g.req, code: 'bad_request', message: 'seq beyond the last' });
  await assert.rejects(d, (e) => e instanceof ParleyError && e.code === 'bad_request' && e.req === g.req);
});

test('edit and delete resolve on ok and reject on error with the code', async (t) => {
  const { hub, client, ws } = await live(t);
  const e = client.edit('c1', 'm_1', 'fixed');
  const ef = await hub.sent(ws, (x) => x.type === 'edit');
  assert.deepEqual({ m: ef.message_id, c: ef.content }, { m: 'm_1', c: 'fixed' });
  ws.push({ type: 'ok', req: ef.req });
  await e;
  const d = client.delete('c1', 'm_2');
  const df = await hub.sent(ws, (x) => x.type === 'delete');
  ws.push({ type: 'error', req: df.req, code: 'forbidden', message: 'not yours' });
  await assert.rejects(d, (err) => err.code === 'forbidden');
});

test('a request without reply times out with a clear error', async (t) => {
  const { hub, client, ws } = await live(t, { requestTimeoutMs: 50 });
  const p = client.edit('c1', 'm_1', 'x');
  const f = await hub.sent(ws, (x) => x.type === 'edit');
  await assert.rejects(p, (e) => e.code === 'timeout' && e.message.includes(`req ${f.req}`) && /edit timed out: no reply within 50 ms/.test(e.message));
  const ping = client.ping();
  await assert.rejects(ping, (e) => e.code === 'timeout' && /ping/.test(e.message));
});

test('ping resolves on pong with the round trip time', async (t) => {
  const { hub, client, ws } = await live(t);
  const p = client.ping();
  const f = await hub.sent(ws, (x) => x.type === 'ping');
  ws.push({ type: 'pong', req: f.req });
  const { rtt } = await p;
  assert.ok(rtt >= 0);
});

test('typing is throttled client-side to once per 3 s per conversation', async (t) => {
  const { hub, client, ws } = await live(t);
  assert.equal(client.typing('c1'), true);
  assert.equal(client.typing('c1'), false);
  assert.equal(client.typing('c2'), true);
  assert.equal(client.typing('c1'), false);
  assert.deepEqual(ws.frames('typing').map((f) => f.conversation_id), ['c1', 'c2']);
  const fast = newClient(t, hub, { typingIntervalMs: 20 });
  assert.equal(fast.typing('c1'), false, 'not live: dropped');
});

test('incoming typing, receipt and presence frames are emitted', async (t) => {
  const { client, ws } = await live(t);
  const got = {};
  for (const type of ['typing', 'receipt', 'presence']) client.on(type, (f) => (got[type] = f));
  ws.push({ type: 'typing', conversation_id: 'c1', user_id: 'bob' });
  ws.push({ type: 'receipt', conversation_id: 'c1', user_id: 'bob', status: 'read', seq: 3 });
  ws.push({ type: 'presence', user_id: 'bob', status: 'offline', last_seen: 5 });
  assert.equal(got.typing.user_id, 'bob');
  assert.equal(got.receipt.seq, 3);
  assert.equal(got.presence.status, 'offline');
});

test("the server's reconnect frame is honoured: no new connection before after_ms, then resume with sync", async (t) => {
  const { hub, client, ws } = await live(t, { random: () => 0 }); // own backoff would reconnect at once
  ws.push(msg('c1', 1));
  ws.push(msg('c1', 2));
  const states = [];
  client.on('state', (s) => states.push(s));
  const at = Date.now();
  ws.push({ type: 'reconnect', after_ms: 250 });
  assert.equal(client.live, false, 'draining: new frames are held back');
  const p = client.send('c1', 'during drain');
  assert.equal(ws.frames('send').length, 0);
  ws.serverClose(1001, 'server shutting down');
  const ws2 = await hub.socket(1, 2000);
  const waited = ws2.createdAt - at;
  assert.ok(waited >= 240, `reconnected after ${waited} ms, expected >= 250`);
  assert.ok(waited < 1000, `reconnected after ${waited} ms`);
  const { sync } = await openAndSync(hub, 1);
  assert.deepEqual(sync.conversations, { c1: 2, c2: 0 });
  const f = await hub.sent(ws2, (x) => x.type === 'send');
  ws2.push({ type: 'ack', req: f.req, conversation_id: 'c1', client_msg_id: f.client_msg_id, message_id: 'm', seq: 3, ts: 1 });
  await p;
  assert.deepEqual(states, ['reconnecting', 'open']);
});

test('reconnect frame without a close from the server: the client leaves by itself after after_ms', async (t) => {
  const { hub, ws } = await live(t, { random: () => 0 });
  ws.push({ type: 'reconnect', after_ms: 30 });
  const ws2 = await hub.socket(1, 1000);
  assert.equal(ws.closedBy.code, 1000);
  assert.ok(ws2);
});

test('close 4008 (too slow): reconnect and resume with sync from the last contiguous seq, resend unacked', async (t) => {
  const { hub, client, ws } = await live(t);
  ws.push(msg('c1', 1));
  ws.push(msg('c1', 2));
  ws.push(msg('c1', 4)); // held back behind a gap
  const p = client.send('c1', 'unacked');
  const f = await hub.sent(ws, (x) => x.type === 'send');
  const disconnect = waitForEvent(client, 'disconnect');
  ws.serverClose(4008, 'too slow; reconnect and resume');
  const d = await disconnect;
  assert.equal(d.code, 4008);
  assert.equal(client.state, 'reconnecting');
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));
  const { ws: ws2, sync } = await openAndSync(hub, 1, {
    beforeSynced: (s) => {
      for (const seq of [3, 4, 5]) s.push(msg('c1', seq));
    },
  });
  assert.deepEqual(sync.conversations, { c1: 2, c2: 0 });
  assert.deepEqual(seen, [3, 4, 5], 'each once, in order');
  const again = await hub.sent(ws2, (x) => x.type === 'send');
  assert.equal(again.client_msg_id, f.client_msg_id);
  ws2.push({ type: 'ack', req: again.req, conversation_id: 'c1', client_msg_id: f.client_msg_id, message_id: 'm6', seq: 6, ts: 1 });
  assert.equal((await p).seq, 6);
});

test('every close except close() reconnects: 1000, 1001, 1006, 1011', async (t) => {
  const { hub, client, ws } = await live(t);
  let current = ws;
  for (const [i, code] of [1000, 1001, 1006, 1011].entries()) {
    current.serverClose(code);
    ({ ws: current } = await openAndSync(hub, i + 1));
    assert.equal(client.live, true);
  }
});

test('an error event without a close event (Node 20 undici, refused connection) still leads to a reconnect', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { random: () => 0 });
  client.connect();
  const ws0 = await hub.socket(0);
  ws0.errorOnly();
  await openAndSync(hub, 1);
  assert.equal(client.live, true);
  assert.equal(ws0.closedBy.code, 1000, 'the errored socket is closed with a code close() accepts');
});

test('state events: connecting, open, reconnecting, open, closed', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { random: () => 0 });
  const states = [];
  client.on('state', (s) => states.push(s));
  client.connect();
  (await hub.socket(0)).fail();
  const { ws } = await openAndSync(hub, 1);
  ws.serverClose(1006);
  await openAndSync(hub, 2);
  client.close();
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'closed']);
});

test('a sync that gets no synced in time drops the connection and tries again', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { requestTimeoutMs: 40, random: () => 0 });
  client.connect();
  const ws = await hub.socket(0);
  ws.accept();
  await hub.sent(ws, (f) => f.type === 'sync');
  const err = await waitForEvent(client, 'error', (e) => e.code === 'timeout', 1000);
  assert.match(err.message, /no synced within 40 ms/);
  await openAndSync(hub, 1);
  assert.equal(client.live, true);
});

test('a server that refuses sync (error bad_request) still gets the client live, catching up through REST', async (t) => {
  const hub = createHub();
  const fetch = async () => new Response(JSON.stringify({ messages: [{ conversation_id: 'c1', seq: 1, message_id: 'm1', content: 'x' }], has_more: false }));
  const client = newClient(t, hub, { fetch });
  client.track('c1', 0);
  const got = waitForEvent(client, 'message');
  const connected = client.connect();
  const ws = await hub.socket(0);
  ws.accept();
  const sync = await hub.sent(ws, (f) => f.type === 'sync');
  ws.push({ type: 'error', req: sync.req, code: 'bad_request', message: 'unknown type' });
  await connected;
  assert.equal((await got).seq, 1);
});

test('tracking a conversation while live asks for its messages at once', async (t) => {
  const { hub, client, ws } = await live(t);
  client.track('c3', 10);
  const f = await hub.sent(ws, (x) => x.type === 'sync' && 'c3' in x.conversations);
  assert.deepEqual(f.conversations, { c3: 10 });
  await expectNoEvent(client, 'error', () => true, 20);
});
