import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffCap, backoffDelay, ParleyClient } from '../parley-client.mjs';
import { createHub } from './support/fake-websocket.mjs';
import { collectEvents, waitForEvent } from './support/wait.mjs';

test('backoff cap doubles from baseMs and is clamped at maxMs', () => {
  const o = { baseMs: 250, maxMs: 30000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffCap(a, o)), [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(backoffCap(5000, o), 30000); // 2^5000 overflows: still clamped
  assert.equal(backoffCap(0), 250); // defaults
  assert.equal(backoffCap(100), 30000);
});

test('full jitter: delay = random(0, cap), bounds reached with extreme randoms', () => {
  const o = { baseMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(3, o, () => 0), 0);
  assert.equal(backoffDelay(3, o, () => 0.5), 400);
  assert.ok(backoffDelay(3, o, () => 0.999999) <= 800);
  assert.ok(backoffDelay(3, o, () => 0.999999) >= 799);
  assert.ok(backoffDelay(20, o, () => 0.999999) <= 1000);
});

test('full jitter: Math.random delays stay in [0, cap] and spread over the whole range', () => {
  const o = { baseMs: 250, maxMs: 30000 };
  for (const attempt of [0, 1, 4, 10]) {
    const cap = backoffCap(attempt, o);
    const samples = Array.from({ length: 4000 }, () => backoffDelay(attempt, o));
    for (const d of samples) assert.ok(d >= 0 && d <= cap, `delay ${d} out of [0, ${cap}]`);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    assert.ok(Math.abs(mean - cap / 2) < cap * 0.05, `mean ${mean} far from ${cap / 2}`);
    // full jitter, not "equal jitter": many delays fall in the lower half
    assert.ok(samples.filter((d) => d < cap / 4).length > samples.length * 0.15);
    assert.ok(samples.filter((d) => d > (cap * 3) / 4).length > samples.length * 0.15);
  }
});

test('client: failed connections back off with growing caps, each delay drawn with full jitter', async (t) => {
  const hub = createHub();
  const draws = [];
  const random = () => {
    draws.push(1);
    return 0.999;
  };
  const client = new ParleyClient({ url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket, backoff: { baseMs: 4, maxMs: 40 }, random });
  t.after(() => client.close());
  const disconnects = collectEvents(client, 'disconnect', 6, () => true, 3000);
  client.connect();
  // Every socket fails as soon as it is opened.
  hub.on('socket', (ws) => queueMicrotask(() => ws.fail()));
  const got = await disconnects;
  client.close();
  const caps = [4, 8, 16, 32, 40, 40];
  got.forEach((d, i) => {
    assert.ok(d.delayMs >= 0 && d.delayMs <= caps[i], `attempt ${i}: ${d.delayMs} not in [0, ${caps[i]}]`);
    assert.ok(d.delayMs >= Math.floor(caps[i] * 0.999) - 1, `attempt ${i}: ${d.delayMs} should be near ${caps[i]} with random≈1`);
  });
  assert.equal(hub.sockets[0].protocols[0], 'parley');
  assert.equal(hub.sockets[0].protocols[1], 't');
});

test('client: a connection that stayed healthy resets the attempts', async (t) => {
  const hub = createHub();
  const client = new ParleyClient({
    url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket,
    backoff: { baseMs: 2, maxMs: 100000 }, healthyAfterMs: 50, random: () => 0.5,
  });
  t.after(() => client.close());
  const delays = [];
  client.on('disconnect', (d) => delays.push(d.delayMs));
  client.connect();
  (await hub.socket(0)).fail(); // attempt 0: cap 2 -> delay 1
  (await hub.socket(1)).fail(); // attempt 1: cap 4 -> delay 2
  (await hub.socket(2)).fail(); // attempt 2: cap 8 -> delay 4
  assert.deepEqual(delays, [1, 2, 4]);
  const ws3 = await hub.socket(3);
  const healthy = waitForEvent(client, 'healthy', () => true, 1000);
  ws3.accept();
  await healthy; // stayed open for healthyAfterMs
  ws3.serverClose(1006);
  assert.equal(delays.at(-1), 1, 'back to attempt 0 after a healthy connection');
  (await hub.socket(4)).serverClose(1006); // fails before hello: attempt 1
  assert.equal(delays.at(-1), 2);
});

test('client: a connection that dropped quickly does not reset the attempts', async (t) => {
  const hub = createHub();
  const client = new ParleyClient({
    url: 'ws://h/ws', token: 't', WebSocket: hub.WebSocket,
    backoff: { baseMs: 2, maxMs: 100000 }, healthyAfterMs: 60000, random: () => 0.5,
  });
  t.after(() => client.close());
  const delays = [];
  client.on('disconnect', (d) => delays.push(d.delayMs));
  client.connect();
  (await hub.socket(0)).fail();
  const ws1 = await hub.socket(1);
  ws1.accept();
  ws1.serverClose(1006); // open, but not for long
  (await hub.socket(2)).fail();
  assert.deepEqual(delays, [1, 2, 4]);
});
