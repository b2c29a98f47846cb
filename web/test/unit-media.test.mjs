// Unit tests of web/media.js (no server, no browser): the upload request,
// its errors in words, the send body, and how a message is shown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  filesOf,
  formatBytes,
  imageBox,
  mediaPreview,
  mediaSendBody,
  mediaUrl,
  messageKindFor,
  precheckFile,
  renderPlan,
  sendUpload,
  uploadErrorText,
  uploadRequest,
} from '../media.js';

const PNG_UPLOAD = { media_id: 'md_1', url: '/api/media/md_1', name: 'cat.png', size: 48213, content_type: 'image/png', width: 640, height: 480 };

describe('upload request', () => {
  it('posts the raw file with its name in the query and the bearer token', () => {
    const file = { name: 'my cat & me?.png', type: 'image/png', size: 10 };
    const req = uploadRequest(file, 'tok.en');
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/api/media?name=my%20cat%20%26%20me%3F.png');
    assert.equal(req.headers.Authorization, 'Bearer tok.en');
    assert.equal(req.headers['Content-Type'], 'image/png');
    assert.equal(req.body, file);
    assert.equal(req.name, 'my cat & me?.png');
  });

  it('falls back to a generic type and name (the server sniffs the bytes anyway)', () => {
    const req = uploadRequest({ name: '', type: '', size: 3 }, 't');
    assert.equal(req.url, '/api/media?name=file');
    assert.equal(req.headers['Content-Type'], 'application/octet-stream');
  });

  it('refuses an empty file before uploading', () => {
    assert.match(precheckFile({ name: 'a.txt', size: 0 }), /“a\.txt” is empty/);
    assert.equal(precheckFile({ name: 'a.txt', size: 1 }), null);
    assert.ok(precheckFile(null));
  });
});

describe('upload errors in words', () => {
  it('413 names the limit from the server message', () => {
    const t = uploadErrorText(413, { error: { code: 'too_large', message: 'media is over 26214400 bytes' } }, 'big.pdf');
    assert.equal(t, '“big.pdf” is too large to send (the limit is 25 MB).');
    assert.equal(uploadErrorText(413, null, 'x'), '“x” is too large to send.');
  });

  it('415 says which types are allowed', () => {
    const t = uploadErrorText(415, { error: { code: 'unsupported_media_type', message: '...' } }, 'page.html');
    assert.match(t, /^“page\.html” cannot be sent: this type of file is not allowed\. You can send pictures \(PNG, JPEG, GIF, WebP\), PDF/);
  });

  it('network failures, rate limits, bad requests and the rest', () => {
    assert.match(uploadErrorText(0, null, 'a'), /connection failed/);
    assert.match(uploadErrorText(429, null, 'a'), /too many uploads/);
    assert.equal(uploadErrorText(400, { error: { code: 'bad_request', message: 'the upload is empty' } }, 'a'), '“a” could not be uploaded: the upload is empty.');
    assert.equal(uploadErrorText(503, { error: { code: 'unavailable' } }, 'a'), '“a” could not be uploaded (HTTP 503, unavailable).');
  });
});

describe('send body', () => {
  it('an image upload is sent as kind image with only media_id and name', () => {
    const body = mediaSendBody(PNG_UPLOAD, { clientMsgId: 'web-1' });
    assert.deepEqual(body, { client_msg_id: 'web-1', content: '', kind: 'image', media: { media_id: 'md_1', name: 'cat.png' } });
  });

  it('anything else is a file (also SVG, which the server never accepts as an image)', () => {
    assert.equal(messageKindFor({ content_type: 'application/pdf' }), 'file');
    assert.equal(messageKindFor({ content_type: 'text/plain; charset=utf-8' }), 'file');
    assert.equal(messageKindFor({ content_type: 'image/svg+xml' }), 'file');
    for (const t of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) assert.equal(messageKindFor({ content_type: t }), 'image');
    const body = mediaSendBody({ media_id: 'md_2', content_type: 'application/pdf' }, { clientMsgId: 'c', caption: 'the report' });
    assert.deepEqual(body, { client_msg_id: 'c', content: 'the report', kind: 'file', media: { media_id: 'md_2' } });
  });

  it('the download URL is built from media_id with the token in the query', () => {
    assert.equal(mediaUrl({ media_id: 'md_1', url: 'https://evil.example/x' }, 'a.b+c'), '/api/media/md_1?token=a.b%2Bc');
    assert.equal(mediaUrl({ media_id: '../x?y' }, 't'), '/api/media/..%2Fx%3Fy?token=t');
  });
});

