import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient, ParleyError } from '../parley-client.mjs';
import { createHub, openAndSync } from './support/fake-websocket.mjs';
import { waitForEvent, withTimeout } from './support/wait.mjs';

function newClient(t, hub, extra = {}) {
  const client = new ParleyClient({ url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket, backoff: { baseMs: 5, maxMs: 20 }, ...extra });
  t.after(() => client.close());
  return client;
}

const ackFor = (f, seq) => ({ type: 'ack', req: f.req, conversation_id: f.conversation_id, client_msg_id: f.client_msg_id, message_id: `m_${seq}`, seq, ts: 1 });

test('send: a frame with req and a random client_msg_id; resolves with the ack', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const p = client.send('c1', 'hi', { kind: 'text', replyTo: 'm_0' });
  const f = await hub.sent(ws, (x) => x.type === 'send');
  assert.equal(f.client_msg_id, p.clientMsgId);
  assert.ok(f.client_msg_id.length >= 16, 'random id');
  assert.equal(typeof f.req, 'string');
  assert.deepEqual({ c: f.conversation_id, content: f.content, kind: f.kind, reply_to: f.reply_to }, { c: 'c1', content: 'hi', kind: 'text', reply_to: 'm_0' });
  assert.equal(client.pending().length, 1);
  assert.equal(client.pending()[0].state, 'sent');
  ws.push(ackFor(f, 1));
  const ack = await p;
  assert.deepEqual(ack, { conversation_id: 'c1', client_msg_id: f.client_msg_id, message_id: 'm_1', seq: 1, ts: 1 });
  assert.equal(client.pending().length, 0);
  const p2 = client.send('c1', 'again');
  assert.notEqual(p2.clientMsgId, p.clientMsgId);
  p2.catch(() => {});
});

test('offline sends are queued (pending) and sent in order after reconnect + sync, with their client_msg_id', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('c1', 4);
  const pendingEvents = [];
  client.on('pending', (list) => pendingEvents.push(list.map((e) => e.state)));
  // Sent before the client ever connected.
  const p1 = client.send('c1', 'one');
  const p2 = client.send('c1', 'two');
  assert.deepEqual(client.pending().map((e) => [e.content, e.state]), [['one', 'queued'], ['two', 'queued']]);
  client.connect();
  const ws = await hub.socket(0);
  ws.accept();
  const sync = await hub.sent(ws, (f) => f.type === 'sync');
  const p3 = client.send('c1', 'three'); // during the sync: still held
  assert.equal(ws.frames('send').length, 0, 'nothing is sent before synced');
  ws.push({ type: 'synced', req: sync.req, conversations: { c1: 4 }, too_far_behind: [], not_member: [] });
  const sends = await hub.sentCount(ws, (f) => f.type === 'send', 3);
  assert.deepEqual(sends.map((f) => f.content), ['one', 'two', 'three']);
  assert.deepEqual(sends.map((f) => f.client_msg_id), [p1.clientMsgId, p2.clientMsgId, p3.clientMsgId]);
  assert.ok(ws.sent.findIndex((f) => f.type === 'sync') < ws.sent.findIndex((f) => f.type === 'send'), 'sync goes first');
  sends.forEach((f, i) => ws.push(ackFor(f, 5 + i)));
  assert.deepEqual((await Promise.all([p1, p2, p3])).map((a) => a.seq), [5, 6, 7]);
  assert.deepEqual(pendingEvents.at(-1), []);
});

test('a message sent but not acked before a disconnect is resent with the same client_msg_id, before newer ones', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { random: () => 0 });
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const pa = client.send('c1', 'a');
  const pb = client.send('c1', 'b');
  const [fa, fb] = await hub.sentCount(ws, (f) => f.type === 'send', 2);
  ws.push(ackFor(fa, 1)); // a is acked, b is not
  await pa;
  ws.serverClose(1006); // connection lost
  assert.deepEqual(client.pending().map((e) => [e.content, e.state]), [['b', 'queued']]);
  const pc = client.send('c1', 'c'); // offline now
  const { ws: ws2 } = await openAndSync(hub, 1);
  const resent = await hub.sentCount(ws2, (f) => f.type === 'send', 2);
  assert.deepEqual(resent.map((f) => f.content), ['b', 'c']);
  assert.equal(resent[0].client_msg_id, fb.client_msg_id, 'same client_msg_id: the server de-duplicates');
  assert.notEqual(resent[0].req, fb.req, 'a new req on the new connection');
  // The server says it already had b (same ack as the first time).
  ws2.push(ackFor(resent[0], 2));
  ws2.push(ackFor(resent[1], 3));
  assert.equal((await pb).seq, 2);
  assert.equal((await pc).seq, 3);
  assert.equal(client.pending().length, 0);
});

