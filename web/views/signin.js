// The sign-in screen: by name on a server started with --dev, or by pasting a token.
import { h } from './dom.js';
import { devSignInAvailable, devToken, sessionFromToken, USER_ID_RE } from '../api.js';

/**
 * @param {HTMLElement} root
 * @param {{onSignedIn: (session) => void, message?: string, preferToken?: boolean}} opts
 *   preferToken: open the token form (the user signed in with a token before)
 */
export function renderSignIn(root, { onSignedIn, message, preferToken = false }) {
  const error = h('p', { class: 'form-error', id: 'signin-error', role: 'alert' });
  if (message) error.textContent = message;

  const showError = (text) => {
    error.textContent = text;
  };

  // --- by name (dev)
  const nameInput = h('input', {
    id: 'signin-name',
    name: 'user_id',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    maxlength: '128',
    pattern: '[A-Za-z0-9_.@:\\-]{1,128}',
    'aria-describedby': 'signin-name-hint signin-error',
  });
  const nameButton = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  const devForm = h(
    'form',
    { class: 'signin-form', 'aria-labelledby': 'signin-dev-title', hidden: true, novalidate: true },
    h('h2', { id: 'signin-dev-title', class: 'form-title' }, 'Pick a name'),
    h('label', { for: 'signin-name' }, 'Your name'),
    nameInput,
    h('p', { id: 'signin-name-hint', class: 'hint' }, 'Letters, digits and _ . @ : - (development server: no password).'),
    nameButton,
  );
  devForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const userId = nameInput.value.trim();
    if (!USER_ID_RE.test(userId)) {
      showError('Use 1-128 letters, digits or _ . @ : - for your name.');
      nameInput.focus();
      return;
    }
    nameButton.disabled = true;
    showError('');
    try {
      onSignedIn(await devToken(userId));
    } catch (err) {
      showError(err.message);
      if (err.code === 'dev_disabled') {
        devForm.hidden = true;
        tokenDetails.open = true;
        tokenInput.focus();
      }
    } finally {
      nameButton.disabled = false;
    }
  });

  // --- by token
  const tokenInput = h('textarea', {
    id: 'signin-token',
    name: 'token',
    rows: '3',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'signin-token-hint signin-error',
  });
  const tokenForm = h(
    'form',
    { class: 'signin-form', novalidate: true },
    h('label', { for: 'signin-token' }, 'Access token'),
    tokenInput,
    h('p', { id: 'signin-token-hint', class: 'hint' }, 'A JWT from your administrator, e.g. printed by ', h('code', {}, 'parley token USER'), '.'),
    h('button', { type: 'submit', class: 'btn' }, 'Sign in with token'),
  );
  tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!tokenInput.value.trim()) {
      showError('Paste your access token first.');
      tokenInput.focus();
      return;
    }
    try {
      onSignedIn(sessionFromToken(tokenInput.value));
    } catch (err) {
      showError(err.message);
      tokenInput.focus();
    }
  });
  const tokenDetails = h('details', { class: 'token-details' }, h('summary', {}, 'Sign in with a token'), tokenForm);

  const card = h(
    'main',
    { id: 'main', class: 'signin', tabindex: '-1' },
    h(
      'div',
      { class: 'signin-card' },
      h('div', { class: 'brand-mark', 'aria-hidden': 'true' }, 'P'),
      h('h1', {}, 'Sign in to Parley'),
      h('p', { class: 'lead' }, 'Real-time chat: messages arrive once, in order, even after a bad connection.'),
      error,
      devForm,
      tokenDetails,
    ),
  );
  root.replaceChildren(card);
  root.setAttribute('aria-busy', 'false');
  document.title = 'Sign in · Parley';

  if (preferToken) tokenDetails.open = true;
  devSignInAvailable().then((dev) => {
    if (dev) {
      devForm.hidden = false;
      if (preferToken) tokenInput.focus();
      else nameInput.focus();
    } else {
      tokenDetails.open = true;
      if (dev === null) showError('Cannot reach the server. Check your connection and reload.');
      tokenInput.focus();
    }
  });
}