describe('how a message is shown', () => {
  const msg = (over) => ({ kind: 'text', content: '', deleted: false, ...over });

  it('text, and image/file messages without media (older clients), are text', () => {
    assert.deepEqual(renderPlan(msg({ content: 'hi' })), { type: 'text' });
    assert.deepEqual(renderPlan(msg({ kind: 'image', content: 'http://x/cat.png' })), { type: 'text' });
    assert.deepEqual(renderPlan(msg({ kind: 'file', media: {} })), { type: 'text' });
    // media on a text message is ignored (the server refuses it anyway)
    assert.deepEqual(renderPlan(msg({ media: PNG_UPLOAD })), { type: 'text' });
  });

  it('deleted wins over everything', () => {
    assert.deepEqual(renderPlan(msg({ kind: 'image', media: PNG_UPLOAD, deleted: true })), { type: 'deleted' });
  });

  it('an image message is an inline picture, scaled to fit 320x320 keeping its ratio', () => {
    const plan = renderPlan(msg({ kind: 'image', content: 'look', media: PNG_UPLOAD }));
    assert.equal(plan.type, 'image');
    assert.equal(plan.name, 'cat.png');
    assert.equal(plan.caption, 'look');
    assert.deepEqual([plan.width, plan.height], [320, 240]);
    const noSize = renderPlan(msg({ kind: 'image', media: { media_id: 'md_3' } }));
    assert.deepEqual([noSize.type, noSize.width, noSize.height, noSize.name], ['image', null, null, 'file']);
  });

  it('an image message whose upload is not a raster picture is offered as a file', () => {
    const plan = renderPlan(msg({ kind: 'image', media: { media_id: 'md_4', name: 'x.svg', content_type: 'image/svg+xml', size: 10 } }));
    assert.equal(plan.type, 'file');
  });

  it('a file message is a download link with name and size', () => {
    const plan = renderPlan(msg({ kind: 'file', media: { media_id: 'md_5', name: 'report.pdf', size: 2048, content_type: 'application/pdf' } }));
    assert.deepEqual(plan, { type: 'file', media: plan.media, name: 'report.pdf', size: 2048, contentType: 'application/pdf', caption: '' });
  });

  it('previews for the list', () => {
    assert.equal(mediaPreview(msg({ kind: 'image', media: PNG_UPLOAD })), 'Photo (cat.png)');
    assert.equal(mediaPreview(msg({ kind: 'image', content: 'look', media: PNG_UPLOAD })), 'look');
    assert.equal(mediaPreview(msg({ kind: 'file', media: { media_id: 'm', name: 'a.pdf' } })), 'File: a.pdf');
    assert.equal(mediaPreview(msg({ content: 'hi' })), null);
  });

  it('image boxes and byte sizes', () => {
    assert.deepEqual(imageBox(100, 50), { width: 100, height: 50 });
    assert.deepEqual(imageBox(1000, 4000), { width: 80, height: 320 });
    assert.equal(imageBox(0, 10), null);
    assert.equal(imageBox(undefined, 10), null);
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(48213), '47 KB');
    assert.equal(formatBytes(25 * 1024 * 1024), '25 MB');
    assert.equal(formatBytes(-1), '');
  });

  it('files of a drop or a paste', () => {
    const f = { name: 'a' };
    assert.deepEqual(filesOf({ files: [f] }), [f]);
    assert.deepEqual(filesOf({ files: [], items: [{ kind: 'string' }, { kind: 'file', getAsFile: () => f }] }), [f]);
    assert.deepEqual(filesOf(null), []);
  });
});

describe('sendUpload (XMLHttpRequest)', () => {
  class FakeXHR {
    static last = null;
    constructor() {
      this.headers = {};
      this.upload = {};
      FakeXHR.last = this;
    }
    open(method, url) {
      Object.assign(this, { method, url });
    }
    setRequestHeader(k, v) {
      this.headers[k] = v;
    }
    send(body) {
      this.body = body;
    }
    abort() {
      this.onabort?.();
    }
    answer(status, text) {
      this.status = status;
      this.responseText = text;
      this.onload();
    }
  }

  it('sends the request, reports progress and resolves with the parsed answer', async () => {
    const seen = [];
    const req = uploadRequest({ name: 'cat.png', type: 'image/png', size: 4 }, 'tok');
    const p = sendUpload(req, { XHR: FakeXHR, onProgress: (f) => seen.push(f) });
    const x = FakeXHR.last;
    assert.deepEqual([x.method, x.url, x.headers.Authorization, x.body], ['POST', '/api/media?name=cat.png', 'Bearer tok', req.body]);
    x.upload.onprogress({ lengthComputable: true, loaded: 2, total: 4 });
    x.upload.onprogress({ lengthComputable: false, loaded: 3, total: 0 });
    x.answer(201, JSON.stringify(PNG_UPLOAD));
    assert.deepEqual(await p, { status: 201, body: PNG_UPLOAD });
    assert.deepEqual(seen, [0.5]);
  });

  it('a network error is status 0, an error body is parsed, an abort says so', async () => {
    let p = sendUpload(uploadRequest({ name: 'a', size: 1 }, 't'), { XHR: FakeXHR });
    FakeXHR.last.onerror();
    assert.deepEqual(await p, { status: 0, body: null });
    p = sendUpload(uploadRequest({ name: 'a', size: 1 }, 't'), { XHR: FakeXHR });
    FakeXHR.last.answer(415, '{"error":{"code":"unsupported_media_type","message":"no"}}');
    assert.equal((await p).body.error.code, 'unsupported_media_type');
    const ac = new AbortController();
    p = sendUpload(uploadRequest({ name: 'a', size: 1 }, 't'), { XHR: FakeXHR, signal: ac.signal });
    ac.abort();
    assert.equal((await p).aborted, true);
  });
});
