// Test support: the real server, headless Chromium through playwright-core,
// and polling waits (every wait has a timeout; no bare sleeps).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = path.join(WEB_ROOT, 'test', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the end-to-end tests cannot run here, or null. */
export function skipReason() {
  const bin = process.env.PARLEY_BINARY;
  if (!bin) return 'PARLEY_BINARY is not set (build the server, then PARLEY_BINARY=/path/to/parley npm test)';
  if (!fs.existsSync(bin)) return `PARLEY_BINARY=${bin} does not exist`;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  return null;
}

/**
 * Starts `parley serve --dev --web-root web/` (webRoot null: the files
 * embedded in the binary) on a free port and a fresh data directory. Resolves with {baseUrl, stop(), logs()} once it prints
 * `listening on HOST:PORT`.
 */
export async function startServer({ webRoot = WEB_ROOT, extraArgs = [], timeoutMs = 15000 } = {}) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-test-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', data, '--dev', '--presence-debounce-ms', '1000', ...extraArgs];
  if (webRoot) args.push('--web-root', webRoot);
  const child = spawn(process.env.PARLEY_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d) => {
    out += d;
    if (out.length > 200000) out = out.slice(-100000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not print "listening on" within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /listening on ([^\s:]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}:${m[2]}`);
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    baseUrl,
    logs: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * Headless Chromium (the system one: no browser download). playwright-core
 * gives each launch a fresh temporary --user-data-dir of its own (it refuses
 * the flag in `args`) and removes it on close.
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/**
 * Polls `fn` until it returns a truthy value (returned) or the timeout
 * passes (throws with `message` and the last value or error).
 */
export async function until(fn, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `; last error: ${lastError.message}` : `; last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${detail}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Collects console messages and page errors of a page. */
export function watchConsole(page, sink) {
  page.on('console', (msg) => sink.push({ type: msg.type(), text: msg.text() }));
  page.on('pageerror', (err) => sink.push({ type: 'pageerror', text: String(err?.stack ?? err) }));
}

export function screenshotPath(name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}
