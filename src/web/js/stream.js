// Streaming: status, start / pause / resume / stop with duration and rate, the events-per-second graph, the
// event-type distribution, and error rate with the circuit breaker's state.
import { api } from './api.js';
import { RateChart } from './chart.js';
import { byId, el, fmtDuration, fmtInt, fmtPercent, fmtRate, fmtTime, panelError, runAction, say, setPill, setText } from './dom.js';

let chart = null;
let lastStatus = null;
/** Called after a control changed something, so every panel refreshes at once instead of at its next tick. */
let afterChange = () => {};

export function isStreaming() {
  return lastStatus !== null && (lastStatus.status === 'running' || lastStatus.status === 'paused');
}

function numberField(form, name) {
  const input = form.elements.namedItem(name);
  if (input.value === '') return undefined;
  // Text that is not a number goes to the server as is, so its validation names the field.
  return Number.isFinite(input.valueAsNumber) ? input.valueAsNumber : input.value;
}

function startRequest() {
  const form = /** @type {HTMLFormElement} */ (byId('stream-form'));
  const body = {};
  for (const name of ['duration_minutes', 'emit_interval_ms', 'burst', 'late_event_ratio', 'max_lateness_seconds']) {
    const value = numberField(form, name);
    if (value !== undefined) body[name] = value;
  }
  // Speed and start time belong to the live clock; the paced default sends neither (the server refuses them).
  const mode = form.elements.namedItem('time_mode').value;
  if (mode === 'live') {
    body.time_mode = 'live';
    const speed = numberField(form, 'speed');
    if (speed !== undefined) body.speed = speed;
    const at = form.elements.namedItem('start_time_of_day').value.trim();
    if (at !== '') body.start_time_of_day = at;
  }
  const types = [...byId('stream-types-list').querySelectorAll('input:checked')].map((input) => input.value);
  if (types.length > 0) body.event_types = types;
  return body;
}

function fmtUtc(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : '–';
}

function renderButtons(status) {
  const state = status ? status.status : 'stopped';
  byId('stream-start').disabled = state === 'running' || state === 'paused';
  byId('stream-pause').disabled = state !== 'running';
  byId('stream-resume').disabled = state !== 'paused';
  byId('stream-stop').disabled = state === 'stopped';
}

function renderStatus(status) {
  lastStatus = status;
  setPill('stream-state', status.status);
  setText('stream-uptime', status.is_streaming ? fmtDuration(status.uptime_seconds) : '–');
  setText('stream-sent', fmtInt(status.events_sent));
  setText('stream-eps', fmtRate(status.events_per_second));
  setText('stream-day', status.day);
  setText('stream-clock', status.time_mode === 'live' ? `live × ${status.speed}` : 'paced');
  // Both in UTC, side by side: the simulated day's times are UTC, so local time would shift one and not the other.
  setText('stream-simulated', fmtUtc(status.simulated_time));
  setText('stream-wall', fmtUtc(status.wall_time));
  setText('stream-ends', !status.is_streaming ? '–' : status.ends_at ? fmtTime(status.ends_at) : 'when stopped');
  setText('stream-last', fmtTime(status.last_event_time));
  byId('eps-now').textContent = `${fmtRate(status.events_per_second)} /s`;
  if (status.error) say('stream-message', `Stream error: ${status.error}`, 'bad');
  renderButtons(status);
  chart?.push(Date.now() / 1000, status.events_per_second);
}

function renderEventTypes(statistics) {
  const counts = Object.entries(statistics.event_type_counts).sort((a, b) => b[1] - a[1]);
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  byId('types-total').textContent = total > 0 ? `${fmtInt(total)} sent, ${counts.length} types` : '';
  const list = byId('event-types');
  if (counts.length === 0) {
    list.replaceChildren(el('li', { className: 'muted', text: 'No events sent yet.' }));
    return;
  }
  const top = counts[0][1];
  list.replaceChildren(
    ...counts.map(([type, count]) => {
      const fill = el('span', { className: 'bar-fill' });
      fill.style.width = `${(count / top) * 100}%`;
      return el(
        'li',
        { className: 'bar-row', attrs: { 'data-type': type } },
        el('span', { className: 'name', text: type, title: type }),
        el('span', { className: 'bar-track' }, fill),
        el('span', { className: 'value', text: `${fmtInt(count)} · ${fmtPercent(count / total)}` }),
      );
    }),
  );
}

