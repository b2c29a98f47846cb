// The baseline peer: the chat gateway users build instead of running Parley,
// on npm `ws` and `redis` (node-redis v4). Rooms are conversations; every
// send is published on the room's Redis channel and each gateway relays it to
// its own member connections. It speaks just enough of docs/protocol.md for
// `parley bench` to drive it unchanged (see README.md for what it skips:
// no durability, no auth check, no history, no retransmit, no backpressure).
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');
const { createClient } = require('redis');

const port = Number(process.env.PORT || 9001);
const host = process.env.HOST || '127.0.0.1';
const me = `${process.pid}`; // tells this gateway's publishes from the others'
const pub = createClient({ url: process.env.REDIS_URL || 'redis://127.0.0.1:6379' });
const sub = pub.duplicate(); // a subscribed connection can do nothing else

const rooms = new Map(); // conversation id -> { seq, members: Set<ws>, ready: Promise }
const pending = new Map(); // publish key -> the sender's ack to send when it comes back
let nextKey = 0;

// Any token is accepted: the user is ?user=, or the JWT's `sub`, unverified.
function userOf(req) {
  const url = new URL(req.url, 'http://x');
  const token = (req.headers.authorization || '').replace(/^Bearer /, '') ||
    url.searchParams.get('token') || '';
  try {
    return url.searchParams.get('user') ||
      JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
  } catch {
    return null;
  }
}

// Seq is counted by each gateway in the order Redis delivers the room's
// channel: the same on every gateway subscribed since the room's first message.
function onRoomMessage(raw) {
  const { g, k, m } = JSON.parse(raw);
  const room = rooms.get(m.conversation_id);
  const seq = ++room.seq;
  if (g === me && pending.has(k)) {
    const { ws, req } = pending.get(k);
    pending.delete(k);
    ws.send(JSON.stringify({ type: 'ack', req, conversation_id: m.conversation_id,
      client_msg_id: m.client_msg_id, message_id: m.message_id, seq, ts: m.ts }));
  }
  const frame = JSON.stringify({ type: 'message', conversation_id: m.conversation_id, seq,
    message_id: m.message_id, sender_id: m.sender_id, client_msg_id: m.client_msg_id,
    content: m.content, kind: m.kind, reply_to: m.reply_to, ts: m.ts });
  for (const ws of room.members) ws.send(frame);
}

function join(ws, id) {
  let room = rooms.get(id);
  if (!room) {
    room = { seq: 0, members: new Set(), ready: sub.subscribe(`room:${id}`, onRoomMessage) };
    rooms.set(id, room);
  }
  room.members.add(ws);
  ws.rooms.add(id);
  return room.ready;
}

function onFrame(ws, data) {
  let f;
  try { f = JSON.parse(data); } catch { f = {}; }
  if (f.type === 'send') {
    if (!ws.rooms.has(f.conversation_id)) {
      return ws.send(JSON.stringify({ type: 'error', req: f.req, code: 'not_member', message: 'not a member' }));
    }
    const k = nextKey++;
    pending.set(k, { ws, req: f.req });
    pub.publish(`room:${f.conversation_id}`, JSON.stringify({ g: me, k, m: {
      conversation_id: f.conversation_id, message_id: `m_${me}_${k}`, sender_id: ws.user,
      client_msg_id: f.client_msg_id, content: f.content, kind: f.kind || 'text',
      reply_to: f.reply_to || null, ts: Date.now() } }));
  } else if (f.type === 'sync') {
    // No history to replay: every conversation is reported as already held.
    ws.send(JSON.stringify({ type: 'synced', req: f.req, conversations: f.conversations || {} }));
  } else if (f.type === 'ping') {
    ws.send(JSON.stringify({ type: 'pong', req: f.req }));
  } else if (f.type !== 'received' && f.type !== 'typing') {
    ws.send(JSON.stringify({ type: 'error', req: f.req, code: 'bad_request', message: 'not in the baseline' }));
  }
}

// POST /api/conversations: memberships go to Redis so every gateway sees them.
const server = http.createServer((req, res) => {
  const user = userOf(req);
  if (req.method !== 'POST' || req.url !== '/api/conversations' || !user) {
    res.writeHead(user ? 404 : 401).end();
    return;
  }
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    const b = JSON.parse(body || '{}');
    const id = `c_${crypto.randomBytes(12).toString('hex')}`;
    const members = [user, ...(b.members || [])];
    await Promise.all(members.map((u) => pub.sAdd(`rooms:${u}`, id)));
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id,
      type: b.type || 'group', name: b.name || null, created_by: user, created_at: Date.now(),
      last_seq: 0, members: members.map((u) => ({ user_id: u, role: u === user ? 'owner' : 'member' })) }));
  });
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
server.on('upgrade', (req, socket, head) => {
  const user = userOf(req);
  if (!user || !req.url.startsWith('/ws')) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, async (ws) => {
    Object.assign(ws, { user, rooms: new Set(), alive: true });
    ws.on('message', (data) => onFrame(ws, data));
    ws.on('pong', () => { ws.alive = true; });
    ws.on('close', () => { for (const id of ws.rooms) rooms.get(id).members.delete(ws); });
    await Promise.all((await pub.sMembers(`rooms:${user}`)).map((id) => join(ws, id)));
    ws.send(JSON.stringify({ type: 'hello', user_id: user, session_id: `s_${me}_${nextKey++}`,
      heartbeat_ms: 25000, retransmit_ms: 0, max_replay: 0, server_time: Date.now() }));
  });
});

// The ws README's heartbeat: ping everyone every 25 s, drop who did not answer.
setInterval(() => {
  for (const ws of wss.clients) {
    if (!ws.alive) ws.terminate();
    ws.alive = false;
    ws.ping();
  }
}, 25000);

Promise.all([pub.connect(), sub.connect()]).then(() => {
  server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
});
