// DOM helpers. All text from the app or the user goes in through textContent (never innerHTML), so data can
// never become markup.

/** @returns {HTMLElement} */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no element #${id}`);
  return element;
}

/**
 * Creates an element. props: className, text, title, attrs (attributes), on (event listeners).
 * Children may be nodes or strings (added as text).
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = String(props.text);
  if (props.title) element.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, listener] of Object.entries(props.on ?? {})) element.addEventListener(event, listener);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return element;
}

export function setText(id, value) {
  byId(id).textContent = value === null || value === undefined || value === '' ? '–' : String(value);
}

/** A status pill: the text and a class named after the status (colours in dashboard.css). */
export function setPill(id, status, text = status) {
  const pill = byId(id);
  pill.textContent = text;
  pill.className = `pill ${String(status).replace(/[^a-z_]/gi, '')}`;
}

/** Shows (or with null, hides) the error line of a panel: `<p class="error" data-error="name">`. */
export function panelError(name, error) {
  for (const line of document.querySelectorAll(`[data-error="${name}"]`)) {
    line.hidden = !error;
    line.textContent = error ? `Could not load: ${error.message}` : '';
  }
}

/** A one-line outcome under a control: ok (green), bad (red) or neutral. */
export function say(id, text, tone = '') {
  const line = byId(id);
  line.textContent = text;
  line.className = `message ${tone}`;
}

/**
 * Runs a control's action: the button is disabled meanwhile, the outcome is written to `messageId`, and a
 * failure is shown (never swallowed). Returns the action's result, or undefined if it failed.
 */
export async function runAction(button, messageId, action, describe) {
  button.disabled = true;
  say(messageId, 'Working…');
  try {
    const result = await action();
    say(messageId, describe ? describe(result) : 'Done', 'ok');
    return result;
  } catch (error) {
    say(messageId, error instanceof Error ? error.message : String(error), 'bad');
    return undefined;
  } finally {
    button.disabled = false;
  }
}

const integer = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function fmtInt(value) {
  return typeof value === 'number' && Number.isFinite(value) ? integer.format(value) : '–';
}

export function fmtRate(value) {
  return typeof value === 'number' && Number.isFinite(value) ? decimal.format(value) : '–';
}

export function fmtPercent(fraction) {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${decimal.format(fraction * 100)}%` : '–';
}

export function fmtDuration(totalSeconds) {
  if (typeof totalSeconds !== 'number' || !Number.isFinite(totalSeconds)) return '–';
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function fmtBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : decimal.format(value)} ${units[unit]}`;
}

/** Local date and time of an ISO timestamp (the operator's clock), or '–'. */
export function fmtTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/**
 * Asks before a destructive action. With `typed`, the user must type that word. Resolves true to go ahead.
 * @param {{title: string, text: string, confirm: string, typed?: string}} options
 */
export function confirmAction(options) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm-dialog'));
  const typedLabel = byId('confirm-typed-label');
  const typedInput = /** @type {HTMLInputElement} */ (byId('confirm-typed'));
  const ok = /** @type {HTMLButtonElement} */ (byId('confirm-ok'));
  byId('confirm-title').textContent = options.title;
  byId('confirm-text').textContent = options.text;
  ok.textContent = options.confirm;
  typedLabel.hidden = !options.typed;
  byId('confirm-word').textContent = options.typed ?? '';
  typedInput.value = '';
  const sync = () => (ok.disabled = Boolean(options.typed) && typedInput.value !== options.typed);
  typedInput.oninput = sync;
  sync();
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/**
 * Shows 400 errors next to their fields: each `[data-field="name"]` holder in the form gets the reasons for
 * that field (or a sub-path of it, e.g. `product_ids.2`) and its input is marked invalid. Returns the errors
 * no field in the form claims, for the form's own message line.
 * @param {HTMLElement} form
 * @param {{field: string, reason: string}[]} errors
 */
export function showFieldErrors(form, errors) {
  for (const holder of form.querySelectorAll('[data-field]')) {
    holder.hidden = true;
    holder.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const unclaimed = [];
  for (const error of errors) {
    const holders = [...form.querySelectorAll('[data-field]')];
    const holder = holders.find((h) => error.field === h.dataset.field || error.field.startsWith(`${h.dataset.field}.`));
    if (!holder) {
      unclaimed.push(error);
      continue;
    }
    holder.textContent = holder.textContent ? `${holder.textContent}; ${error.reason}` : error.reason;
    holder.hidden = false;
    holder.closest('label')?.querySelector('input, select')?.setAttribute('aria-invalid', 'true');
  }
  return unclaimed;
}
