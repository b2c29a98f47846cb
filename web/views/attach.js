// Sending files: the composer's attach button, drag and drop onto the
// conversation, paste into the composer, and a tray above the composer with
// each upload's progress or error. Uploads go one after another so that the
// messages keep the order the files were given in.
import { h, icon } from './dom.js';
import { filesOf } from '../media.js';

/** @param {{chat, currentId: () => string|null}} ctx */
export function createAttachments(ctx) {
  const { chat } = ctx;
  const input = h('input', { type: 'file', multiple: true, hidden: true, tabindex: '-1', 'data-testid': 'attach-input' });
  const button = h('button', { type: 'button', class: 'icon-btn attach-btn', 'aria-label': 'Attach a file', title: 'Attach a file (or drop or paste one)' }, icon('attach'));
  const tray = h('ul', { class: 'upload-tray', 'aria-label': 'Uploads', 'data-testid': 'upload-tray', hidden: true });
  let queue = Promise.resolve();

  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    send([...input.files]);
    input.value = '';
  });

  function refreshTray() {
    const id = ctx.currentId();
    let visible = 0;
    for (const li of tray.children) {
      li.hidden = li.dataset.conversation !== id;
      if (!li.hidden) visible++;
    }
    tray.hidden = visible === 0;
  }

  function send(files) {
    const id = ctx.currentId();
    if (!id) return;
    for (const file of files) {
      const name = file.name || 'file';
      const controller = new AbortController();
      const progress = h('progress', { max: '1', value: '0', 'aria-label': `Uploading ${name}` });
      const cancel = h('button', { type: 'button', class: 'icon-btn small-icon', 'aria-label': `Cancel sending ${name}` }, icon('close'));
      const label = h('span', { class: 'upload-name' }, name);
      const li = h('li', { class: 'upload-item', 'data-conversation': id, 'data-testid': 'upload-item' }, label, progress, cancel);
      cancel.addEventListener('click', () => {
        controller.abort();
        li.remove();
        refreshTray();
      });
      tray.append(li);
      refreshTray();
      queue = queue.then(async () => {
        if (controller.signal.aborted) return;
        try {
          await chat.sendFile(id, file, { signal: controller.signal, onProgress: (f) => (progress.value = f) });
          li.remove();
        } catch (err) {
          showError(li, err?.message || `“${name}” could not be sent.`);
        }
        refreshTray();
      });
    }
  }

  function showError(li, text) {
    const dismiss = h('button', { type: 'button', class: 'btn small' }, 'Dismiss');
    dismiss.addEventListener('click', () => {
      li.remove();
      refreshTray();
      ctx.afterDismiss?.();
    });
    li.classList.add('error');
    li.replaceChildren(h('span', { class: 'upload-error', role: 'alert', 'data-testid': 'upload-error' }, icon('alert'), h('span', {}, text)), dismiss);
  }

  /** Files dragged over `el` are sent when dropped there. */
  function bindDropTarget(el) {
    let depth = 0;
    const hasFiles = (ev) => [...(ev.dataTransfer?.types ?? [])].includes('Files');
    el.addEventListener('dragenter', (ev) => {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      depth++;
      el.classList.add('dropping');
    });
    el.addEventListener('dragover', (ev) => {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
    });
    el.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) el.classList.remove('dropping');
    });
    el.addEventListener('drop', (ev) => {
      depth = 0;
      el.classList.remove('dropping');
      const files = filesOf(ev.dataTransfer);
      if (!files.length) return;
      ev.preventDefault();
      send(files);
    });
  }

  /** A paste into the composer: files are sent, text is left to the textarea. */
  function onPaste(ev) {
    const files = filesOf(ev.clipboardData);
    if (!files.length) return;
    ev.preventDefault();
    send(files);
  }

  return { button, input, tray, send, bindDropTarget, onPaste, refreshTray };
}
