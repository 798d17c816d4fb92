// Settings: a form built from the app's own OpenAPI document (the same zod schemas that validate PUT
// /api/stream/config), so every setting, type and bound shown here is the server's. Only changed fields are
// sent; the server's 400 errors are shown next to their fields. Also the connection summary and test, and
// "delete all data" behind a typed confirmation.
import { api } from './api.js';
import { byId, confirmAction, el, fmtInt, panelError, runAction, say, setPill, setText, showFieldErrors } from './dom.js';

const SECTIONS = [
  ['realtime', 'Streaming (realtime)', true],
  ['stream', 'Event Hub', true],
  ['historical', 'History', false],
  ['volume', 'Volume (master data and facts)', false],
];
const SECRET_FIELD = 'realtime.azure_connection_string';

let patchSchema = null;
let viewSchema = null;
let config = null;
let onConfig = () => {};
let afterChange = () => {};

const typesOf = (schema) => (Array.isArray(schema.type) ? schema.type : [schema.type]);

/** One input for one setting, with its help text and the holder for its errors. */
function field(path, schema, description) {
  const types = typesOf(schema);
  const nullable = types.includes('null');
  let input;
  if (types.includes('boolean')) {
    input = el('input', { attrs: { type: 'checkbox', name: path } });
  } else if (Array.isArray(schema.enum)) {
    input = el('select', { attrs: { name: path } }, ...schema.enum.map((option) => el('option', { text: option, attrs: { value: option } })));
  } else if (types.includes('integer') || types.includes('number')) {
    input = el('input', {
      attrs: {
        type: 'number',
        name: path,
        min: schema.minimum,
        max: schema.maximum,
        step: types.includes('integer') ? 1 : 'any',
        inputmode: types.includes('integer') ? 'numeric' : 'decimal',
      },
    });
  } else {
    input = el('input', { attrs: { type: 'text', name: path, autocomplete: 'off', spellcheck: 'false', maxlength: schema.maxLength } });
  }
  input.dataset.kind = types.includes('boolean') ? 'boolean' : types.includes('integer') || types.includes('number') ? 'number' : 'string';
  if (nullable) input.dataset.nullable = 'true';
  const bounds =
    schema.minimum !== undefined || schema.maximum !== undefined ? ` (${schema.minimum ?? schema.exclusiveMinimum ?? '…'}–${schema.maximum ?? '…'})` : '';
  const help = [description, nullable ? 'Empty clears it.' : ''].filter(Boolean).join(' ');
  const name = path.split('.').pop();
  const label = el(
    'label',
    { className: `${input.dataset.kind === 'boolean' ? 'check' : ''}${path === SECRET_FIELD ? ' full' : ''}`.trim() },
    input.dataset.kind === 'boolean' ? input : null,
    el('span', { text: `${name}${bounds}` }),
    input.dataset.kind === 'boolean' ? null : input,
    help ? el('span', { className: 'help', text: help }) : null,
    el('span', { className: 'field-error', attrs: { 'data-field': path, hidden: true } }),
  );
  return label;
}

function buildForm() {
  const sections = [];
  for (const [section, title, open] of SECTIONS) {
    const properties = patchSchema.properties[section]?.properties ?? {};
    const described = viewSchema.properties[section]?.properties ?? {};
    const fields = Object.entries(properties).map(([name, schema]) => field(`${section}.${name}`, schema, described[name]?.description ?? schema.description));
    sections.push(
      el(
        'details',
        { className: 'settings-section', attrs: { open, 'data-section': section } },
        el('summary', { text: title }),
        el('div', { className: 'settings-fields' }, ...fields),
      ),
    );
  }
  if (patchSchema.properties.seed) {
    const seed = field('seed', patchSchema.properties.seed, viewSchema.properties.seed?.description);
    sections.push(
      el(
        'details',
        { className: 'settings-section', attrs: { 'data-section': 'seed' } },
        el('summary', { text: 'Seed' }),
        el('div', { className: 'settings-fields' }, seed),
      ),
    );
  }
  byId('settings-sections').replaceChildren(...sections);
}

function valueAt(path) {
  return path.split('.').reduce((value, key) => (value === null || value === undefined ? undefined : value[key]), config);
}

function fillForm() {
  const form = /** @type {HTMLFormElement} */ (byId('settings-form'));
  for (const input of form.querySelectorAll('[name]')) {
    const value = valueAt(input.name);
    if (input.dataset.kind === 'boolean') input.checked = Boolean(value);
    else input.value = value === null || value === undefined ? '' : String(value);
  }
  showFieldErrors(form, []);
}

