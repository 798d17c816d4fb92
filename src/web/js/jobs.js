// Generating master data and history: the buttons, the generation state, and the progress of the job (bar,
// per-table rows and progress, ETA, cancel). A job that is already running when the page loads, or that
// someone else starts, is found through GET /api/generators/jobs/active and followed the same way.
import { api } from './api.js';
import { byId, confirmAction, el, fmtDuration, fmtInt, fmtTime, panelError, runAction, say, setPill, setText } from './dom.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const POLL_MS = 1000;

let state = null;
let job = null;
let followedId = null;
let afterChange = () => {};
let onProgress = () => {};

/** The job shown in the panel (possibly finished), for live table counts. */
export function currentJob() {
  return job;
}

const isActive = (candidate) => candidate !== null && !TERMINAL.has(candidate.status);

function renderButtons() {
  const busy = isActive(job);
  byId('generate-master').disabled = busy;
  byId('generate-history').disabled = busy || !(state && state.has_master_data);
  byId('generate-master').textContent = state && state.has_master_data ? 'Regenerate master data…' : 'Generate master data';
}

function renderState() {
  setText('state-master', state.has_master_data ? `generated ${fmtTime(state.master_generated_at)}` : 'not generated');
  setText('state-history', state.has_historical_data ? `${state.fact_start_date} to ${state.fact_end_date}` : 'none');
  setText('state-last-run', fmtTime(state.last_fact_run));
  setText('state-ready', state.can_start_realtime ? 'yes' : 'no: generate master data and history first');
  renderButtons();
}

/** Whole percent; 100% only once the job has completed, so a bar never claims to be done early. */
function percentOf(current) {
  if (current.status === 'completed') return 100;
  return Math.min(99, Math.floor(current.progress * 100));
}

function renderJob(current) {
  job = current;
  byId('job-idle').hidden = true;
  byId('job-body').hidden = false;
  byId('job-title').textContent = current.kind === 'master' ? 'Master data job' : 'Historical data job';
  byId('job-card').dataset.operationId = current.operation_id;
  setPill('job-status', current.status);
  const percent = percentOf(current);
  const bar = byId('job-progress');
  bar.className = `progress ${current.status}`;
  bar.setAttribute('aria-valuenow', String(percent));
  bar.dataset.status = current.status;
  /** @type {HTMLElement} */ (bar.querySelector('.progress-fill')).style.width = `${percent}%`;
  bar.querySelector('.progress-text').textContent = `${percent}%`;
  const request = current.request ?? {};
  const range = request.start_date ? ` (${request.start_date} to ${request.end_date})` : '';
  byId('job-message').textContent = `${current.message}${range}${current.error ? `: ${current.error}` : ''}`;
  byId('job-message').className = current.status === 'failed' ? 'message bad' : 'message';
  setText(
    'job-eta',
    TERMINAL.has(current.status)
      ? `finished ${fmtTime(current.finished_at)}`
      : current.eta_seconds === null
        ? 'estimating…'
        : `about ${fmtDuration(current.eta_seconds)}`,
  );
  setText('job-units', `${fmtInt(current.units_done)} of ${fmtInt(current.units_total)}`);
  const days = current.days ? Object.values(current.days) : [];
  const daysDone = days.filter((day) => day.done >= day.total).length;
  setText('job-day', current.current_day ? `${current.current_day}${days.length ? ` (${daysDone} of ${days.length} days done)` : ''}` : '–');
  byId('job-tables').replaceChildren(
    ...Object.entries(current.tables).map(([name, table]) => {
      const fill = el('span', { className: 'bar-fill' });
      fill.style.width = `${Math.round(table.progress * 100)}%`;
      return el(
        'tr',
        { attrs: { 'data-table': name } },
        el('td', { text: name, title: name }),
        el('td', { text: fmtInt(table.rows) }),
        el('td', { title: `${Math.round(table.progress * 100)}%` }, el('span', { className: 'bar-track' }, fill)),
      );
    }),
  );
  byId('job-cancel').hidden = TERMINAL.has(current.status);
  byId('job-cancel').disabled = current.cancel_requested;
  renderButtons();
  onProgress();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls one job until it ends (or another job is followed). */
async function follow(operationId) {
  if (followedId === operationId) return;
  followedId = operationId;
  while (followedId === operationId) {
    try {
      const current = await api(`/api/generators/jobs/${encodeURIComponent(operationId)}`);
      panelError('job', null);
      renderJob(current);
      if (TERMINAL.has(current.status)) break;
    } catch (error) {
      panelError('job', error);
      // Unknown job (data deleted) or no key: stop; the slow refresh finds the active job again.
      if (error.status === 404 || error.status === 401) break;
    }
    await sleep(POLL_MS);
  }
  if (followedId === operationId) {
    followedId = null;
    afterChange();
  }
}

/** Slow refresh: the generation state, and any job started elsewhere (re-attach). */
export async function refreshGeneration() {
  try {
    state = await api('/api/generators/state');
    panelError('state', null);
    renderState();
  } catch (error) {
    panelError('state', error);
  }
  if (followedId !== null) return;
  try {
    const { job: active } = await api('/api/generators/jobs/active');
    panelError('job', null);
    if (active) void follow(active.operation_id);
  } catch (error) {
    panelError('job', error);
  }
}

async function startMaster(button) {
  let force = false;
  if (state && state.has_master_data) {
    force = await confirmAction({
      title: 'Regenerate master data?',
      text: 'The six dimension tables are written again from the current seed and volume settings.',
      confirm: 'Regenerate',
    });
    if (!force) return;
  }
  const started = await runAction(
    button,
    'generate-message',
    () => api('/api/generators/master/start', { method: 'POST', body: { force } }),
    (r) => r.message,
  );
  if (started) void follow(started.operation_id);
}

async function startHistory(button) {
  const form = /** @type {HTMLFormElement} */ (byId('history-form'));
  const body = {};
  for (const name of ['start_date', 'end_date']) {
    const value = form.elements.namedItem(name).value;
    if (value) body[name] = value;
  }
  const started = await runAction(
    button,
    'generate-message',
    () => api('/api/generators/historical/start', { method: 'POST', body }),
    (r) => r.message,
  );
  if (started) void follow(started.operation_id);
}

/**
 * @param {() => void} onChange after a job ends: refresh everything
 * @param {() => void} onJobProgress after every job update: redraw what shows live counts
 */
export function setupJobs(onChange, onJobProgress) {
  afterChange = onChange;
  onProgress = onJobProgress;
  byId('generate-master').addEventListener('click', (event) => void startMaster(event.currentTarget));
  byId('history-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void startHistory(byId('generate-history'));
  });
  byId('job-cancel').addEventListener('click', async (event) => {
    if (!job) return;
    const cancelled = await runAction(
      event.currentTarget,
      'generate-message',
      () => api(`/api/generators/jobs/${encodeURIComponent(job.operation_id)}`, { method: 'DELETE' }),
      (r) => (r.status === 'cancelled' ? 'Job cancelled' : 'Cancelling: the job stops at its next checkpoint'),
    );
    if (cancelled) renderJob(cancelled);
  });
  say('generate-message', '');
}