function renderErrors(statistics) {
  const attempted = statistics.events_sent_successfully + statistics.events_failed;
  setText('error-rate', attempted > 0 ? fmtPercent(statistics.events_failed / attempted) : '0%');
  setText('error-failed', fmtInt(statistics.events_failed));
  setText('error-connection', fmtInt(statistics.connection_failures));
  const kinds = Object.entries(statistics.error_counts).filter(([, count]) => count > 0);
  byId('error-counts').replaceChildren(...kinds.map(([kind, count]) => el('li', { text: `${kind}: ${fmtInt(count)}` })));
}

/** Fast refresh: status and statistics (the graph gets one sample per call). */
export async function refreshStream() {
  const [status, statistics] = await Promise.allSettled([api('/api/stream/status'), api('/api/stream/statistics')]);
  if (status.status === 'fulfilled') {
    panelError('stream', null);
    renderStatus(status.value);
  } else {
    panelError('stream', status.reason);
  }
  if (statistics.status === 'fulfilled') {
    panelError('statistics', null);
    renderEventTypes(statistics.value);
    renderErrors(statistics.value);
  } else {
    panelError('statistics', statistics.reason);
  }
}

/** Slow refresh: readiness (breaker state). 503 still carries the report, so it is shown, not treated as a failure. */
export async function refreshHealth() {
  try {
    const health = await api('/api/stream/health', { okStatuses: [503] });
    panelError('health', null);
    setPill('app-health', health.status);
    const breaker = health.checks.circuit_breaker ?? {};
    setPill('breaker-state', breaker.state ?? 'unknown', `breaker ${String(breaker.state ?? 'unknown').replace('_', '-')}`);
    setText('breaker-trips', fmtInt(breaker.trips));
    setText('breaker-failures', fmtInt(breaker.consecutive_failures));
  } catch (error) {
    panelError('health', error);
    setPill('app-health', 'error', 'health unknown');
  }
}

/** Rate defaults from the settings, shown as placeholders so an empty field visibly means "as configured". */
export function showStreamDefaults(config) {
  const form = /** @type {HTMLFormElement} */ (byId('stream-form'));
  form.elements.namedItem('emit_interval_ms').placeholder = String(config.realtime.emit_interval_ms);
  form.elements.namedItem('burst').placeholder = String(config.realtime.burst);
}

async function loadEventTypes() {
  const list = byId('stream-types-list');
  try {
    const { event_types: types } = await api('/api/stream/event-types');
    list.replaceChildren(
      ...types.map(({ name }) => el('label', { className: 'check' }, el('input', { attrs: { type: 'checkbox', value: name, name: 'event_types' } }), name)),
    );
  } catch (error) {
    list.replaceChildren(el('p', { className: 'error', text: `Could not load the event types: ${error.message}` }));
  }
  list.addEventListener('change', () => {
    const chosen = list.querySelectorAll('input:checked').length;
    byId('stream-types-count').textContent = chosen > 0 ? `(${chosen} chosen)` : '(all)';
  });
  byId('stream-types-count').textContent = '(all)';
}

export function setupStream(onChange) {
  afterChange = onChange;
  chart = new RateChart(byId('eps-chart'));
  renderButtons(null);
  void loadEventTypes();
  const control = async (button, path, body, describe) => {
    await runAction(button, 'stream-message', () => api(path, { method: 'POST', body }), describe);
    afterChange();
  };
  byId('stream-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void control(byId('stream-start'), '/api/stream/start', startRequest(), (result) => result.message);
  });
  byId('stream-pause').addEventListener('click', (event) => void control(event.currentTarget, '/api/stream/pause', undefined, (r) => r.message));
  byId('stream-resume').addEventListener('click', (event) => void control(event.currentTarget, '/api/stream/resume', undefined, (r) => r.message));
  byId('stream-stop').addEventListener('click', (event) => void control(event.currentTarget, '/api/stream/stop', undefined, (r) => r.message));
}
