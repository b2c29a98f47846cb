import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConversationState, ParleyClient } from '../parley-client.mjs';
import { createHub, openAndSync, msg } from './support/fake-websocket.mjs';
import { collectEvents, expectNoEvent, waitForEvent } from './support/wait.mjs';

function newClient(t, hub, extra = {}) {
  const client = new ParleyClient({ url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket, backoff: { baseMs: 5, maxMs: 20 }, ...extra });
  t.after(() => client.close());
  return client;
}

test('ConversationState: in order, duplicates by seq and by message_id, gap buffering', () => {
  const c = new ConversationState('c1', 0);
  const m = (seq, id = `m${seq}`) => ({ conversation_id: 'c1', seq, message_id: id });
  assert.deepEqual(c.accept(m(1)).deliver.map((x) => x.seq), [1]);
  assert.equal(c.accept(m(1)).status, 'duplicate'); // same seq
  assert.equal(c.accept(m(3)).status, 'buffered'); // gap: 2 missing
  assert.equal(c.hasGap, true);
  assert.equal(c.firstBufferedSeq, 3);
  assert.equal(c.accept(m(3)).status, 'duplicate'); // buffered twice
  assert.equal(c.accept(m(4)).status, 'buffered');
  assert.equal(c.accept(m(9, 'm3')).status, 'duplicate'); // same message id, other seq
  const r = c.accept(m(2));
  assert.equal(r.status, 'delivered');
  assert.deepEqual(r.deliver.map((x) => x.seq), [2, 3, 4]); // the gap is filled, the buffer drains in order
  assert.equal(c.lastSeq, 4);
  assert.equal(c.hasGap, false);
  assert.equal(c.accept(m(2)).status, 'duplicate');
  assert.equal(c.accept({ seq: 'x' }).status, 'invalid');
  const started = new ConversationState('c2', 10);
  assert.equal(started.accept({ seq: 10, message_id: 'a' }).status, 'duplicate'); // already held
  assert.equal(started.accept({ seq: 11, message_id: 'b' }).status, 'delivered');
});

test('the client emits each message once, in seq order, and de-duplicates retransmits and replays', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('c1', 0);
  const seen = [];
  client.on('message', (m) => seen.push(`${m.conversation_id}:${m.seq}`));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  ws.push(msg('c1', 1));
  ws.push(msg('c1', 2));
  ws.push(msg('c1', 1)); // retransmit
  ws.push(msg('c1', 2, { message_id: 'm_c1_2' })); // retransmit
  ws.push(msg('c1', 3));
  ws.push(msg('c1', 3));
  assert.deepEqual(seen, ['c1:1', 'c1:2', 'c1:3']);
  const m = await new Promise((resolve) => {
    client.once('message', resolve);
    ws.push(msg('c1', 4));
  });
  assert.equal(m.type, undefined, "the message event carries the message, not the frame's type");
  assert.equal(m.content, 'hello 4');
  assert.equal(m.message_id, 'm_c1_4');
});

test('a gap holds later messages back and asks the server to sync that conversation; the replay fills it', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('c1', 0);
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  ws.push(msg('c1', 1));
  ws.push(msg('c1', 4)); // 2 and 3 missing
  ws.push(msg('c1', 5));
  assert.deepEqual(seen, [1], '4 and 5 are held back');
  const gapSync = await hub.sent(ws, (f) => f.type === 'sync' && f.conversations.c1 === 1);
  assert.deepEqual(gapSync.conversations, { c1: 1 }, 'sync asks only for the conversation with the gap, from its last contiguous seq');
  ws.push(msg('c1', 5)); // a retransmit while waiting
  // The server replays everything after 1: 2, 3, then 4 and 5 again.
  for (const s of [2, 3, 4, 5]) ws.push(msg('c1', s));
  ws.push({ type: 'synced', req: gapSync.req, conversations: { c1: 5 }, too_far_behind: [], not_member: [] });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  ws.push(msg('c1', 6));
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.equal(client.lastSeq('c1'), 6);
});

test('order is kept per conversation, independently across conversations', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('a', 0);
  client.track('b', 0);
  const seen = [];
  client.on('message', (m) => seen.push(`${m.conversation_id}${m.seq}`));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  ws.push(msg('a', 1));
  ws.push(msg('b', 2)); // gap in b only
  ws.push(msg('a', 2));
  ws.push(msg('b', 1));
  ws.push(msg('a', 3));
  assert.deepEqual(seen, ['a1', 'a2', 'b1', 'b2', 'a3']);
});