/** The changed fields as a partial update, or the fields the browser already knows are wrong. */
function collectPatch() {
  const form = /** @type {HTMLFormElement} */ (byId('settings-form'));
  const patch = {};
  const problems = [];
  let changed = 0;
  for (const input of form.querySelectorAll('[name]')) {
    const original = valueAt(input.name);
    let value;
    if (input.dataset.kind === 'boolean') {
      value = input.checked;
    } else if (input.validity.badInput) {
      // A number field holding text: the browser reports it as empty, so say what is wrong here.
      problems.push({ field: input.name, reason: 'not a number' });
      continue;
    } else if (input.value.trim() === '') {
      if (input.dataset.nullable !== 'true') {
        if (original !== undefined && original !== null) problems.push({ field: input.name, reason: 'a value is required' });
        continue;
      }
      value = null;
    } else if (input.dataset.kind === 'number') {
      value = Number(input.value);
    } else {
      value = input.value;
    }
    if (value === (original ?? null) || (value === null && original === undefined)) continue;
    const [section, name] = input.name.split('.');
    if (name === undefined) patch[section] = value;
    else (patch[section] ??= {})[name] = value;
    changed++;
  }
  return { patch, problems, changed };
}

function renderConnection() {
  const connection = config.connection;
  setPill('connection-sink', connection.sink === 'eventhubs' ? 'ok' : 'idle', connection.sink === 'eventhubs' ? 'Event Hubs' : 'Blob sink (local)');
  setText('connection-source', connection.source.replace('_', ' '));
  setText('connection-hub', connection.hub);
  setText('connection-namespace', connection.fully_qualified_namespace);
  // The API masks the key; this is shown exactly as received.
  setText('connection-string', connection.connection_string ?? 'none');
}

async function save(button) {
  const form = /** @type {HTMLFormElement} */ (byId('settings-form'));
  const { patch, problems, changed } = collectPatch();
  showFieldErrors(form, problems);
  if (problems.length > 0) return say('settings-message', 'Check the highlighted fields', 'bad');
  if (changed === 0) return say('settings-message', 'Nothing changed');
  button.disabled = true;
  say('settings-message', 'Saving…');
  try {
    config = await api('/api/stream/config', { method: 'PUT', body: patch });
    fillForm();
    renderConnection();
    onConfig(config);
    say('settings-message', `Saved ${fmtInt(changed)} setting${changed === 1 ? '' : 's'}`, 'ok');
  } catch (error) {
    const unclaimed = showFieldErrors(form, error.errors ?? []);
    const claimed = (error.errors ?? []).length - unclaimed.length;
    say(
      'settings-message',
      claimed > 0 && unclaimed.length === 0
        ? `Not saved: ${claimed === 1 ? 'one field needs' : `${claimed} fields need`} fixing`
        : `Not saved: ${error.message}`,
      'bad',
    );
  } finally {
    button.disabled = false;
  }
}

export async function loadSettings() {
  try {
    if (!patchSchema) {
      const document = await api('/api/openapi.json');
      patchSchema = document.components.schemas.StreamConfigPatch;
      viewSchema = document.components.schemas.StreamConfig;
      buildForm();
    }
    config = await api('/api/stream/config');
    panelError('settings', null);
    panelError('connection', null);
    fillForm();
    renderConnection();
    onConfig(config);
  } catch (error) {
    panelError('settings', error);
    panelError('connection', error);
  }
}

export function setupSettings(onConfigLoaded, onChange) {
  onConfig = onConfigLoaded;
  afterChange = onChange;
  byId('settings-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void save(byId('settings-save'));
  });
  byId('settings-reset').addEventListener('click', () => {
    if (config) fillForm();
    say('settings-message', '');
  });
  byId('connection-test').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    say('connection-result', 'Testing…');
    try {
      const result = await api('/api/stream/test', { method: 'POST' });
      const details = Object.entries(result.details ?? {})
        .map(([key, value]) => `${key}: ${value}`)
        .join(', ');
      say('connection-result', `${result.message} (${result.response_time_ms} ms${details ? `; ${details}` : ''})`, result.success ? 'ok' : 'bad');
    } catch (error) {
      say('connection-result', error.message, 'bad');
    } finally {
      button.disabled = false;
    }
  });
  byId('delete-all').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    const sure = await confirmAction({
      title: 'Delete all generated data?',
      text: 'Every master and fact table and the generation state are deleted. Settings are kept. This cannot be undone.',
      confirm: 'Delete everything',
      typed: 'DELETE',
    });
    if (!sure) return;
    await runAction(
      button,
      'delete-message',
      () => api('/api/generators/data?confirm=DELETE-ALL-DATA', { method: 'DELETE' }),
      (r) => r.message,
    );
    afterChange();
  });
}
