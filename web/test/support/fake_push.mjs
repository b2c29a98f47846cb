// A fake Web Push service on loopback for the end-to-end test: it plays the
// browser's push service (headless Chromium has none), holding the
// subscription's keys, and decrypts what the server sends (RFC 8291,
// aes128gcm, RFC 8188) so that the test can hand the plaintext to the real
// service worker through the DevTools protocol.
import crypto from 'node:crypto';
import http from 'node:http';

const b64u = (buf) => Buffer.from(buf).toString('base64url');

export async function startFakePushService() {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = crypto.randomBytes(16);
  const received = []; // {path, headers, plaintext}
  const waiters = new Set();

  const decrypt = (body) => {
    const salt = body.subarray(0, 16);
    const idlen = body[20];
    const asPublic = body.subarray(21, 21 + idlen);
    const ciphertext = body.subarray(21 + idlen);
    const uaPublic = ecdh.getPublicKey();
    const secret = ecdh.computeSecret(asPublic);
    const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
    const ikm = Buffer.from(crypto.hkdfSync('sha256', secret, auth, keyInfo, 32));
    const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
    // The last record ends with the delimiter 0x02, then zero padding.
    const end = padded.lastIndexOf(2);
    return padded.subarray(0, end).toString('utf8');
  };

  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const entry = { path: req.url, headers: req.headers, plaintext: null, error: null };
      try {
        entry.plaintext = decrypt(Buffer.concat(parts));
      } catch (err) {
        entry.error = String(err?.message ?? err);
      }
      received.push(entry);
      for (const w of waiters) w();
      res.writeHead(201).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    endpoint: `http://127.0.0.1:${port}/push/subscription-1`,
    keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}
