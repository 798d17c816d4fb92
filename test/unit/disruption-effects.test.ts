/**
 * What each disruption does to a real generated day of events on its way out: outages withhold their DC's
 * shipments (all of a shipment or none of it), breakdowns and weather delay truck times, shortages withhold
 * restocking and announce valid stockout and reorder events; everything else goes out unchanged.
 */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { announcementEvents, DisruptionEffects, MAX_WEATHER_DELAY_MINUTES } from '../../src/core/disruptions/effects.js';
import { createDisruptionSchema, type Disruption } from '../../src/core/disruptions/model.js';
import { shortageReorder } from '../../src/core/disruptions/operations.js';
import { collectDayEvents, EventCollector } from '../../src/core/events/factory.js';
import { parseEvent } from '../../src/core/events/schemas.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import type { OutboxEvent } from '../../src/core/streaming/types.js';

// Small shelves (2..12 units) so every store reorders and every DC ships on the first day.
const config = appConfigSchema.parse({
  seed: 5,
  volume: {
    stores: 8,
    dcs: 3,
    total_geographies: 8,
    total_customers: 2000,
    total_products: 300,
    customers_per_day: 60,
    online_orders_per_day: 30,
    marketing_impressions_per_day: 100,
    store_initial_inventory_min: 2,
    store_initial_inventory_max: 12,
  },
});
const context = buildFactContext(config);

function dayEvents(day: string): OutboxEvent[] {
  const collector = new EventCollector(null);
  for (const region of context.regions) {
    const result = generateRegionDay(context, region, day, openingBalances(config.seed, config.volume, region, context.products.length));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  }
  return collector.sorted().map((t) => ({
    at: t.at,
    partitionKey: t.envelope.partition_key ?? '',
    eventType: t.envelope.event_type,
    eventId: t.envelope.event_id,
    body: JSON.stringify(t.envelope),
  }));
}

const events = dayEvents('2024-06-14');
type Payload = Record<string, unknown>;
const payloadOf = (event: OutboxEvent) => (JSON.parse(event.body) as { payload: Payload }).payload;
const isTruck = (event: OutboxEvent) => event.eventType === 'truck_arrived' || event.eventType === 'truck_departed';

function disruption(overrides: Partial<Disruption> & Pick<Disruption, 'disruption_type' | 'target_id'>): Disruption {
  return {
    id: 'd-1',
    severity: 1,
    duration_minutes: 60,
    product_ids: [],
    created_at: '2026-01-01T00:00:00.000Z',
    expires_at: '2026-01-01T01:00:00.000Z',
    announced_at: null,
    ...overrides,
  };
}

function applyAll(effects: DisruptionEffects) {
  const out = events.map((event) => ({ before: event, after: effects.apply(event) }));
  return { out, withheld: out.filter((e) => e.after === null), changed: out.filter((e) => e.after !== null && e.after !== e.before) };
}

