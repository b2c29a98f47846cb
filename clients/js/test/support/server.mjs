// Runs the real Parley server for integration tests: the binary comes from
// env PARLEY_BINARY. Every wait here has a timeout.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withTimeout } from './wait.mjs';

export const BINARY = process.env.PARLEY_BINARY || '';
export const SECRET = 'js-client-test-secret-0123456789abcdef';

export async function makeDataDir() {
  return mkdtemp(path.join(tmpdir(), 'parley-js-'));
}

export async function removeDir(dir) {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Starts `parley serve`; resolves once it printed "listening on HOST:PORT".
 * listen: "127.0.0.1:0" for any free port, or a fixed one to restart on it.
 */
export async function startServer({ dataDir, listen = '127.0.0.1:0', config, extraArgs = [], timeoutMs = 10000 } = {}) {
  const args = ['serve', '--listen', listen, '--data', dataDir, '--jwt-secret', SECRET, '--log-level', 'warn', ...extraArgs];
  if (config) {
    // Settings without a flag (e.g. reconnect_jitter_ms) go through a config file.
    const file = path.join(dataDir, 'test-config.json');
    await writeFile(file, JSON.stringify(config));
    args.push('--config', file);
  }
  const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-10000);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const where = await withTimeout(
    new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (\S+):(\d+)/);
        if (m) resolve({ host: m[1], port: Number(m[2]) });
      });
      exited.then(({ code, signal }) => reject(new Error(`parley serve exited (${code ?? signal}) before listening: ${stderr}`)));
      proc.once('error', reject);
    }),
    timeoutMs,
    `parley serve to print "listening on" (stderr: ${stderr})`,
  ).catch((err) => {
    proc.kill('SIGKILL');
    throw err;
  });
  const base = `http://${where.host}:${where.port}`;
  return {
    proc,
    ...where,
    listen: `${where.host}:${where.port}`,
    httpUrl: base,
    wsUrl: `ws://${where.host}:${where.port}/ws`,
    exited,
    stderr: () => stderr,
    /** Sends a signal and waits for the process to exit. */
    async stop(signal = 'SIGTERM', waitMs = 10000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      return withTimeout(exited, waitMs, `parley to exit after ${signal}`).catch((err) => {
        proc.kill('SIGKILL');
        throw err;
      });
    },
  };
}

/** Mints a token with `parley token USER`. */
export function mintToken(user) {
  return new Promise((resolve, reject) => {
    execFile(BINARY, ['token', user, '--jwt-secret', SECRET], { timeout: 10000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`parley token ${user} failed: ${err.message} ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** A REST call; resolves with {status, body}. */
export async function api(base, token, method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The hello frame of a raw connection (to see what the server supports). */
export async function rawHello(wsUrl, token, timeoutMs = 5000) {
  const ws = new WebSocket(wsUrl, ['parley', token]);
  try {
    return await withTimeout(
      new Promise((resolve, reject) => {
        ws.onmessage = (ev) => resolve(JSON.parse(ev.data));
        ws.onclose = (ev) => reject(new Error(`closed before hello (${ev.code})`));
      }),
      timeoutMs,
      'hello',
    );
  } finally {
    ws.close();
  }
}

/**
 * A WebSocket class for the client whose network can be cut: while
 * `offline`, new connections go to a closed port (refused) and cut() drops
 * every open socket abruptly from the client's side.
 */
export function flakyWebSocket() {
  const net = { offline: false, sockets: new Set() };
  class FlakyWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(net.offline ? 'ws://127.0.0.1:1/ws' : url, protocols);
      net.sockets.add(this);
      this.addEventListener('close', () => net.sockets.delete(this));
    }
  }
  net.WebSocket = FlakyWebSocket;
  net.cut = () => {
    net.offline = true;
    for (const ws of net.sockets) ws.close(4999, 'simulated network loss');
  };
  net.restore = () => {
    net.offline = false;
  };
  return net;
}