test('initial sync carries every tracked conversation with its last contiguous seq; replay before synced is delivered', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('c1', 17);
  client.track('c2', 0);
  const seen = [];
  client.on('message', (m) => seen.push(`${m.conversation_id}:${m.seq}`));
  const synced = waitForEvent(client, 'synced');
  client.connect();
  const { sync } = await openAndSync(hub, 0, {
    beforeSynced: (ws) => {
      ws.push(msg('c1', 18));
      ws.push(msg('c1', 19));
      ws.push(msg('c2', 1));
    },
    synced: { conversations: { c1: 19, c2: 1 } },
  });
  assert.deepEqual(sync.conversations, { c1: 17, c2: 0 });
  assert.equal(typeof sync.req, 'string');
  const result = await synced;
  assert.deepEqual(result.conversations, { c1: 19, c2: 1 });
  assert.deepEqual(seen, ['c1:18', 'c1:19', 'c2:1']);
  assert.equal(client.live, true);
});

test('too_far_behind: pages the REST history after last seq, with a Bearer token, emitting in order, then live ones', async (t) => {
  const hub = createHub();
  const calls = [];
  const history = Array.from({ length: 7 }, (_, i) => {
    const { type, ...rest } = msg('c1', i + 1);
    return { ...rest, version: 1, deleted: false };
  });
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const u = new URL(url);
    const after = Number(u.searchParams.get('after_seq'));
    const page = history.filter((m) => m.seq > after).slice(0, 3);
    return new Response(JSON.stringify({ messages: page, has_more: page.length > 0 && page.at(-1).seq < 7 }), { status: 200 });
  };
  const client = newClient(t, hub, { fetch, getToken: async () => 'tok-1', token: undefined, historyPageSize: 3 });
  client.track('c1', 0);
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));
  const done = collectEvents(client, 'message', 8, () => true, 2000);
  client.connect();
  const { ws } = await openAndSync(hub, 0, { synced: { conversations: {}, too_far_behind: [{ conversation_id: 'c1', last_seq: 7 }] } });
  ws.push(msg('c1', 8)); // live while the history is being paged: held back
  await done;
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(calls[0].url, 'http://h/api/conversations/c1/messages?after_seq=0&limit=3');
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tok-1');
  assert.deepEqual(calls.map((c) => new URL(c.url).searchParams.get('after_seq')), ['0', '3', '6']);
  assert.equal(hub.sockets[0].protocols[1], 'tok-1', 'getToken() feeds the subprotocol too');
});

test('not_member in synced untracks the conversation and reports it', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  client.track('cx', 3);
  const err = waitForEvent(client, 'error', (e) => e.code === 'not_member');
  client.connect();
  await openAndSync(hub, 0, { synced: { conversations: {}, not_member: ['cx'] } });
  const e = await err;
  assert.equal(e.conversationId, 'cx');
  assert.equal(client.lastSeq('cx'), undefined);
});

test('an untracked conversation is followed from its start: its first message at seq 3 triggers a sync from 0', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));
  const connected = client.connect();
  const { ws, sync } = await openAndSync(hub, 0);
  assert.deepEqual(sync.conversations, {}, 'nothing tracked: an empty sync');
  await connected;
  ws.push(msg('new', 3));
  const gapSync = await hub.sent(ws, (f) => f.type === 'sync' && f.req !== sync.req);
  assert.deepEqual(gapSync.conversations, { new: 0 });
  for (const s of [1, 2, 3]) ws.push(msg('new', s));
  ws.push({ type: 'synced', req: gapSync.req, conversations: { new: 3 }, too_far_behind: [], not_member: [] });
  assert.deepEqual(seen, [1, 2, 3]);
});

test("untracked: 'from-here' starts at the first message seen", async (t) => {
  const hub = createHub();
  const client = newClient(t, hub, { untracked: 'from-here' });
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  ws.push(msg('new', 42));
  ws.push(msg('new', 43));
  assert.deepEqual(seen, [42, 43]);
  await expectNoEvent(hub, 'sent', (f) => f.type === 'sync', 50);
});

test('message_updated is forwarded once per version', async (t) => {
  const hub = createHub();
  const client = newClient(t, hub);
  const seen = [];
  client.on('message_updated', (u) => seen.push(u.version));
  const connected = client.connect();
  const { ws } = await openAndSync(hub, 0);
  await connected;
  const upd = (version) => ({ type: 'message_updated', conversation_id: 'c1', message_id: 'm1', seq: 1, version, content: `v${version}` });
  ws.push(upd(2));
  ws.push(upd(2));
  ws.push(upd(3));
  ws.push(upd(2));
  assert.deepEqual(seen, [2, 3]);
});
