/**
 * A streamed day as consumers see it, made by the real generators the way the stream fills its outbox: every
 * field of every event type present and typed (null only where a field may be null), integer cents that add
 * up on every receipt and order, payments for every sale and online order (a few declined cards first),
 * session and parent links that resolve within the day, each visit in order on its partition, reorders named
 * by the location that raises them, and attribution that shows as a lift by channel in a funnel computed
 * from nothing but the events.
 */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../src/core/events/factory.js';
import { EVENT_TYPES, eventPayloadSchemas, parseEvent, type EventEnvelope, type EventType } from '../../src/core/events/schemas.js';
import { addDays } from '../../src/core/facts/calendar.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';

// Many customers and few visits each: an ordinary customer rarely shops on a given day, so a visit an
// impression causes stands out against the baseline.
const config = appConfigSchema.parse({
  seed: 11,
  volume: {
    stores: 6,
    dcs: 2,
    total_geographies: 6,
    total_customers: 20_000,
    total_products: 400,
    customers_per_day: 50,
    online_orders_per_day: 60,
    marketing_impressions_per_day: 3000,
    store_initial_inventory_min: 3,
    store_initial_inventory_max: 15,
    dc_initial_inventory_min: 40,
    dc_initial_inventory_max: 600,
  },
});
const DAY = '2024-06-12';
const DAY_MS = 86_400_000;

interface Event extends EventEnvelope {
  at: number;
}
type P = Record<string, unknown>;

function streamedDay(): Event[] {
  const context = buildFactContext(config);
  const collector = new EventCollector(null);
  for (const region of context.regions) {
    // Two days, so the streamed day starts from positions a day has moved (as the stream continues history).
    let balances = openingBalances(config.seed, config.volume, region, context.products.length);
    balances = generateRegionDay(context, region, addDays(DAY, -1), balances).balances;
    const result = generateRegionDay(context, region, DAY, balances);
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  }
  collectDayEvents(collector, {
    fact_marketing: generateMarketingDay(config.seed, DAY, config.volume.marketing_impressions_per_day, config.volume.total_customers).build(),
  });
  collectStoreHours(collector, context, DAY);
  // As a consumer receives them: JSON on the wire, in the order the outbox sends.
  return collector.sorted().map((e) => ({ ...(JSON.parse(JSON.stringify(e.envelope)) as EventEnvelope), at: e.at }));
}

/** Payload fields that may be null, and nothing else may (read from the contract, not from the schemas). */
const NULLABLE: Partial<Record<EventType, string[]>> = {
  receipt_created: ['campaign_id', 'impression_id'],
  receipt_line_added: ['promo_code'],
  payment_processed: ['receipt_id', 'order_id', 'store_id', 'decline_reason'],
  inventory_updated: ['store_id', 'dc_id', 'source'],
  stockout_detected: ['store_id', 'dc_id'],
  reorder_triggered: ['store_id', 'dc_id'],
  ad_impression: ['customer_id'],
  online_order_created: ['campaign_id', 'impression_id'],
};
/** Types whose events belong to a session, and types that always follow from another event. */
const IN_SESSION = new Set<EventType>([
  'ble_ping_detected',
  'customer_zone_changed',
  'receipt_created',
  'receipt_line_added',
  'promotion_applied',
  'payment_processed',
  'online_order_created',
  'online_order_picked',
  'online_order_shipped',
]);
const NEVER_IN_SESSION = new Set<EventType>([
  'inventory_updated',
  'stockout_detected',
  'reorder_triggered',
  'truck_arrived',
  'truck_departed',
  'store_opened',
  'store_closed',
  'ad_impression',
]);
const HAS_PARENT = new Set<EventType>([
  'receipt_created',
  'receipt_line_added',
  'promotion_applied',
  'payment_processed',
  'online_order_picked',
  'online_order_shipped',
  'ble_ping_detected',
  'customer_zone_changed',
  'truck_arrived',
]);

