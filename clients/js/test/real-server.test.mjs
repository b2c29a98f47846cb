// Tests against the real Parley server. The binary comes from env
// PARLEY_BINARY; without it these tests are skipped. Build it with:
//   cmake -S /work/main -B /work/main/build-js -DCMAKE_BUILD_TYPE=Release
//   cmake --build /work/main/build-js -j2 --target parley
//   PARLEY_BINARY=/work/main/build-js/src/server/parley npm test
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ParleyClient } from '../parley-client.mjs';
import { BINARY, api, flakyWebSocket, makeDataDir, mintToken, rawHello, removeDir, startServer } from './support/server.mjs';
import { collectEvents, expectNoEvent, waitForEvent, withTimeout } from './support/wait.mjs';

const skip = !BINARY
  ? 'PARLEY_BINARY is not set: build the server (cmake --build <dir> --target parley) and set PARLEY_BINARY to the parley binary to run the real-server tests'
  : typeof globalThis.WebSocket !== 'function'
    ? 'no global WebSocket: Node 20 needs --experimental-websocket (npm test passes it)'
    : false;

const T = 15000; // the longest any single wait may take

describe('real server', { skip, concurrency: false }, () => {
  let dataDir;
  let server;
  let hello;
  const tokens = {};
  const clients = [];
  let serverSync = false; // hello has retransmit_ms: received/sync/reconnect are implemented

  const token = async (user) => (tokens[user] ??= await mintToken(user));

  async function newClient(user, extra = {}, srv = server) {
    const t = await token(user);
    const client = new ParleyClient({
      url: srv.wsUrl,
      getToken: async () => t,
      backoff: { baseMs: 50, maxMs: 400 },
      requestTimeoutMs: 5000,
      ...extra,
    });
    client.on('error', (e) => {
      client.errors ??= [];
      client.errors.push(e);
    });
    clients.push(client);
    return client;
  }

  async function createGroup(owner, members, srv = server) {
    const r = await api(srv.httpUrl, await token(owner), 'POST', '/api/conversations', { type: 'group', name: `g${Date.now()}`, members });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  }

  async function history(user, conv, srv = server) {
    const r = await api(srv.httpUrl, await token(user), 'GET', `/api/conversations/${conv}/messages?after_seq=0&limit=200`);
    assert.equal(r.status, 200);
    return r.body.messages;
  }

  const needSync = (t) => {
    if (serverSync) return false;
    t.skip('the server does not implement received/sync/reconnect yet (hello has no retransmit_ms)');
    return true;
  };

  const noErrors = (...cs) => {
    for (const c of cs) {
      const unexpected = (c.errors ?? []).filter((e) => e.code === 'protocol');
      assert.deepEqual(unexpected.map((e) => e.message), [], 'protocol errors reported by the client');
    }
  };

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServer({ dataDir });
    hello = await rawHello(server.wsUrl, await token('alice'));
    serverSync = typeof hello.retransmit_ms === 'number';
    if (!serverSync) console.log('# note: hello has no retransmit_ms; the tests needing received/sync/reconnect are skipped');
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.stop('SIGKILL').catch(() => {});
    if (dataDir) await removeDir(dataDir);
  });

  test('hello carries the fields of docs/protocol.md', () => {
    assert.equal(hello.type, 'hello');
    assert.equal(hello.user_id, 'alice');
    for (const k of ['session_id']) assert.equal(typeof hello[k], 'string', k);
    for (const k of ['heartbeat_ms', 'server_time']) assert.equal(typeof hello[k], 'number', k);
    if (serverSync) for (const k of ['retransmit_ms', 'max_replay']) assert.equal(typeof hello[k], 'number', k);
  });

  test('two clients chat and both receive every message once, in seq order', async () => {
    const conv = await createGroup('alice', ['bob']);
    const alice = await newClient('alice');
    const bob = await newClient('bob');
    alice.track(conv);
    bob.track(conv);
    await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
    const N = 30;
    const aliceGot = collectEvents(alice, 'message', N, (m) => m.conversation_id === conv, T);
    const bobGot = collectEvents(bob, 'message', N, (m) => m.conversation_id === conv, T);
    const sends = [];
    for (let i = 0; i < 20; i++) {
      sends.push(alice.send(conv, `a${i}`));
      if (i % 2 === 0) sends.push(bob.send(conv, `b${i / 2}`));
    }
    const acks = await withTimeout(Promise.all(sends), T, 'all acks');
    const [am, bm] = await Promise.all([aliceGot, bobGot]);
    const seqs = Array.from({ length: N }, (_, i) => i + 1);
    assert.deepEqual(am.map((m) => m.seq), seqs);
    assert.deepEqual(bm.map((m) => m.seq), seqs);
    assert.deepEqual(am.map((m) => m.message_id), bm.map((m) => m.message_id));
    // Each sender's messages keep the order they were sent in.
    assert.deepEqual(am.filter((m) => m.sender_id === 'alice').map((m) => m.content), Array.from({ length: 20 }, (_, i) => `a${i}`));
    assert.deepEqual(am.filter((m) => m.sender_id === 'bob').map((m) => m.content), Array.from({ length: 10 }, (_, i) => `b${i}`));
    // Acks agree with the messages.
    const bySeq = new Map(am.map((m) => [m.seq, m]));
    for (const a of acks) assert.equal(bySeq.get(a.seq).client_msg_id, a.client_msg_id);
    assert.equal(alice.pending().length, 0);
    if (serverSync) {
      // The clients acknowledged what they hold with `received`: no retransmit reaches the app twice anyway,
      // and the server keeps the connection (a 4008 would show as a disconnect).
      assert.equal(alice.state, 'open');
    }
    noErrors(alice, bob);
  });

  test('receipts, typing, edit, delete and ping round-trip', async () => {
    const conv = await createGroup('alice', ['bob']);
    const alice = await newClient('alice');
    const bob = await newClient('bob');
    alice.track(conv);
    bob.track(conv);
    await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
    const got = waitForEvent(bob, 'message', (m) => m.conversation_id === conv, T);
    const ack = await alice.send(conv, 'tpyo');
    const m = await got;
    assert.equal(m.message_id, ack.message_id);

    const receipt = waitForEvent(alice, 'receipt', (r) => r.conversation_id === conv && r.user_id === 'bob' && r.status === 'read', T);
    await bob.markRead(conv, m.seq);
    assert.equal((await receipt).seq, m.seq);

    const typing = waitForEvent(bob, 'typing', (e) => e.conversation_id === conv && e.user_id === 'alice', T);
    assert.equal(alice.typing(conv), true);
    assert.equal(alice.typing(conv), false, 'throttled');
    await typing;

    const updated = waitForEvent(bob, 'message_updated', (u) => u.message_id === m.message_id && u.content === 'typo', T);
    await alice.edit(conv, m.message_id, 'typo');
    assert.equal((await updated).version, 2);
    await assert.rejects(bob.edit(conv, m.message_id, 'hijack'), (e) => e.code === 'forbidden');
    await assert.rejects(bob.delete(conv, m.message_id), (e) => e.code === 'forbidden');
    const deleted = waitForEvent(bob, 'message_updated', (u) => u.message_id === m.message_id && u.deleted === true, T);
    await alice.delete(conv, m.message_id);
    await deleted;
    await assert.rejects(alice.markRead(conv, 999), (e) => e.code === 'bad_request');
    const { rtt } = await alice.ping();
    assert.ok(rtt >= 0);
    noErrors(alice, bob);
  });

  test('offline sends are queued and arrive exactly once, in order, after the client reconnects by itself', async (t) => {
    if (needSync(t)) return;
    const conv = await createGroup('alice', ['bob']);
    const net = flakyWebSocket();
    const alice = await newClient('alice', { WebSocket: net.WebSocket });
    const bob = await newClient('bob');
    alice.track(conv);
    bob.track(conv);
    await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
    const bobGot = collectEvents(bob, 'message', 8, (m) => m.conversation_id === conv, T);
    const aliceGot = collectEvents(alice, 'message', 8, (m) => m.conversation_id === conv, T);

    // x0 goes out and the network is cut at once: its ack is lost (or the frame is), so it is resent.
    const down = waitForEvent(alice, 'disconnect', () => true, T);
    const sends = [alice.send(conv, 'x0')];
    assert.equal(alice.pending()[0].state, 'sent');
    net.cut();
    for (let i = 1; i < 5; i++) sends.push(alice.send(conv, `x${i}`));
    await down;
    assert.deepEqual(alice.pending().map((e) => [e.content, e.state]), ['x0', 'x1', 'x2', 'x3', 'x4'].map((x) => [x, 'queued']));
    // Bob talks while alice is away: she gets it through sync.
    for (let i = 0; i < 3; i++) await bob.send(conv, `bob${i}`);
    const reconnected = waitForEvent(alice, 'synced', () => true, T);
    net.restore();
    await reconnected;
    const acks = await withTimeout(Promise.all(sends), T, 'acks of the queued sends');
    const [bm, am] = await Promise.all([bobGot, aliceGot]);
    // Stored exactly once, in the order sent.
    const stored = await history('alice', conv);
    const xs = stored.filter((m) => m.sender_id === 'alice').map((m) => m.content);
    assert.deepEqual(xs, ['x0', 'x1', 'x2', 'x3', 'x4']);
    assert.equal(stored.length, 8);
    assert.deepEqual(acks.map((a) => a.client_msg_id), sends.map((p) => p.clientMsgId));
    // Delivered exactly once and in seq order to both.
    const seqs = stored.map((m) => m.seq);
    assert.deepEqual(bm.map((m) => m.seq), seqs);
    assert.deepEqual(am.map((m) => m.seq), seqs);
    assert.deepEqual(am.filter((m) => m.sender_id === 'bob').map((m) => m.content), ['bob0', 'bob1', 'bob2']);
    assert.equal(alice.pending().length, 0);
    noErrors(alice, bob);
  });

  test('a client that missed messages while disconnected gets them via sync, with no duplicate', async (t) => {
    if (needSync(t)) return;
    const conv = await createGroup('alice', ['bob']);
    const net = flakyWebSocket();
    const alice = await newClient('alice');
    const bob = await newClient('bob', { WebSocket: net.WebSocket });
    alice.track(conv);
    bob.track(conv);
    await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
    const bobAll = [];
    bob.on('message', (m) => m.conversation_id === conv && bobAll.push(m.seq));
    const firstTwo = collectEvents(bob, 'message', 2, (m) => m.conversation_id === conv, T);
    await alice.send(conv, 'before-1');
    await alice.send(conv, 'before-2');
    await firstTwo;
    net.cut();
    const missed = 40;
    await withTimeout(Promise.all(Array.from({ length: missed }, (_, i) => alice.send(conv, `missed-${i}`))), T, 'sends while bob is away');
    const caughtUp = collectEvents(bob, 'message', missed + 1, (m) => m.conversation_id === conv, T);
    const synced = waitForEvent(bob, 'synced', () => true, T);
    net.restore();
    const s = await synced;
    assert.equal(s.conversations[conv], 2 + missed, 'synced reports the last seq replayed');
    await alice.send(conv, 'after');
    const got = await caughtUp;
    assert.deepEqual(got.map((m) => m.seq), Array.from({ length: missed + 1 }, (_, i) => i + 3));
    assert.deepEqual(bobAll, Array.from({ length: missed + 3 }, (_, i) => i + 1), 'no duplicate, no gap');
    assert.equal(bob.lastSeq(conv), missed + 3);

    // A new client (an app restart) resuming from a stored cursor gets only what follows it.
    const bob2 = await newClient('bob');
    bob2.track(conv, 30);
    const rest = collectEvents(bob2, 'message', missed + 3 - 30, (m) => m.conversation_id === conv, T);
    await withTimeout(bob2.connect(), T, 'bob2 live');
    assert.deepEqual((await rest).map((m) => m.seq), Array.from({ length: missed + 3 - 30 }, (_, i) => i + 31));
    noErrors(alice, bob, bob2);
  });

  test("SIGTERM: the server's reconnect frame is honoured, the clients come back by themselves and nothing is lost", async (t) => {
    if (needSync(t)) return;
    const dir = await makeDataDir();
    const config = { reconnect_jitter_ms: 1500 }; // the hint's spread (5 s by default), to keep the test short
    let srv = await startServer({ dataDir: dir, config });
    try {
      const conv = await createGroup('alice', ['bob'], srv);
      const alice = await newClient('alice', {}, srv);
      const bob = await newClient('bob', {}, srv);
      alice.track(conv);
      bob.track(conv);
      await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
      const bobGot = collectEvents(bob, 'message', 4, (m) => m.conversation_id === conv, 30000);
      await alice.send(conv, 'one');
      await alice.send(conv, 'two');

      const reconnectFrame = waitForEvent(alice, 'reconnect', () => true, T);
      const aliceDown = waitForEvent(alice, 'disconnect', () => true, T);
      const bobDown = waitForEvent(bob, 'disconnect', () => true, T);
      srv.proc.kill('SIGTERM');
      const frame = await reconnectFrame;
      const frameAt = Date.now();
      assert.ok(Number.isInteger(frame.after_ms) && frame.after_ms >= 0, `after_ms ${frame.after_ms}`);
      const [ad, bd] = await Promise.all([aliceDown, bobDown]);
      assert.equal(ad.code, 1001, 'the server closes with 1001 after reconnect');
      assert.equal(bd.code, 1001);
      await withTimeout(srv.exited, T, 'the server to exit after SIGTERM');

      // Sent while the server is down: queued.
      const three = alice.send(conv, 'three');
      const aliceBack = waitForEvent(alice, 'hello', () => true, 30000);
      const aliceSynced = waitForEvent(alice, 'synced', () => true, 30000);
      srv = await startServer({ dataDir: dir, config, listen: srv.listen });
      await aliceBack;
      const backAt = Date.now();
      assert.ok(backAt - frameAt >= frame.after_ms - 20, `reconnected ${backAt - frameAt} ms after the frame, after_ms ${frame.after_ms}`);
      await aliceSynced;
      await withTimeout(three, T, 'ack of the queued send');
      await alice.send(conv, 'four');
      const got = await bobGot;
      assert.deepEqual(got.map((m) => m.content), ['one', 'two', 'three', 'four']);
      assert.deepEqual(got.map((m) => m.seq), [1, 2, 3, 4]);
      noErrors(alice, bob);
    } finally {
      await srv.stop('SIGKILL').catch(() => {});
      await removeDir(dir);
    }
  });
  describe('with retransmit_ms 150 and max_replay 5', { concurrency: false }, () => {
    let tunedDir;
    let tuned;
    before(async () => {
      if (!serverSync) return;
      tunedDir = await makeDataDir();
      tuned = await startServer({ dataDir: tunedDir, config: { retransmit_ms: 150, max_replay: 5 } });
    });
    after(async () => {
      await tuned?.stop('SIGKILL').catch(() => {});
      if (tunedDir) await removeDir(tunedDir);
    });

    test('control: a device that syncs but never sends received is closed with 4008 after the retransmits', async (t) => {
      if (needSync(t)) return;
      const conv = await createGroup('alice', ['bob'], tuned);
      const raw = new WebSocket(tuned.wsUrl, ['parley', await token('bob')]);
      const frames = [];
      const closed = new Promise((resolve) => (raw.onclose = (ev) => resolve(ev.code)));
      const ready = new Promise((resolve) => {
        raw.onmessage = (ev) => {
          const f = JSON.parse(ev.data);
          frames.push(f);
          if (f.type === 'hello') raw.send(JSON.stringify({ type: 'sync', req: 's1', conversations: { [conv]: 0 } }));
          if (f.type === 'synced') resolve();
        };
      });
      try {
        await withTimeout(ready, T, 'raw device synced');
        const r = await api(tuned.httpUrl, await token('alice'), 'POST', `/api/conversations/${conv}/messages`, { client_msg_id: 'ctl-1', content: 'hi' });
        assert.equal(r.status, 201);
        assert.equal(await withTimeout(closed, 5000, 'close 4008'), 4008);
        const copies = frames.filter((f) => f.type === 'message').length;
        assert.ok(copies >= 2, `the server retransmitted (${copies} copies)`);
      } finally {
        raw.close();
      }
    });

    test('the client acknowledges with received: no 4008, every message once, while the server retransmits fast', async (t) => {
      if (needSync(t)) return;
      const conv = await createGroup('alice', ['bob'], tuned);
      const alice = await newClient('alice', {}, tuned);
      const bob = await newClient('bob', {}, tuned);
      alice.track(conv);
      bob.track(conv);
      await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
      const drops = [];
      bob.on('disconnect', (d) => drops.push(d.code));
      const got = collectEvents(bob, 'message', 20, (m) => m.conversation_id === conv, T);
      for (let i = 0; i < 20; i++) await alice.send(conv, `m${i}`);
      assert.deepEqual((await got).map((m) => m.seq), Array.from({ length: 20 }, (_, i) => i + 1));
      // Five retransmits of 150 ms would be over well within this window.
      await expectNoEvent(bob, 'disconnect', () => true, 1500);
      await expectNoEvent(bob, 'message', () => true, 0);
      assert.deepEqual(drops, []);
      noErrors(alice, bob);
    });

    test('too_far_behind: a client more than max_replay behind pages the REST history, in order, once', async (t) => {
      if (needSync(t)) return;
      const conv = await createGroup('alice', ['bob'], tuned);
      const alice = await newClient('alice', {}, tuned);
      const net = flakyWebSocket();
      const bob = await newClient('bob', { WebSocket: net.WebSocket, historyPageSize: 4 }, tuned);
      alice.track(conv);
      bob.track(conv);
      await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
      const first = collectEvents(bob, 'message', 2, (m) => m.conversation_id === conv, T);
      await alice.send(conv, 'first-0');
      await alice.send(conv, 'first-1');
      await first;
      const down = waitForEvent(bob, 'disconnect', () => true, T);
      net.cut();
      await down;
      for (let i = 0; i < 12; i++) await alice.send(conv, `m${i}`);
      const all = collectEvents(bob, 'message', 13, (m) => m.conversation_id === conv, T);
      const synced = waitForEvent(bob, 'synced', () => true, T);
      net.restore();
      const s = await synced;
      assert.deepEqual(s.too_far_behind, [{ conversation_id: conv, last_seq: 14 }]);
      await alice.send(conv, 'live');
      const msgs = await all;
      assert.deepEqual(msgs.map((m) => m.seq), Array.from({ length: 13 }, (_, i) => i + 3));
      assert.deepEqual(msgs.slice(0, 12).map((m) => m.content), Array.from({ length: 12 }, (_, i) => `m${i}`));
      await expectNoEvent(bob, 'message', () => true, 300);
      noErrors(alice, bob);
    });

    test('too_far_behind from seq 0: the history is paged with after_seq=0 (the messages after 0, oldest first)', async (t) => {
      if (needSync(t)) return;
      const conv = await createGroup('alice', ['bob'], tuned);
      const net = flakyWebSocket();
      const alice = await newClient('alice', {}, tuned);
      const bob = await newClient('bob', { WebSocket: net.WebSocket, historyPageSize: 4 }, tuned);
      alice.track(conv);
      bob.track(conv);
      await withTimeout(Promise.all([alice.connect(), bob.connect()]), T, 'both clients live');
      const down = waitForEvent(bob, 'disconnect', () => true, T);
      net.cut();
      await down;
      for (let i = 0; i < 12; i++) await alice.send(conv, `m${i}`);
      const all = collectEvents(bob, 'message', 13, (m) => m.conversation_id === conv, T);
      const synced = waitForEvent(bob, 'synced', () => true, T);
      net.restore();
      const s = await synced;
      assert.deepEqual(s.too_far_behind, [{ conversation_id: conv, last_seq: 12 }]);
      await alice.send(conv, 'live');
      // A protocol error from the client (history not starting after after_seq) fails at once.
      const protocolError = waitForEvent(bob, 'error', (e) => e.code === 'protocol', T).then((e) => {
        throw new Error(`server deviation: ${e.message}`);
      });
      protocolError.catch(() => {});
      all.catch(() => {});
      const msgs = await Promise.race([all, protocolError]);
      assert.deepEqual(msgs.map((m) => m.seq), Array.from({ length: 13 }, (_, i) => i + 1));
      assert.deepEqual(msgs.slice(0, 12).map((m) => m.content), Array.from({ length: 12 }, (_, i) => `m${i}`));
      await expectNoEvent(bob, 'message', () => true, 300);
      noErrors(alice, bob);
    });
  });
});
