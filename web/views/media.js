// The media of a message in its bubble: an inline picture or a download
// link. Built from DOM nodes; names and captions only go through text.
import { h, icon } from './dom.js';
import { formatBytes } from '../media.js';

/**
 * Nodes for a message planned by renderPlan() as 'image' or 'file'.
 * url: the download URL (with the token in the query).
 */
export function mediaNodes(plan, url) {
  const out = [];
  if (plan.type === 'image') {
    const img = h('img', {
      class: 'media-image',
      src: url,
      alt: plan.name,
      loading: 'lazy',
      decoding: 'async',
      width: plan.width,
      height: plan.height,
      'data-testid': 'message-image',
    });
    const link = h('a', { class: 'media-image-link', href: url, target: '_blank', rel: 'noopener', 'aria-label': `Open picture ${plan.name}` }, img);
    // Gone (deleted, or no longer a member) or unreadable: say so instead of a broken picture.
    const missing = h('p', { class: 'text media-missing', hidden: true }, `Picture unavailable: ${plan.name}`);
    img.addEventListener('error', () => {
      link.hidden = true;
      missing.hidden = false;
    });
    out.push(link, missing);
  } else if (plan.type === 'file') {
    const details = [formatBytes(plan.size), typeLabel(plan.contentType)].filter(Boolean).join(' · ');
    out.push(
      h(
        'a',
        { class: 'media-file', href: url, download: plan.name, rel: 'noopener', 'data-testid': 'message-file' },
        icon('file', 'icon file-icon'),
        h('span', { class: 'media-file-text' }, h('span', { class: 'media-file-name' }, plan.name), details ? h('span', { class: 'media-file-size' }, details) : null),
        h('span', { class: 'visually-hidden' }, ', download'),
      ),
    );
  }
  if (plan.caption) out.push(h('p', { class: 'text', 'data-testid': 'message-text' }, plan.caption));
  return out;
}

function typeLabel(type) {
  if (!type) return '';
  if (type === 'application/pdf') return 'PDF';
  if (type.startsWith('text/plain')) return 'Text';
  if (type.startsWith('video/')) return 'Video';
  if (type.startsWith('audio/')) return 'Audio';
  if (type.startsWith('image/')) return 'Picture';
  return '';
}
