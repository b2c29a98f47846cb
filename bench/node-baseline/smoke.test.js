// Smoke test of the baseline (node --test): two gateways on one Redis; a
// conversation made over REST on one gateway; a send from a member on each
// gateway reaches both members, in the same seq order, with its ack.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const WebSocket = require('ws');

const runSh = path.join(__dirname, 'run.sh');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-baseline-smoke-'));
// Below Linux's ephemeral range (32768-60999): tests running beside this one
// bind port 0 and connect out from there, and one took a port of 20000-40000
// here before (EADDRINUSE in CI).
const base = 10000 + (process.pid % 7000) * 3;
const ports = [base, base + 1, base + 2]; // two gateways, Redis
const token = (user) => `x.${Buffer.from(JSON.stringify({ sub: user })).toString('base64url')}.y`;

// Frames of one connection, awaited by predicate with a deadline.
function open(user, port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token(user)}` } });
  const frames = [];
  const waiters = [];
  ws.on('message', (d) => {
    frames.push(JSON.parse(d));
    for (const w of waiters.splice(0)) w();
  });
  ws.next = (pred, ms = 5000) => new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${user}: no frame in ${ms} ms`)), ms);
    const check = () => {
      const i = frames.findIndex(pred);
      if (i < 0) return waiters.push(check);
      clearTimeout(deadline);
      resolve(frames.splice(i, 1)[0]);
    };
    check();
  });
  return ws;
}

test('a message crosses gateways through Redis', async (t) => {
  execFileSync(runSh, ['start', dir, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => {
    execFileSync(runSh, ['stop', dir], { stdio: 'inherit' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const res = await fetch(`http://127.0.0.1:${ports[0]}/api/conversations`, {
    method: 'POST', headers: { authorization: `Bearer ${token('alice')}` },
    body: JSON.stringify({ type: 'group', members: ['bob'] }) });
  assert.strictEqual(res.status, 201);
  const { id } = await res.json();

  const alice = open('alice', ports[0]);
  const bob = open('bob', ports[1]);
  t.after(() => { alice.close(); bob.close(); });
  assert.strictEqual((await alice.next((f) => f.type === 'hello')).user_id, 'alice');
  await bob.next((f) => f.type === 'hello');

  alice.send(JSON.stringify({ type: 'send', req: 'r1', conversation_id: id, client_msg_id: 'a1', content: 'hi' }));
  const ack = await alice.next((f) => f.type === 'ack');
  assert.deepStrictEqual([ack.req, ack.seq], ['r1', 1]);
  bob.send(JSON.stringify({ type: 'send', req: 'r2', conversation_id: id, client_msg_id: 'b1', content: 'yo' }));
  assert.strictEqual((await bob.next((f) => f.type === 'ack')).seq, 2);

  for (const ws of [alice, bob]) {
    const m1 = await ws.next((f) => f.type === 'message' && f.seq === 1);
    const m2 = await ws.next((f) => f.type === 'message' && f.seq === 2);
    assert.deepStrictEqual([m1.sender_id, m1.content, m2.sender_id, m2.content], ['alice', 'hi', 'bob', 'yo']);
  }
  alice.send(JSON.stringify({ type: 'ping', req: 'p1' }));
  assert.strictEqual((await alice.next((f) => f.type === 'pong')).req, 'p1');
});