test('a send rejected by the server rejects its promise with the code and leaves the outbox', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const p = client.send('c9', 'x');
  const f = await hub.sent(ws, (x) => x.type === 'send');
  ws.push({ type: 'error', req: f.req, code: 'not_member', message: 'not a member of this conversation' });
  await assert.rejects(p, (e) => e instanceof ParleyError && e.code === 'not_member');
  assert.equal(client.pending().length, 0);
});

test('a retryable send error (rate_limited) keeps the message and resends it with the same client_msg_id', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const p = client.send('c1', 'x');
  const f = await hub.sent(ws, (x) => x.type === 'send');
  ws.push({ type: 'error', req: f.req, code: 'rate_limited', message: 'slow down', retry_after_ms: 30 });
  const [, again] = await hub.sentCount(ws, (x) => x.type === 'send', 2, 1000);
  assert.equal(again.client_msg_id, f.client_msg_id);
  ws.push(ackFor(again, 1));
  assert.equal((await p).seq, 1);
});

test('too large content is refused locally, without closing the connection', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  await assert.rejects(client.send('c1', 'x'.repeat(16 * 1024 + 1)), (e) => e.code === 'too_large');
  await assert.rejects(client.send('c1', '\u0001'.repeat(16 * 1024)), (e) => e.code === 'too_large', 'escaped JSON over 64 KiB');
  assert.equal(client.pending().length, 0);
});

test('no ack within requestTimeoutMs: the connection is dropped and the message resent after reconnect', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { requestTimeoutMs: 60, random: () => 0 });
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const p = client.send('c1', 'x');
  const f = await hub.sent(ws, (x) => x.type === 'send');
  const { ws: ws2 } = await openAndSync(hub, 1); // waits for the client to give up on ws and reconnect
  assert.equal(ws.closedBy.code, 4000);
  assert.match(errors[0].message, /no ack within 60 ms/);
  const again = await hub.sent(ws2, (x) => x.type === 'send');
  assert.equal(again.client_msg_id, f.client_msg_id);
  ws2.push(ackFor(again, 1));
  await p;
});

test('storage hooks: the outbox and cursors are persisted and restored', async (t) => {
  const saved = { conversations: { c1: 7 }, outbox: [{ conversation_id: 'c1', client_msg_id: 'persisted-1', content: 'from last time', kind: 'text', reply_to: null }] };
  const writes = { outbox: [], cursors: [] };
  const storage = {
    load: async () => saved,
    saveOutbox: (list) => writes.outbox.push(list.map((e) => e.client_msg_id)),
    saveConversation: (id, seq) => writes.cursors.push([id, seq]),
  };
  const hub = createHub();
  const client = newClient(t, hub, { storage });
  const p = client.send('c1', 'new');
  client.connect();
  const { ws, sync } = await openAndSync(hub, 0);
  assert.deepEqual(sync.conversations, { c1: 7 });
  const sends = await hub.sentCount(ws, (f) => f.type === 'send', 2);
  assert.deepEqual(sends.map((f) => f.client_msg_id), ['persisted-1', p.clientMsgId], 'restored messages go first');
  const acked = waitForEvent(client, 'ack', (a) => a.client_msg_id === 'persisted-1');
  sends.forEach((f, i) => ws.push(ackFor(f, 8 + i)));
  await acked;
  await p;
  ws.push({ type: 'message', conversation_id: 'c1', seq: 8, message_id: 'm8', sender_id: 'alice', client_msg_id: 'persisted-1', content: 'from last time', kind: 'text', reply_to: null, ts: 1 });
  assert.deepEqual(writes.outbox.at(-1), []);
  assert.deepEqual(writes.cursors.at(-1), ['c1', 8]);
});

test('close() ends for good: pending sends reject with closed and no reconnect happens', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const states = [];
  client.on('state', (s) => states.push(s));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const p = client.send('c1', 'x');
  await hub.sent(ws, (f) => f.type === 'send');
  client.close();
  await assert.rejects(p, (e) => e.code === 'closed');
  assert.equal(ws.closedBy.code, 1000);
  assert.deepEqual(states, ['connecting', 'open', 'closed']);
  await assert.rejects(client.send('c1', 'y'), (e) => e.code === 'closed');
  assert.equal(hub.sockets.length, 1);
  await withTimeout(client.connect().catch((e) => e.code), 100, 'connect after close').then((code) => assert.equal(code, 'closed'));
});
