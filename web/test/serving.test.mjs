// The serving contract of `parley serve --web-root DIR --dev`: the web client's
// files at /, the JavaScript client library at /js/, 404 for the rest, and
// the dev sign-in route. No browser needed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { skipReason, startServer, WEB_ROOT } from './support/harness.mjs';

const reason = skipReason();
if (reason) console.log(`skipping the web client tests: ${reason}`);

describe('serving the web client', { skip: reason ?? false }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  const get = (p, init) => fetch(server.baseUrl + p, init);
  const rawGet = (p) =>
    new Promise((resolve, reject) => {
      const u = new URL(server.baseUrl);
      const req = http.get({ host: u.hostname, port: u.port, path: p, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${p} timed out`)));
      req.on('error', reject);
    });

  it('serves index.html at / and /index.html', async () => {
    for (const p of ['/', '/index.html']) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `${p} content-type`);
      assert.equal(await res.text(), fs.readFileSync(path.join(WEB_ROOT, 'index.html'), 'utf8'));
    }
  });

  it('serves the modules and the stylesheet with their content types', async () => {
    const files = ['app.js', 'api.js', 'state.js', 'chat.js', 'media.js', 'push.js', 'sw.js', 'views/dom.js', 'views/conversation.js', 'views/media.js', 'views/attach.js', 'views/notifications.js', 'style.css'];
    for (const f of files) {
      const res = await get(`/${f}`);
      assert.equal(res.status, 200, f);
      const type = res.headers.get('content-type') ?? '';
      if (f.endsWith('.css')) assert.match(type, /^text\/css/, `${f}: ${type}`);
      else assert.match(type, /^(text|application)\/javascript/, `${f}: ${type}`);
      assert.equal(await res.text(), fs.readFileSync(path.join(WEB_ROOT, f), 'utf8'), f);
    }
  });

  it('serves the JavaScript client library under /js/', async () => {
    for (const f of ['parley-client.mjs', 'emitter.mjs', 'conversation-state.mjs', 'outbox.mjs', 'backoff.mjs', 'errors.mjs']) {
      const res = await get(`/js/${f}`);
      assert.equal(res.status, 200, f);
      assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/javascript/, f);
      assert.match(await res.text(), /export /, f);
    }
  });

  it('answers 404 for a path that is not there', async () => {
    for (const p of ['/nope.js', '/views/nope.js', '/js/nope.mjs', '/test/', '/package.json.bak']) {
      const res = await get(p);
      assert.equal(res.status, 404, p);
      await res.arrayBuffer();
    }
  });

  it('never serves a file outside the web root', async () => {
    // Raw paths: fetch() would normalise the dots away.
    const readme = fs.readFileSync(path.join(WEB_ROOT, '..', 'README.md'), 'utf8').slice(0, 40);
    for (const p of ['/../README.md', '/%2e%2e/README.md', '/..%2fREADME.md', '/js/../../README.md', '/js/..%2f..%2fREADME.md', '/js/../src/server/main.cpp']) {
      const { status, body } = await rawGet(p);
      assert.ok([400, 403, 404].includes(status), `${p}: HTTP ${status}`);
      assert.ok(!body.includes(readme), `${p} leaked a file`);
    }
  });

  it('mints a dev token with POST /api/dev/token', async () => {
    const res = await get('/api/dev/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: 'alice' }) });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.user_id, 'alice');
    assert.equal(typeof body.token, 'string');
    const me = await get('/api/conversations', { headers: { Authorization: `Bearer ${body.token}` } });
    assert.equal(me.status, 200);
    assert.deepEqual((await me.json()).conversations, []);
  });
});

/** The files of web/ that the binary embeds (cmake/embed_assets.cmake skips tests, docs and npm files). */
function servedFiles(dir = WEB_ROOT, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (/^(test|node_modules)$/.test(r) || e.name.startsWith('.') || /^package/.test(r) || r.endsWith('.md')) continue;
    if (e.isDirectory()) out.push(...servedFiles(dir, r));
    else out.push(r);
  }
  return out;
}

describe('serving the embedded web client (no --web-root)', { skip: reason ?? false }, () => {
  let server;
  before(async () => {
    server = await startServer({ webRoot: null });
  });
  after(async () => {
    await server?.stop();
  });

  it('serves the files of web/ compiled into the binary (rebuild if this fails after editing web/)', async () => {
    const files = servedFiles();
    assert.ok(files.includes('index.html') && files.includes('app.js'));
    for (const f of files) {
      const res = await fetch(`${server.baseUrl}/${f}`);
      assert.equal(res.status, 200, f);
      assert.equal(await res.text(), fs.readFileSync(path.join(WEB_ROOT, f), 'utf8'), `${f} differs from web/${f}: the binary embeds an older web/`);
    }
    const root = await fetch(`${server.baseUrl}/`);
    assert.match(root.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal((await fetch(`${server.baseUrl}/js/parley-client.mjs`)).status, 200);
    assert.equal((await fetch(`${server.baseUrl}/nope.js`)).status, 404);
  });
});