describe('a streamed day: journeys, attribution and exact money', () => {
  const events = streamedDay();
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const of = (type: EventType) => events.filter((e) => e.event_type === type);
  const p = (e: Event) => e.payload as P;

  it('has every event type, every field present and typed, null only where allowed, links never absent', () => {
    expect(new Set(events.map((e) => e.event_type))).toEqual(new Set(EVENT_TYPES));
    for (const e of events) {
      expect(() => parseEvent(e), e.event_type).not.toThrow();
      for (const link of ['session_id', 'correlation_id', 'parent_event_id'] as const) {
        expect(Object.hasOwn(e, link), `${e.event_type}.${link}`).toBe(true);
        expect(e[link] === null || (typeof e[link] === 'string' && e[link] !== ''), `${e.event_type}.${link}`).toBe(true);
      }
      const fields = Object.keys(eventPayloadSchemas[e.event_type].shape);
      expect(Object.keys(p(e)).sort(), e.event_type).toEqual([...fields].sort());
      for (const field of fields) {
        if (p(e)[field] === null) expect(NULLABLE[e.event_type] ?? [], `${e.event_type}.${field} is null`).toContain(field);
      }
      if (IN_SESSION.has(e.event_type)) expect(e.session_id, `${e.event_type} session`).not.toBeNull();
      if (NEVER_IN_SESSION.has(e.event_type)) expect(e.session_id, `${e.event_type} session`).toBeNull();
      if (HAS_PARENT.has(e.event_type)) expect(e.parent_event_id, `${e.event_type} parent`).not.toBeNull();
    }
    for (const e of [...of('truck_arrived'), ...of('truck_departed')]) expect(typeof p(e).truck_id).toBe('string');
    for (const e of of('truck_departed')) expect(Number.isInteger(p(e).actual_unload_duration)).toBe(true);
    // A visit is one customer through the door; the rest of the door count comes as hourly aggregates.
    for (const e of of('customer_entered')) expect(e.session_id === null).toBe(p(e).customer_count !== 1 || e.session_id === null);
  });

  it('keeps integer cents that add up on every receipt and order, equal to the money fields and to the lines', () => {
    const lineCents = new Map<string, number>();
    for (const e of of('receipt_line_added'))
      lineCents.set(String(p(e).receipt_id), (lineCents.get(String(p(e).receipt_id)) ?? 0) + Math.round(Number(p(e).extended_price) * 100));
    const promoCents = new Map<string, number>();
    for (const e of of('promotion_applied'))
      promoCents.set(String(p(e).receipt_id), (promoCents.get(String(p(e).receipt_id)) ?? 0) + Number(p(e).discount_cents));
    const headers = [...of('receipt_created'), ...of('online_order_created')];
    expect(headers.length).toBeGreaterThan(100);
    for (const e of headers) {
      const h = p(e) as Record<string, number>;
      for (const f of ['gross_subtotal_cents', 'discount_cents', 'subtotal_cents', 'tax_cents', 'total_cents']) expect(Number.isInteger(h[f]), f).toBe(true);
      expect(h.gross_subtotal_cents! - h.discount_cents!).toBe(h.subtotal_cents);
      expect(h.subtotal_cents! + h.tax_cents!).toBe(h.total_cents);
      expect(Math.round(h.subtotal! * 100)).toBe(h.gross_subtotal_cents);
      expect(Math.round(h.discount! * 100)).toBe(h.discount_cents);
      expect(Math.round(h.tax! * 100)).toBe(h.tax_cents);
      expect(Math.round(h.total! * 100)).toBe(h.total_cents);
      if (e.event_type === 'receipt_created') {
        expect(lineCents.get(String(h.receipt_id)), String(h.receipt_id)).toBe(h.gross_subtotal_cents);
        if (h.receipt_type === ('SALE' as unknown as number)) expect(promoCents.get(String(h.receipt_id)) ?? 0).toBe(h.discount_cents);
      }
    }
  });

  it('pays every sale and every online order once, after a small share of declined card attempts', () => {
    const payments = of('payment_processed');
    const approved = new Map<string, P[]>();
    const declined = new Map<string, P[]>();
    for (const e of payments) {
      const pay = p(e);
      const subject = String(pay.receipt_id ?? pay.order_id);
      const target = pay.status === 'DECLINED' ? declined : approved;
      target.set(subject, [...(target.get(subject) ?? []), pay]);
      expect(pay.status === 'DECLINED').toBe(pay.decline_reason !== null);
      expect(Math.round(Number(pay.amount) * 100)).toBe(pay.amount_cents);
      expect(Date.parse(String(pay.processing_time)) - e.at).toBeGreaterThanOrEqual(Number(pay.processing_time_ms));
      expect(e.parent_event_id).toBe(pay.receipt_id ? byId.get(e.parent_event_id!)?.event_id : e.parent_event_id);
      expect(byId.get(e.parent_event_id!)?.event_type).toBe(pay.receipt_id ? 'receipt_created' : 'online_order_created');
    }
    for (const e of of('receipt_created')) {
      const r = p(e);
      const paid = approved.get(String(r.receipt_id)) ?? [];
      expect(paid, String(r.receipt_id)).toHaveLength(1);
      expect(paid[0]!.status).toBe(r.receipt_type === 'SALE' ? 'APPROVED' : 'REFUNDED');
      expect(paid[0]!.amount_cents).toBe(Math.abs(Number(r.total_cents)));
      expect(paid[0]!.payment_method).toBe(r.tender_type);
      expect(paid[0]!.store_id).toBe(r.store_id);
      expect(paid[0]!.customer_id).toBe(r.customer_id);
    }
    const orders = of('online_order_created').filter((e) => p(e).status !== 'CANCELLED');
    expect(orders.length).toBeGreaterThan(20);
    for (const e of orders) {
      const paid = approved.get(String(p(e).order_id)) ?? [];
      expect(paid, String(p(e).order_id)).toHaveLength(1);
      expect(paid[0]).toMatchObject({
        order_id: p(e).order_id,
        receipt_id: null,
        store_id: null,
        status: 'APPROVED',
        amount_cents: p(e).total_cents,
        customer_id: p(e).customer_id,
      });
    }
    for (const subject of declined.keys()) expect(approved.has(subject), `${subject} declined and never paid`).toBe(true);
    const cardAttempts = payments.filter((e) => ['CREDIT_CARD', 'DEBIT_CARD'].includes(String(p(e).payment_method))).length;
    const declines = [...declined.values()].flat().length;
    expect(declines).toBeGreaterThan(0);
    expect(declines / cardAttempts).toBeGreaterThan(0.005);
    expect(declines / cardAttempts).toBeLessThan(0.06);
    // Some declined cards were retried as they were, some customers paid another way.
    const retriedSame = [...declined].filter(([s, d]) => d[0]!.payment_method === approved.get(s)![0]!.payment_method).length;
    expect(retriedSame).toBeGreaterThan(0);
    expect(retriedSame).toBeLessThan(declined.size);
  });

  it('resolves every parent link to an event of the day, and starts every session where a visit or order starts', () => {
    for (const e of events) {
      if (e.parent_event_id === null) continue;
      const parent = byId.get(e.parent_event_id);
      expect(parent, `${e.event_type} ${e.event_id} -> ${e.parent_event_id}`).toBeDefined();
      expect(parent!.at).toBeLessThanOrEqual(e.at);
    }
    const firstOf = new Map<string, Event>();
    for (const e of events) if (e.session_id !== null && !firstOf.has(e.session_id)) firstOf.set(e.session_id, e);
    expect(firstOf.size).toBeGreaterThan(100);
    for (const [session, first] of firstOf) {
      const opener =
        first.event_type === 'customer_entered' ||
        first.event_type === 'online_order_created' ||
        (first.event_type === 'receipt_created' && p(first).receipt_type === 'RETURN');
      expect(opener, `${session} opens with ${first.event_type}`).toBe(true);
    }
    // Children name their parent's subject: a line its receipt, a pick its order, a shipment its pick.
    for (const e of [...of('receipt_line_added'), ...of('promotion_applied')]) expect(p(byId.get(e.parent_event_id!)!).receipt_id).toBe(p(e).receipt_id);
    for (const e of of('online_order_picked')) expect(p(byId.get(e.parent_event_id!)!).order_id).toBe(p(e).order_id);
    for (const e of of('online_order_shipped')) {
      const pick = byId.get(e.parent_event_id!)!;
      expect([pick.event_type, p(pick).order_id, p(pick).line_number]).toEqual(['online_order_picked', p(e).order_id, p(e).line_number]);
    }
    for (const e of of('truck_arrived')) expect(p(byId.get(e.parent_event_id!)!).shipment_id).toBe(p(e).shipment_id);
    for (const e of events)
      if (e.session_id !== null && e.parent_event_id !== null) {
        const parent = byId.get(e.parent_event_id)!;
        if (parent.session_id !== null && !(e.event_type === 'receipt_created' && p(e).receipt_type === 'RETURN')) expect(parent.session_id).toBe(e.session_id);
      }
  });

  it('keeps each visit in order on its partition: entered, pings and zone changes, receipt, lines and promotions, payments', () => {
    const rank: Partial<Record<EventType, number>> = {
      customer_entered: 0,
      ble_ping_detected: 1,
      customer_zone_changed: 1,
      receipt_created: 2,
      receipt_line_added: 3,
      promotion_applied: 3,
      payment_processed: 4,
    };
    const partitions = new Map<string, Event[]>();
    for (const e of events) partitions.set(e.partition_key!, [...(partitions.get(e.partition_key!) ?? []), e]);
    let visits = 0;
    for (const [partition, list] of partitions) {
      const last = new Map<string, number>();
      const entered = new Set<string>();
      for (const e of list) {
        if (!partition.startsWith('store-') || e.session_id === null || !(e.event_type in rank)) continue;
        if (e.event_type === 'receipt_created' && p(e).receipt_type === 'RETURN') entered.add(e.session_id);
        if (e.event_type === 'customer_entered') {
          expect(entered.has(e.session_id), `${e.session_id} entered twice`).toBe(false);
          entered.add(e.session_id);
          visits++;
        }
        expect(entered.has(e.session_id), `${e.event_type} of ${e.session_id} before customer_entered on ${partition}`).toBe(true);
        const r = rank[e.event_type]!;
        expect(r, `${e.event_type} of ${e.session_id} after a later step`).toBeGreaterThanOrEqual(last.get(e.session_id) ?? 0);
        last.set(e.session_id, r);
        expect(e.partition_key).toBe(`store-${String(p(e).store_id ?? partition.slice(6))}`);
      }
      for (let i = 1; i < list.length; i++) expect(list[i]!.at).toBeGreaterThanOrEqual(list[i - 1]!.at);
    }
    expect(visits).toBeGreaterThan(100);
  });

  it('names the location that reorders, with a reorder point it is at or below and the units it wants', () => {
    const reorders = of('reorder_triggered').map(p);
    const { volume } = config;
    const stores = reorders.filter((r) => r.store_id !== null);
    const dcs = reorders.filter((r) => r.dc_id !== null);
    expect(stores.length).toBeGreaterThan(0);
    expect(dcs.length).toBeGreaterThan(0);
    for (const r of reorders) {
      expect((r.store_id === null) !== (r.dc_id === null)).toBe(true);
      const [low, high] =
        r.store_id !== null ? [volume.store_reorder_point_min, volume.store_reorder_point_max] : [volume.dc_reorder_point_min, volume.dc_reorder_point_max];
      expect(Number(r.reorder_point)).toBeGreaterThanOrEqual(low);
      expect(Number(r.reorder_point)).toBeLessThanOrEqual(high);
      expect(Number(r.current_quantity)).toBeLessThanOrEqual(Number(r.reorder_point));
      expect(Number(r.reorder_quantity)).toBeGreaterThan(0);
    }
    // A store orders up to its shelf capacity.
    for (const r of stores) expect(Number(r.current_quantity) + Number(r.reorder_quantity)).toBe(volume.store_initial_inventory_max);
  });

  it('credits visits and orders to an earlier impression of the same customer within a day, on the same journey', () => {
    const yesterday = generateMarketingDay(config.seed, addDays(DAY, -1), config.volume.marketing_impressions_per_day, config.volume.total_customers).build();
    const impressions = new Map<string, { at: number; customer: number | null; campaign: string }>();
    const column = (name: string) => yesterday.columns.find((c) => c.name === name)!.data as ArrayLike<unknown>;
    for (let i = 0; i < yesterday.rowCount; i++)
      impressions.set(String(column('impression_id_ext')[i]), {
        at: (column('event_ts')[i] as Date).getTime(),
        customer: column('customer_id')[i] as number | null,
        campaign: String(column('campaign_id')[i]),
      });
    for (const e of of('ad_impression')) {
      impressions.set(String(p(e).impression_id), { at: e.at, customer: p(e).customer_id as number | null, campaign: String(p(e).campaign_id) });
      expect(e.correlation_id).toBe(p(e).impression_id);
      expect(p(e).customer_id === null).toBe(!String(p(e).customer_ad_id).startsWith('AD') || String(p(e).customer_ad_id).startsWith('ADX'));
    }
    const credited = [...of('receipt_created'), ...of('online_order_created')].filter((e) => p(e).impression_id !== null);
    expect(credited.length).toBeGreaterThan(20);
    for (const e of credited) {
      const impression = impressions.get(String(p(e).impression_id));
      expect(impression, String(p(e).impression_id)).toBeDefined();
      expect(impression!.customer).toBe(p(e).customer_id);
      expect(impression!.campaign).toBe(p(e).campaign_id);
      expect(e.at).toBeGreaterThan(impression!.at);
      expect(e.at - impression!.at).toBeLessThanOrEqual(DAY_MS);
      expect(e.correlation_id).toBe(p(e).impression_id);
    }
    const sessionsOnJourney = events.filter((e) => e.session_id !== null && credited.some((c) => c.session_id === e.session_id));
    for (const e of sessionsOnJourney) expect(e.correlation_id, e.event_type).toBe(credited.find((c) => c.session_id === e.session_id)!.correlation_id);
  });

  it('shows a lift by channel: customers who saw an impression buy after it more often than customers who saw none', () => {
    // The funnel a dashboard computes from the events alone: exposure per channel, then a purchase after it.
    const firstExposure = new Map<string, Map<number, number>>();
    const exposed = new Set<number>();
    for (const e of of('ad_impression')) {
      const customer = p(e).customer_id as number | null;
      if (customer === null) continue;
      exposed.add(customer);
      const channel = String(p(e).channel);
      const seen = firstExposure.get(channel) ?? new Map<number, number>();
      if (!seen.has(customer) || seen.get(customer)! > e.at) seen.set(customer, e.at);
      firstExposure.set(channel, seen);
    }
    const purchases = new Map<number, number[]>();
    for (const e of [...of('receipt_created').filter((r) => p(r).receipt_type === 'SALE'), ...of('online_order_created')]) {
      const customer = Number(p(e).customer_id);
      purchases.set(customer, [...(purchases.get(customer) ?? []), e.at]);
    }
    let unexposedBuyers = 0;
    for (const customer of purchases.keys()) if (!exposed.has(customer)) unexposedBuyers++;
    const baseline = unexposedBuyers / (config.volume.total_customers - exposed.size);
    expect(baseline).toBeGreaterThan(0);
    const lifts: Record<string, number> = {};
    for (const [channel, seen] of firstExposure) {
      if (seen.size < 100) continue;
      let converted = 0;
      for (const [customer, at] of seen) if ((purchases.get(customer) ?? []).some((t) => t > at)) converted++;
      lifts[channel] = converted / seen.size / baseline;
    }
    expect(Object.keys(lifts).length, JSON.stringify(lifts)).toBeGreaterThanOrEqual(2);
    for (const [channel, lift] of Object.entries(lifts)) expect(lift, `${channel} lift ${lift.toFixed(2)}`).toBeGreaterThan(1.5);
  });
});
