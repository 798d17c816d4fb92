// Table tiles: every dimension and fact table with its row count (live from the running job), and a preview
// of its first rows on click.
import { api } from './api.js';
import { byId, el, fmtBytes, fmtInt, fmtTime, panelError } from './dom.js';
import { currentJob } from './jobs.js';

const PREVIEW_ROWS = 20;

function tile(table, job) {
  const live = job && !['completed', 'failed', 'cancelled'].includes(job.status) ? job.tables[table.name] : undefined;
  const rows = live ? live.rows : table.rows;
  const meta = live
    ? `generating… ${Math.round(live.progress * 100)}%`
    : table.rows > 0
      ? `${fmtBytes(table.bytes)} · ${table.files} file${table.files === 1 ? '' : 's'}`
      : 'empty';
  const button = el(
    'button',
    {
      className: `tile${live ? ' generating' : ''}${rows === 0 ? ' empty' : ''}`,
      attrs: { type: 'button', 'data-table': table.name, 'aria-label': `${table.name}: ${fmtInt(rows)} rows; show a preview` },
      title: table.updated_at ? `Updated ${fmtTime(table.updated_at)}` : undefined,
      on: { click: () => void openPreview(table.name) },
    },
    el('span', { className: 'tile-name', text: table.name }),
    el('span', { className: 'tile-count', text: fmtInt(rows) }),
    el('span', { className: 'tile-meta', text: `${table.table_type} · ${meta}` }),
  );
  return el('li', {}, button);
}

let lastTables = [];

/** Draws the tiles from the last table list and the job's live counts (called on every job update too). */
export function renderTiles() {
  const job = currentJob();
  byId('table-tiles').replaceChildren(...lastTables.map((table) => tile(table, job)));
  const total = lastTables.reduce((sum, table) => sum + table.rows, 0);
  byId('tables-total').textContent = `${fmtInt(total)} rows in ${lastTables.filter((t) => t.rows > 0).length} of ${lastTables.length} tables`;
}

export async function refreshTables() {
  try {
    lastTables = (await api('/api/generators/tables')).tables;
    panelError('tables', null);
    renderTiles();
  } catch (error) {
    panelError('tables', error);
  }
}

function renderPreview(preview) {
  const head = el('tr', {}, ...preview.columns.map((column) => el('th', { text: column, attrs: { scope: 'col' } })));
  const body = preview.preview_rows.map((row) =>
    el(
      'tr',
      {},
      ...preview.columns.map((column) =>
        el('td', {
          text: row[column] === null || row[column] === undefined ? '' : typeof row[column] === 'object' ? JSON.stringify(row[column]) : row[column],
        }),
      ),
    ),
  );
  byId('preview-table').replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
  const partition = preview.date_partition ? `, from the ${preview.date_partition} partition` : '';
  byId('preview-info').textContent =
    preview.preview_rows.length === 0
      ? 'This table has no rows yet.'
      : `First ${fmtInt(preview.preview_rows.length)} of ${fmtInt(preview.row_count)} rows${partition}.`;
}

async function openPreview(name) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('preview-dialog'));
  byId('preview-title').textContent = name;
  byId('preview-info').textContent = 'Loading…';
  byId('preview-table').replaceChildren();
  panelError('preview', null);
  if (!dialog.open) dialog.showModal();
  try {
    renderPreview(await api(`/api/generators/tables/${encodeURIComponent(name)}/preview?limit=${PREVIEW_ROWS}`));
  } catch (error) {
    byId('preview-info').textContent = '';
    panelError('preview', error);
  }
}

export function setupTables() {
  const dialog = /** @type {HTMLDialogElement} */ (byId('preview-dialog'));
  byId('preview-close').addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
}
