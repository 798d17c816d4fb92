/** The event factory: every event validates against its schema, ids are unique and stable, order holds per partition. */
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, parseEvent } from '../../src/core/events/schemas.js';
import { smallDay as eventsFor } from '../support/small-day.js';

describe('event factory', () => {
  const events = eventsFor('2024-06-14');

  it('emits every event type with payloads that parse against their schemas', () => {
    const types = new Set(events.map((e) => e.envelope.event_type));
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    for (const event of events) parseEvent(JSON.parse(JSON.stringify(event.envelope)));
  });

  it('gives unique, reproducible ids', () => {
    const ids = events.map((e) => e.envelope.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventsFor('2024-06-14').map((e) => e.envelope.event_id)).toEqual(ids);
  });

  it('orders events by time, and a visit as entered → pings → receipt → lines → payment', () => {
    for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
    type Payload = Record<string, unknown>;
    // Every visit that ends in a sale, by its session: entered first, the visitor's pings, then the receipt,
    // its lines in line order right after it, and the payment last.
    const sessions = new Map<string, { type: string; payload: Payload; correlation?: string }[]>();
    for (const e of events) {
      const session = e.envelope.session_id;
      if (!session) continue;
      const list = sessions.get(session) ?? [];
      list.push({
        type: e.envelope.event_type,
        payload: e.envelope.payload as Payload,
        ...(e.envelope.correlation_id ? { correlation: e.envelope.correlation_id } : {}),
      });
      sessions.set(session, list);
    }
    let visits = 0;
    for (const [session, visit] of sessions) {
      const receipt = visit.findIndex((e) => e.type === 'receipt_created' && e.payload.receipt_type === 'SALE');
      if (receipt === -1 || visit[0]!.type !== 'customer_entered') continue;
      visits++;
      const types = visit.map((e) => e.type);
      const pings = types.flatMap((t, i) => (t === 'ble_ping_detected' ? [i] : []));
      expect(pings.length, `${session}: pings`).toBeGreaterThan(0);
      expect(types.lastIndexOf('customer_entered'), `${session}: entered once, first`).toBe(0);
      expect(pings.at(-1)!, `${session}: pings before the receipt`).toBeLessThan(receipt);
      const receiptId = visit[receipt]!.payload.receipt_id;
      const ofReceipt = visit.slice(receipt).filter((e) => e.payload.receipt_id === receiptId || e.correlation === receiptId);
      const lines = ofReceipt.filter((e) => e.type === 'receipt_line_added');
      expect(lines.length, `${session}: lines`).toBeGreaterThan(0);
      expect(
        ofReceipt.slice(1, 1 + lines.length).map((e) => e.type),
        `${session}: lines right after the receipt`,
      ).toEqual(lines.map(() => 'receipt_line_added'));
      expect(
        lines.map((e) => e.payload.line_number),
        `${session}: line order`,
      ).toEqual(lines.map((_, k) => k + 1));
      expect(
        ofReceipt.findLastIndex((e) => e.type === 'payment_processed'),
        `${session}: paid last`,
      ).toBe(ofReceipt.length - 1);
    }
    expect(visits, 'visits that end in a sale').toBeGreaterThan(20);
    // Sessions start with the visit: no visit's first event is anything but its entrance.
    const first = events.find((e) => e.envelope.event_type === 'receipt_created' && (e.envelope.payload as Payload).receipt_type === 'SALE')!;
    expect(sessions.get(first.envelope.session_id!)![0]!.type).toBe('customer_entered');
  });

  it('filters by event type', () => {
    const only = eventsFor('2024-06-14', new Set(['receipt_created', 'ad_impression'] as const));
    expect(new Set(only.map((e) => e.envelope.event_type))).toEqual(new Set(['receipt_created', 'ad_impression']));
  });
});
