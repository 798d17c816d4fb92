// Supply-chain disruptions: create (type, target, severity, duration, products), list with cancel, clear all.
// An app without the disruption API (404 on the list) says so plainly instead of showing an empty list.
import { api } from './api.js';
import { byId, el, fmtInt, fmtTime, panelError, runAction, say, showFieldErrors } from './dom.js';

const TARGET_LABELS = { dc_outage: 'DC id', weather_delay: 'DC id', inventory_shortage: 'Store id', truck_breakdown: 'Truck id' };
let available = true;
let afterChange = () => {};

function setAvailable(value, reason) {
  available = value;
  const notice = byId('disruptions-unavailable');
  notice.hidden = value;
  notice.textContent = value ? '' : reason;
  for (const control of byId('disruption-form').querySelectorAll('input, select, button')) control.disabled = !value;
}

function renderList(disruptions) {
  byId('disruptions-count').textContent = `${fmtInt(disruptions.length)} active`;
  const list = byId('disruption-list');
  if (disruptions.length === 0) {
    list.replaceChildren(el('li', { className: 'muted', text: 'No active disruptions.' }));
    return;
  }
  list.replaceChildren(
    ...disruptions.map((d) => {
      const label = `${d.disruption_type} · ${TARGET_LABELS[d.disruption_type] ?? 'target'} ${d.target_id} · severity ${d.severity}`;
      const products = Array.isArray(d.product_ids) && d.product_ids.length ? ` · products ${d.product_ids.join(', ')}` : '';
      const cancel = el('button', { className: 'danger', text: 'Cancel', attrs: { type: 'button', 'aria-label': `Cancel disruption ${d.id}` } });
      cancel.addEventListener('click', async () => {
        await runAction(
          cancel,
          'disruption-message',
          () => api(`/api/disruption/${encodeURIComponent(d.id)}`, { method: 'DELETE' }),
          () => `Disruption ${d.id} cancelled`,
        );
        afterChange();
      });
      return el(
        'li',
        { attrs: { 'data-disruption-id': d.id } },
        el('span', {}, el('strong', { text: label }), el('span', { className: 'muted', text: `${products} · until ${fmtTime(d.expires_at)}` })),
        cancel,
      );
    }),
  );
}

export async function refreshDisruptions() {
  // An app without the API will not grow one until it is redeployed (and the page reloaded): ask once.
  if (!available) return;
  try {
    const { disruptions } = await api('/api/disruption/list');
    panelError('disruptions', null);
    renderList(disruptions);
  } catch (error) {
    if (error.status === 404) {
      panelError('disruptions', null);
      setAvailable(false, 'Disruptions are not available in this version of the app (GET /api/disruption/list answered 404).');
      byId('disruption-list').replaceChildren();
      byId('disruptions-count').textContent = '';
      return;
    }
    panelError('disruptions', error);
  }
}

/** The form as the API expects it; product ids that are not whole numbers are refused here, by the field. */
function createRequest(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const number = (name) => (value(name) === '' ? undefined : Number(value(name)));
  const body = {
    disruption_type: value('disruption_type'),
    target_id: number('target_id'),
    severity: number('severity'),
    duration_minutes: number('duration_minutes'),
  };
  const products = value('product_ids');
  if (products) {
    const ids = products.split(/[\s,]+/).filter(Boolean);
    if (ids.some((id) => !/^\d+$/.test(id))) return { error: { field: 'product_ids', reason: 'product ids are whole numbers separated by commas' } };
    body.product_ids = ids.map(Number);
  }
  return { body };
}

async function create(form) {
  const { body, error } = createRequest(form);
  showFieldErrors(form, error ? [error] : []);
  if (error) {
    say('disruption-message', 'Check the highlighted field', 'bad');
    return;
  }
  const button = byId('disruption-create');
  button.disabled = true;
  say('disruption-message', 'Working…');
  try {
    const { disruption } = await api('/api/disruption/create', { method: 'POST', body });
    say('disruption-message', `Disruption ${disruption.id} created until ${fmtTime(disruption.expires_at)}`, 'ok');
    afterChange();
  } catch (failure) {
    const unclaimed = showFieldErrors(form, failure.errors ?? []);
    say('disruption-message', unclaimed.length || !(failure.errors ?? []).length ? failure.message : 'Check the highlighted fields', 'bad');
  } finally {
    button.disabled = !available;
  }
}

export function setupDisruptions(onChange) {
  afterChange = onChange;
  const form = /** @type {HTMLFormElement} */ (byId('disruption-form'));
  const type = form.elements.namedItem('disruption_type');
  type.addEventListener('change', () => (byId('disruption-target-label').textContent = TARGET_LABELS[type.value] ?? 'Target id'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void create(form);
  });
  byId('disruption-clear-all').addEventListener('click', async (event) => {
    await runAction(
      event.currentTarget,
      'disruption-message',
      () => api('/api/disruption/clear-all', { method: 'POST' }),
      (r) => `Cleared ${fmtInt(r.cleared)} disruptions`,
    );
    afterChange();
  });
}