describe('disruption effects on a generated day', () => {
  const dcWithShipments = Number(payloadOf(events.find(isTruck)!).dc_id);

  it('has shipments from every DC to work on', () => {
    const dcs = new Set(events.filter(isTruck).map((e) => Number(payloadOf(e).dc_id)));
    expect(dcs.size).toBeGreaterThanOrEqual(2);
  });

  it('dc_outage at severity 1 stops every shipment, truck move and supplier receipt of that DC, and nothing else', () => {
    const effects = new DisruptionEffects([disruption({ disruption_type: 'dc_outage', target_id: dcWithShipments })]);
    const { out, withheld, changed } = applyAll(effects);
    expect(changed).toEqual([]);
    expect(withheld.length).toBeGreaterThan(0);
    expect(effects.counts.withheld).toBe(withheld.length);
    const shipmentsOfDc = new Set(events.filter((e) => isTruck(e) && payloadOf(e).dc_id === dcWithShipments).map((e) => String(payloadOf(e).shipment_id)));
    for (const { before, after } of out) {
      const p = payloadOf(before);
      const ofThisDc =
        (isTruck(before) && p.dc_id === dcWithShipments) ||
        (before.eventType === 'inventory_updated' && p.dc_id === dcWithShipments && (p.reason === 'OUTBOUND_SHIPMENT' || p.reason === 'INBOUND_SHIPMENT')) ||
        (before.eventType === 'inventory_updated' && p.reason === 'INBOUND_SHIPMENT' && shipmentsOfDc.has(String(p.source)));
      expect(after === null, `${before.eventType} ${JSON.stringify(p)}`).toBe(ofThisDc);
    }
  });

  it('dc_outage at severity 0.5 stops about half the shipments, each shipment whole', () => {
    const dcShipments = events.filter((e) => isTruck(e) && payloadOf(e).dc_id === dcWithShipments);
    const { out } = applyAll(new DisruptionEffects([disruption({ disruption_type: 'dc_outage', target_id: dcWithShipments, severity: 0.5 })]));
    const fate = new Map<string, Set<boolean>>();
    for (const { before, after } of out) {
      if (!isTruck(before) || payloadOf(before).dc_id !== dcWithShipments) continue;
      const id = String(payloadOf(before).shipment_id);
      fate.set(id, (fate.get(id) ?? new Set()).add(after === null));
    }
    for (const outcomes of fate.values()) expect(outcomes.size).toBe(1);
    const stopped = [...fate.values()].filter((o) => o.has(true)).length;
    expect(dcShipments.length).toBeGreaterThan(3);
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(fate.size);
  });

  it('truck_breakdown holds that truck by severity × duration and leaves other trucks alone', () => {
    const truckId = Number(payloadOf(events.find(isTruck)!).truck_id);
    const effects = new DisruptionEffects([disruption({ disruption_type: 'truck_breakdown', target_id: truckId, severity: 0.5, duration_minutes: 120 })]);
    const { out, withheld } = applyAll(effects);
    expect(withheld).toEqual([]);
    let held = 0;
    for (const { before, after } of out) {
      if (isTruck(before) && payloadOf(before).truck_id === String(truckId)) {
        const field = before.eventType === 'truck_arrived' ? 'arrival_time' : 'departure_time';
        expect(Date.parse(String(payloadOf(after!)[field])) - Date.parse(String(payloadOf(before)[field]))).toBe(60 * 60_000);
        expect(after!.at - before.at).toBe(60 * 60_000);
        expect(() => parseEvent(JSON.parse(after!.body))).not.toThrow();
        held++;
      } else {
        expect(after).toBe(before);
      }
    }
    expect(held).toBeGreaterThan(0);
    expect(effects.counts.delayed).toBe(held);
  });

  it('weather_delay makes arrivals from the DC late by severity × 4 h, not its departures from the DC', () => {
    const { out } = applyAll(new DisruptionEffects([disruption({ disruption_type: 'weather_delay', target_id: dcWithShipments, severity: 0.25 })]));
    const minutes = 0.25 * MAX_WEATHER_DELAY_MINUTES;
    let arrivals = 0;
    for (const { before, after } of out) {
      const p = payloadOf(before);
      if (!isTruck(before) || p.dc_id !== dcWithShipments) {
        expect(after).toBe(before);
        continue;
      }
      // Leaving the DC nothing is unloaded (0 minutes): that departure is before the road.
      if (before.eventType === 'truck_departed' && p.actual_unload_duration === 0) {
        expect(after).toBe(before);
        continue;
      }
      const field = before.eventType === 'truck_arrived' ? 'arrival_time' : 'departure_time';
      expect(Date.parse(String(payloadOf(after!)[field])) - Date.parse(String(p[field]))).toBe(minutes * 60_000);
      if (before.eventType === 'truck_arrived') arrivals++;
    }
    expect(arrivals).toBeGreaterThan(0);
  });

  it('inventory_shortage withholds the restocking of its products at its store and announces valid stockouts and reorders', () => {
    const restock = events.find((e) => e.eventType === 'inventory_updated' && payloadOf(e).reason === 'INBOUND_SHIPMENT' && payloadOf(e).store_id != null)!;
    const storeId = Number(payloadOf(restock).store_id);
    const productId = Number(payloadOf(restock).product_id);
    const shortage = disruption({ disruption_type: 'inventory_shortage', target_id: storeId, product_ids: [productId, 7], severity: 0.8 });
    const { out } = applyAll(new DisruptionEffects([shortage]));
    for (const { before, after } of out) {
      const p = payloadOf(before);
      const restocking =
        before.eventType === 'inventory_updated' &&
        p.store_id === storeId &&
        p.reason === 'INBOUND_SHIPMENT' &&
        (p.product_id === productId || p.product_id === 7);
      expect(after === null).toBe(restocking);
    }

    const at = Date.parse('2024-06-14T10:00:00Z');
    const announced = announcementEvents(shortage, at, (product) => shortageReorder(config, storeId, product));
    expect(announced.map((e) => e.eventType)).toEqual(['stockout_detected', 'reorder_triggered', 'stockout_detected', 'reorder_triggered']);
    for (const event of announced) {
      const envelope = parseEvent(JSON.parse(event.body));
      expect(envelope.partition_key).toBe(`store-${storeId}`);
      expect(event.at).toBe(at);
    }
    const reorder = payloadOf(announced[1]!);
    expect(reorder).toMatchObject({ store_id: storeId, product_id: productId, priority: 'URGENT', current_quantity: 0 });
    // Same disruption, same ids: a repeated announcement is a duplicate a consumer can drop.
    expect(announcementEvents(shortage, at + 1, (p) => shortageReorder(config, storeId, p)).map((e) => e.eventId)).toEqual(announced.map((e) => e.eventId));
  });

  it('sends everything unchanged when nothing is active', () => {
    const effects = new DisruptionEffects([]);
    expect(events.every((event) => effects.apply(event) === event)).toBe(true);
  });

  it('validates requests: ranges, types, product_ids only for shortages', () => {
    const ok = { disruption_type: 'dc_outage', target_id: 1, severity: 0.5, duration_minutes: 30 };
    expect(createDisruptionSchema.safeParse(ok).success).toBe(true);
    for (const bad of [
      { ...ok, severity: 1.5 },
      { ...ok, severity: -0.1 },
      { ...ok, duration_minutes: 0 },
      { ...ok, duration_minutes: 1441 },
      { ...ok, duration_minutes: 2.5 },
      { ...ok, target_id: 0 },
      { ...ok, disruption_type: 'meteor' },
      { ...ok, product_ids: [1] },
      { ...ok, extra: true },
    ]) {
      expect(createDisruptionSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(createDisruptionSchema.safeParse({ ...ok, disruption_type: 'inventory_shortage', product_ids: [1, 2] }).success).toBe(true);
  });
});
