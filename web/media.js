// Media messages (docs/protocol.md, "Media"): the upload request, its errors
// in words, the send body, and how a message with media is shown. Pure logic
// (no DOM), so that Node can test it; the one side effect, the upload itself,
// takes its XMLHttpRequest as a parameter.

const enc = encodeURIComponent;

/** What the server accepts (it sniffs the bytes; this is only for the words of the 415 message). */
export const ALLOWED_TYPES_TEXT = 'pictures (PNG, JPEG, GIF, WebP), PDF, MP4, WebM, Ogg and plain text files';

/** Raster types an <img> shows; the server only marks these as images (never SVG). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * POST /api/media with the raw file as the body and its name in the query
 * (no multipart: the browser sends the File as is, and the server sniffs the
 * type whatever Content-Type says).
 */
export function uploadRequest(file, token) {
  const name = typeof file?.name === 'string' && file.name ? file.name : 'file';
  return {
    method: 'POST',
    url: `/api/media?name=${enc(name)}`,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': file?.type || 'application/octet-stream',
    },
    body: file,
    name,
  };
}

/** A file we refuse before uploading it, in words; null when it may go. */
export function precheckFile(file) {
  if (!file || typeof file.size !== 'number') return 'That is not a file.';
  if (file.size === 0) return `“${file.name || 'file'}” is empty.`;
  return null;
}

/** The server's error answer to an upload, for a person. status 0: no answer (network). */
export function uploadErrorText(status, body, name = 'file') {
  const quoted = `“${name}”`;
  const code = body?.error?.code;
  const message = typeof body?.error?.message === 'string' ? body.error.message : '';
  if (status === 413 || code === 'too_large') {
    const limit = /over (\d+) bytes/.exec(message);
    return `${quoted} is too large to send${limit ? ` (the limit is ${formatBytes(Number(limit[1]))})` : ''}.`;
  }
  if (status === 415 || code === 'unsupported_media_type') {
    return `${quoted} cannot be sent: this type of file is not allowed. You can send ${ALLOWED_TYPES_TEXT}.`;
  }
  if (status === 0) return `${quoted} could not be uploaded: the connection failed (or the file is too large for this server).`;
  if (status === 429 || code === 'rate_limited') return `${quoted} could not be uploaded: too many uploads, try again in a moment.`;
  if (status === 400 && message) return `${quoted} could not be uploaded: ${message}.`;
  return `${quoted} could not be uploaded (HTTP ${status}${code ? `, ${code}` : ''}).`;
}

/** The kind of the message that carries an upload: image for the raster types the server marks as images. */
export function messageKindFor(upload) {
  return IMAGE_TYPES.has(upload?.content_type) ? 'image' : 'file';
}

/**
 * The body of POST /api/conversations/{id}/messages (the send frame without
 * type): only media_id and name are read by the server, which fills size,
 * type and dimensions from its own record.
 */
export function mediaSendBody(upload, { clientMsgId, caption = '' }) {
  const media = { media_id: upload.media_id };
  if (typeof upload.name === 'string' && upload.name) media.name = upload.name;
  return { client_msg_id: clientMsgId, content: caption, kind: messageKindFor(upload), media };
}

/**
 * The download URL for <img src> and links: browsers send no Authorization
 * header there, so the token goes in the query (only this route accepts it).
 * Built from media_id, never from a URL found in a message.
 */
export function mediaUrl(media, token) {
  return `/api/media/${enc(media.media_id)}?token=${enc(token)}`;
}

/**
 * How to show a message:
 *   {type: 'deleted'}
 *   {type: 'image', media, width, height, caption}   an inline picture
 *   {type: 'file', media, name, size, caption}       a download link
 *   {type: 'text'}                                   content as text (also image/file
 *                                                    messages without media: older clients put a link in content)
 */
export function renderPlan(m) {
  if (m?.deleted) return { type: 'deleted' };
  const media = m?.media;
  const hasMedia = media && typeof media === 'object' && typeof media.media_id === 'string' && media.media_id !== '';
  if (!hasMedia || (m.kind !== 'image' && m.kind !== 'file')) return { type: 'text' };
  const caption = typeof m.content === 'string' ? m.content : '';
  const name = typeof media.name === 'string' && media.name ? media.name : 'file';
  const type = typeof media.content_type === 'string' ? media.content_type : '';
  // An image message whose upload is a picture; anything else is offered as a file.
  if (m.kind === 'image' && (type === '' || IMAGE_TYPES.has(type))) {
    const box = imageBox(media.width, media.height);
    return { type: 'image', media, name, caption, width: box?.width ?? null, height: box?.height ?? null };
  }
  return { type: 'file', media, name, size: Number.isFinite(media.size) ? media.size : null, contentType: type, caption };
}

/**
 * The size to show a picture at, from the message's width and height, so
 * that the history does not jump when it loads. null when unknown.
 */
export function imageBox(width, height, { maxWidth = 320, maxHeight = 320 } = {}) {
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) return null;
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** 48213 -> "47 KB". */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

/** One line for the conversation list and notifications: "Photo", "cat.pdf" (or the caption). */
export function mediaPreview(m) {
  const plan = renderPlan(m);
  if (plan.type === 'image') return plan.caption || `Photo${plan.name !== 'file' ? ` (${plan.name})` : ''}`;
  if (plan.type === 'file') return plan.caption || `File: ${plan.name}`;
  return null;
}

/** The files of a drop or a paste (a DataTransfer), if any. */
export function filesOf(dataTransfer) {
  if (!dataTransfer) return [];
  const files = [...(dataTransfer.files ?? [])];
  if (files.length) return files;
  const out = [];
  for (const item of dataTransfer.items ?? []) {
    if (item.kind === 'file') {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  return out;
}

/**
 * Sends an upload with XMLHttpRequest (fetch has no upload progress).
 * Resolves with {status, body} (body: parsed JSON or null; status 0 when
 * the request failed); never rejects. onProgress(fraction 0..1).
 */
export function sendUpload(req, { onProgress, XHR = globalThis.XMLHttpRequest, signal } = {}) {
  return new Promise((resolve) => {
    const xhr = new XHR();
    xhr.open(req.method, req.url);
    for (const [k, v] of Object.entries(req.headers)) xhr.setRequestHeader(k, v);
    xhr.responseType = 'text';
    if (onProgress && xhr.upload) {
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress(Math.min(1, ev.loaded / ev.total));
      };
    }
    const done = (status) => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status, body });
    };
    xhr.onload = () => done(xhr.status);
    xhr.onerror = () => done(0);
    xhr.ontimeout = () => done(0);
    xhr.onabort = () => resolve({ status: 0, body: null, aborted: true });
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(req.body);
  });
}
