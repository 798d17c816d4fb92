// The outbox (events waiting to be sent) and the dead-letter queue (events that could not be sent).
import { api } from './api.js';
import { byId, confirmAction, el, fmtInt, fmtTime, panelError, runAction, setPill, setText } from './dom.js';
import { eventItem } from './events.js';

const DLQ_SHOWN = 10;
let afterChange = () => {};

export async function refreshOutbox() {
  try {
    const status = await api('/api/stream/outbox/status');
    panelError('outbox', null);
    setText('outbox-pending-events', fmtInt(status.pending_events));
    setText('outbox-claimed-events', fmtInt(status.claimed_events));
    setText('outbox-sent-events', fmtInt(status.sent_events));
    setText('outbox-oldest', status.oldest_pending_event_time ? fmtTime(status.oldest_pending_event_time) : 'nothing pending');
    byId('outbox-pending').textContent = `${fmtInt(status.pending_events)} pending`;
  } catch (error) {
    panelError('outbox', error);
  }
}

export async function refreshDeadLetters() {
  try {
    const [summary, page] = await Promise.all([api('/api/stream/dlq/summary'), api(`/api/stream/dlq?page=1&page_size=${DLQ_SHOWN}`)]);
    panelError('dlq', null);
    setPill('dlq-total', summary.total > 0 ? 'degraded' : 'ok', `${fmtInt(summary.total)} dead-lettered`);
    byId('dlq-by-error').replaceChildren(...Object.entries(summary.by_error_type).map(([kind, count]) => el('li', { text: `${kind}: ${fmtInt(count)}` })));
    const list = byId('dlq-list');
    if (page.events.length === 0) {
      list.replaceChildren(el('li', { className: 'muted', text: 'No dead letters.' }));
    } else {
      // Keep the letter an operator opened open while the list refreshes.
      const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.parentElement?.dataset.letterId));
      list.replaceChildren(
        ...page.events.map((letter) => {
          const item = eventItem(letter.event, [letter.error_type, `retries ${letter.retry_count}`, letter.error]);
          item.dataset.letterId = letter.id;
          if (open.has(letter.id)) item.querySelector('details')?.setAttribute('open', '');
          return item;
        }),
      );
      if (page.count > page.events.length) list.append(el('li', { className: 'muted', text: `…and ${fmtInt(page.count - page.events.length)} more` }));
    }
    byId('dlq-retry').disabled = summary.total === 0;
    byId('dlq-clear').disabled = summary.total === 0;
  } catch (error) {
    panelError('dlq', error);
  }
}

async function previewOutbox(button) {
  const list = byId('outbox-preview-list');
  if (!list.hidden) {
    list.hidden = true;
    button.textContent = 'Preview';
    return;
  }
  const result = await runAction(
    button,
    'outbox-message',
    () => api('/api/stream/outbox/preview?limit=10'),
    (r) => `The next ${r.count} events waiting`,
  );
  if (!result) return;
  list.replaceChildren(
    ...(result.events.length ? result.events.map((event) => eventItem(event)) : [el('li', { className: 'muted', text: 'The outbox is empty.' })]),
  );
  list.hidden = false;
  button.textContent = 'Hide preview';
}

export function setupOutbox(onChange) {
  afterChange = onChange;
  byId('outbox-drain').addEventListener('click', async (event) => {
    await runAction(
      event.currentTarget,
      'outbox-message',
      () => api('/api/stream/outbox/drain', { method: 'POST', body: {} }),
      (r) => (r.error ? `Sent ${fmtInt(r.sent)}, ${fmtInt(r.failed)} failed: ${r.error}` : `Sent ${fmtInt(r.sent)} events in ${fmtInt(r.batches)} batches`),
    );
    afterChange();
  });
  byId('outbox-preview').addEventListener('click', (event) => void previewOutbox(event.currentTarget));
  byId('outbox-clear').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    const sure = await confirmAction({
      title: 'Clear the outbox?',
      text: 'Every event waiting to be sent is deleted. Streaming continues with nothing left to send.',
      confirm: 'Clear outbox',
    });
    if (!sure) return;
    await runAction(
      button,
      'outbox-message',
      () => api('/api/stream/outbox/clear', { method: 'DELETE' }),
      (r) => `Cleared (${fmtInt(r.deleted_chunks)} chunks)`,
    );
    afterChange();
  });
  byId('dlq-retry').addEventListener('click', async (event) => {
    await runAction(
      event.currentTarget,
      'dlq-message',
      () => api('/api/stream/dlq/retry', { method: 'POST', body: {} }),
      (r) => `${fmtInt(r.retried)} events queued again in the outbox`,
    );
    afterChange();
  });
  byId('dlq-clear').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    const sure = await confirmAction({ title: 'Clear the dead-letter queue?', text: 'Every dead-lettered event is deleted for good.', confirm: 'Clear DLQ' });
    if (!sure) return;
    await runAction(
      button,
      'dlq-message',
      () => api('/api/stream/dlq', { method: 'DELETE' }),
      (r) => `Deleted ${fmtInt(r.deleted)} dead letters`,
    );
    afterChange();
  });
}
