// Modal dialogs (native <dialog>: focus stays inside, Escape closes).
import { h } from './dom.js';
import { USER_ID_RE } from '../api.js';

function dialogShell(labelId, ...children) {
  const d = h('dialog', { class: 'dialog', 'aria-labelledby': labelId }, ...children);
  d.addEventListener('close', () => d.remove());
  // A click on the backdrop (outside the box) closes it.
  d.addEventListener('click', (ev) => {
    if (ev.target === d) d.close();
  });
  return d;
}

/**
 * New direct or group chat.
 * @param {{create: ({type, name, members}) => Promise<string>, onCreated: (id) => void, me: string, returnFocus?: HTMLElement}} opts
 */
export function openNewChatDialog({ create, onCreated, me, returnFocus }) {
  const error = h('p', { class: 'form-error', role: 'alert', id: 'new-chat-error' });
  const direct = h('input', { type: 'radio', name: 'type', value: 'direct', id: 'new-chat-direct', checked: true });
  const group = h('input', { type: 'radio', name: 'type', value: 'group', id: 'new-chat-group' });
  const members = h('input', {
    id: 'new-chat-members',
    type: 'text',
    required: true,
    autocapitalize: 'none',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'new-chat-members-hint new-chat-error',
  });
  const membersLabel = h('label', { for: 'new-chat-members' }, 'Their user id');
  const membersHint = h('p', { class: 'hint', id: 'new-chat-members-hint' }, 'The id they sign in with, e.g. bob.');
  const name = h('input', { id: 'new-chat-name', type: 'text', maxlength: '200', autocomplete: 'off' });
  const nameField = h('div', { class: 'field', hidden: true }, h('label', { for: 'new-chat-name' }, 'Group name'), name);
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Start chat');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');

  const syncType = () => {
    const isGroup = group.checked;
    nameField.hidden = !isGroup;
    membersLabel.textContent = isGroup ? 'Members' : 'Their user id';
    membersHint.textContent = isGroup ? 'User ids separated by commas or spaces, e.g. bob, carol.' : 'The id they sign in with, e.g. bob.';
    submit.textContent = isGroup ? 'Create group' : 'Start chat';
  };
  direct.addEventListener('change', syncType);
  group.addEventListener('change', syncType);

  const form = h(
    'form',
    { method: 'dialog', class: 'dialog-form', novalidate: true },
    h('h2', { id: 'new-chat-title' }, 'New chat'),
    h(
      'fieldset',
      { class: 'segmented' },
      h('legend', {}, 'Kind'),
      h(
        'div',
        { class: 'segmented-options' },
        h('span', {}, direct, h('label', { for: 'new-chat-direct' }, 'Direct')),
        h('span', {}, group, h('label', { for: 'new-chat-group' }, 'Group')),
      ),
    ),
    h('div', { class: 'field' }, membersLabel, members, membersHint),
    nameField,
    error,
    h('div', { class: 'dialog-actions' }, cancel, submit),
  );
  const dialog = dialogShell('new-chat-title', form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => returnFocus?.focus());

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    const type = group.checked ? 'group' : 'direct';
    const ids = [...new Set(members.value.split(/[\s,;]+/).filter(Boolean))].filter((u) => u !== me);
    const bad = ids.find((u) => !USER_ID_RE.test(u));
    if (bad) return fail(`“${bad}” is not a valid user id (letters, digits and _ . @ : -).`);
    if (ids.length === 0) return fail(type === 'direct' ? 'Enter the user id of the person to chat with.' : 'Enter at least one member.');
    if (type === 'direct' && ids.length !== 1) return fail('A direct chat has exactly one other person. Choose Group for more.');
    submit.disabled = true;
    try {
      const id = await create({ type, name: name.value.trim() || undefined, members: ids });
      returnFocus = null;
      dialog.close();
      onCreated(id);
    } catch (err) {
      fail(`Could not create the chat: ${err?.message ?? err?.code ?? 'error'}`);
    } finally {
      submit.disabled = false;
    }
  });

  function fail(text) {
    error.textContent = text;
    members.focus();
  }

  document.body.append(dialog);
  dialog.showModal();
  members.focus();
  return dialog;
}

/** Edit / delete one of my messages. */
export function openMessageActions(message, { onEdit, onDelete, returnFocus }) {
  const preview = h('p', { class: 'action-preview' }, message.content);
  const edit = h('button', { type: 'button', class: 'btn' }, 'Edit');
  const del = h('button', { type: 'button', class: 'btn danger' }, 'Delete');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const question = h('p', { class: 'confirm', hidden: true }, 'Delete this message for everyone? This cannot be undone.');
  const dialog = dialogShell('msg-actions-title', h('div', { class: 'dialog-form' }, h('h2', { id: 'msg-actions-title' }, 'Your message'), preview, question, h('div', { class: 'dialog-actions' }, cancel, edit, del)));
  let after = null;
  dialog.addEventListener('close', () => {
    if (after) after();
    else returnFocus?.focus();
  });
  cancel.addEventListener('click', () => dialog.close());
  edit.addEventListener('click', () => {
    after = onEdit;
    dialog.close();
  });
  del.addEventListener('click', () => {
    if (question.hidden) {
      question.hidden = false;
      edit.hidden = true;
      del.textContent = 'Delete for everyone';
      del.focus();
      return;
    }
    after = () => {
      onDelete();
      returnFocus?.isConnected ? returnFocus.focus() : document.getElementById('composer-input')?.focus();
    };
    dialog.close();
  });
  document.body.append(dialog);
  dialog.showModal();
  edit.focus();
  return dialog;
}
