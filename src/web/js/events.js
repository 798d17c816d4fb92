// The last 100 events sent, newest first, each expandable to its full JSON. Items are keyed by event_id and
// reused between refreshes, so an event the operator opened stays open while new ones arrive.
import { api } from './api.js';
import { byId, el, fmtInt, panelError } from './dom.js';

export const RECENT_LIMIT = 100;
let itemsById = new Map();

/** "2024-06-13T09:34:54.000Z" → "2024-06-13 09:34:54" (simulated time, shown as the event carries it). */
function shortTime(iso) {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '';
}

/**
 * One expandable event: a summary line and the JSON behind it.
 * @param {Record<string, any>} event an event envelope
 * @param {string[]} [extra] more summary fields (e.g. a dead letter's error)
 */
export function eventItem(event, extra = []) {
  const envelope = event && typeof event === 'object' ? event : { value: event };
  const summary = el(
    'summary',
    {},
    el('span', { className: 'time', text: shortTime(envelope.ingest_timestamp) }),
    el('span', { className: 'type', text: envelope.event_type ?? 'event' }),
    envelope.partition_key ? el('span', { className: 'key', text: envelope.partition_key }) : null,
    ...extra.map((text) => el('span', { className: 'key', text })),
  );
  return el('li', { attrs: { 'data-event-id': envelope.event_id } }, el('details', {}, summary, el('pre', { text: JSON.stringify(envelope, null, 2) })));
}

function render(events) {
  const list = byId('recent-events');
  byId('recent-count').textContent = events.length > 0 ? `${fmtInt(events.length)} newest first` : '';
  if (events.length === 0) {
    itemsById = new Map();
    list.replaceChildren(el('li', { className: 'muted', text: 'No events sent yet.' }));
    return;
  }
  const next = new Map();
  const items = events.map((event, index) => {
    // A retried event can appear twice; the index keeps the keys unique.
    let key = typeof event?.event_id === 'string' ? event.event_id : `#${index}`;
    if (next.has(key)) key = `${key}#${index}`;
    const item = itemsById.get(key) ?? eventItem(event);
    next.set(key, item);
    return item;
  });
  itemsById = next;
  list.replaceChildren(...items);
  list.dataset.first = events[0]?.event_id ?? '';
}

export async function refreshRecent() {
  try {
    const { events } = await api(`/api/stream/events/recent?limit=${RECENT_LIMIT}`);
    panelError('recent', null);
    render(events);
  } catch (error) {
    panelError('recent', error);
  }
}
