// The function-key prompt. Shown when the app answers 401; the key is kept in this tab's session only.
import { functionKey, setFunctionKey } from './api.js';
import { byId } from './dom.js';

/**
 * @param {() => void} onKey called once the user has entered a key
 */
export function setupKeyPrompt(onKey) {
  byId('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('key-input'));
    const key = input.value.trim();
    if (!key) return;
    setFunctionKey(key);
    input.value = '';
    byId('key-panel').hidden = true;
    onKey();
  });
}

/** Hides the dashboard and asks for the key; a key that was already tried is forgotten and said to be wrong. */
export function askForKey() {
  const rejected = functionKey() !== null;
  setFunctionKey(null);
  byId('dashboard').hidden = true;
  byId('key-panel').hidden = false;
  const error = byId('key-error');
  error.hidden = !rejected;
  error.textContent = rejected ? 'The app did not accept that key. Check it and enter it again.' : '';
  byId('key-input').focus();
}
