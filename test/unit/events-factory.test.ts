/** The event factory: every event validates against its schema, ids are unique and stable, order holds per partition. */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../src/core/events/factory.js';
import { EVENT_TYPES, parseEvent } from '../../src/core/events/schemas.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';

const config = appConfigSchema.parse({ seed: 3, volume: { stores: 6, dcs: 2, total_geographies: 6, total_customers: 2000, total_products: 300, customers_per_day: 90, online_orders_per_day: 40, marketing_impressions_per_day: 300, store_initial_inventory_min: 2, store_initial_inventory_max: 12 } });

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
    const receipt = events.findIndex((e) => e.envelope.event_type === 'receipt_created' && (e.envelope.payload as { receipt_type: string }).receipt_type === 'SALE');
    const session = events[receipt]!.envelope.session_id;
    const sameVisit = events.filter((e) => e.envelope.session_id === session).map((e) => e.envelope.event_type);
    expect(sameVisit[0]).toBe('customer_entered');
    expect(sameVisit).toContain('ble_ping_detected');
    expect(sameVisit.indexOf('ble_ping_detected')).toBeLessThan(sameVisit.indexOf('receipt_created'));
    expect(sameVisit.at(-1)).toBe('payment_processed');
    expect(sameVisit).toContain('receipt_line_added');
  });

  it('filters by event type', () => {
    const only = eventsFor('2024-06-14', new Set(['receipt_created', 'ad_impression'] as const));
    expect(new Set(only.map((e) => e.envelope.event_type))).toEqual(new Set(['receipt_created', 'ad_impression']));
  });
});
