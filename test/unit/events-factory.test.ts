/** The event factory: every event validates against its schema, ids are unique and stable, order holds per partition. */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../src/core/events/factory.js';
import { EVENT_TYPES, parseEvent } from '../../src/core/events/schemas.js';
import { bleIdOf, buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';

const config = appConfigSchema.parse({ seed: 3, volume: { stores: 6, dcs: 2, total_geographies: 6, total_customers: 2000, total_products: 300, customers_per_day: 60, online_orders_per_day: 40, marketing_impressions_per_day: 300, store_initial_inventory_min: 2, store_initial_inventory_max: 12 } });

function eventsFor(day: string, allowed: Set<(typeof EVENT_TYPES)[number]> | null = null) {
  const context = buildFactContext(config);
  const collector = new EventCollector(allowed);
  for (const region of context.regions) {
    const result = generateRegionDay(context, region, day, openingBalances(config.seed, config.volume, region, context.products.length));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  }
  collectDayEvents(collector, { fact_marketing: generateMarketingDay(config.seed, day, 300, 2000).build() });
  collectStoreHours(collector, context, day);
  return collector.sorted();
}

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
    const payload = (i: number) => events[i]!.envelope.payload as Payload;
    const indices = (type: string, match: (p: Payload) => boolean) => events.flatMap((e, i) => (e.envelope.event_type === type && match(e.envelope.payload as Payload) ? [i] : []));
    // Visits of customers whose phone the beacons know (their BLE id is derived from the customer id).
    let visits = 0;
    for (const receipt of indices('receipt_created', (p) => p.receipt_type === 'SALE')) {
      const { store_id, customer_id, receipt_id } = payload(receipt);
      const bleId = bleIdOf(Number(customer_id));
      const pings = indices('ble_ping_detected', (p) => p.store_id === store_id && p.customer_ble_id === bleId).filter((i) => events[i]!.at <= events[receipt]!.at && events[i]!.at >= events[receipt]!.at - 40 * 60_000);
      if (pings.length === 0) continue;
      visits++;
      const label = String(receipt_id);
      // Entered: the store's entrance sensor reported the hour the first ping falls in, before that ping.
      const firstPing = pings[0]!;
      const entered = indices('customer_entered', (p) => p.store_id === store_id).filter((i) => i < firstPing && events[firstPing]!.at - events[i]!.at < 3_600_000);
      expect(entered.length, `${label}: an entrance count before the first ping`).toBeGreaterThan(0);
      // The store was open: its opening (if it has one today) precedes the visit.
      const opened = indices('store_opened', (p) => p.store_id === store_id);
      if (opened.length > 0) expect(opened[0]!, `${label}: store opened before the first ping`).toBeLessThan(firstPing);
      // Then the receipt, its lines, any promotion, and the payment last.
      const sameReceipt = events.flatMap((e, i) => (e.envelope.correlation_id === receipt_id ? [i] : []));
      const types = sameReceipt.map((i) => events[i]!.envelope.event_type);
      expect(sameReceipt[0], label).toBe(receipt);
      expect(pings.at(-1)!, `${label}: pings before the receipt`).toBeLessThan(receipt);
      expect(types[0]).toBe('receipt_created');
      expect(types.at(-1)).toBe('payment_processed');
      const lines = types.flatMap((t, i) => (t === 'receipt_line_added' ? [i] : []));
      expect(lines.length, label).toBeGreaterThan(0);
      expect(lines, `${label}: lines right after the receipt`).toEqual(lines.map((_, k) => k + 1));
      expect(lines.map((i) => payload(sameReceipt[i]!).line_number), label).toEqual(lines.map((_, k) => k + 1));
    }
    expect(visits, "visits of known customers checked").toBeGreaterThan(20);
  });

  it('filters by event type', () => {
    const only = eventsFor('2024-06-14', new Set(['receipt_created', 'ad_impression'] as const));
    expect(new Set(only.map((e) => e.envelope.event_type))).toEqual(new Set(['receipt_created', 'ad_impression']));
  });
});
