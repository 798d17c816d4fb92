/**
 * The event factory: turns one simulated day of facts (the same generators as the historical tables) into
 * streaming events. Each event's id is derived from what it describes, so a regenerated slice yields the same
 * ids and consumers can drop duplicates, and a link to another event (parent_event_id) is computed from what
 * that event describes, never looked up. Events are ordered by simulated time and, at the same moment, in
 * the order they are added here (a visit: entered, pings and zone changes, receipt, lines, promotions,
 * payments); the partition key is the store (or DC), so one location's events stay in order.
 */
import { createHash } from 'node:crypto';
import type { ColumnarTable } from '../columnar-table.js';
import { Utf8Strings } from '../utf8-strings.js';
import { openingHours } from '../facts/calendar.js';
import type { FactContext } from '../facts/context.js';
import type { EventEnvelope, EventType, OutboxEnvelope } from './schemas.js';

export interface TimedEvent {
  /** Simulated time of the event (epoch ms); the outbox sends in this order. */
  at: number;
  envelope: OutboxEnvelope;
}

/** How an event links to others; each is null when there is none. */
export interface EventLinks {
  session?: string | null;
  correlation?: string | null;
  parent?: string | null;
}

type Row = Record<string, unknown>;

function rows(table: ColumnarTable | undefined): Row[] {
  if (!table) return [];
  const result: Row[] = new Array(table.rowCount);
  const columns = table.columns.map((c) => ({ name: c.name, values: (c.data instanceof Utf8Strings ? c.data.toArray() : c.data) as ArrayLike<unknown> }));
  for (let i = 0; i < table.rowCount; i++) {
    const row: Row = {};
    for (const column of columns) row[column.name] = column.values[i];
    result[i] = row;
  }
  return result;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
const time = (value: unknown) => (value instanceof Date ? value.getTime() : Date.parse(String(value)));

export function eventId(eventType: EventType, naturalKey: string): string {
  return createHash('sha256').update(`${eventType}|${naturalKey}`).digest('hex').slice(0, 32);
}

export class EventCollector {
  readonly events: TimedEvent[] = [];
  constructor(
    private readonly allowed: ReadonlySet<EventType> | null,
    private readonly ingestTimestamp: (at: number) => string = (at) => new Date(at).toISOString(),
  ) {}

  add(eventType: EventType, at: number, naturalKey: string, partition: string, payload: Record<string, unknown>, links: EventLinks = {}): void {
    if (this.allowed && !this.allowed.has(eventType)) return;
    const envelope: EventEnvelope = {
      event_id: eventId(eventType, naturalKey),
      event_type: eventType,
      payload,
      trace_id: `TRC-${eventId('receipt_created', `${naturalKey}|trace`).slice(0, 16)}`,
      ingest_timestamp: this.ingestTimestamp(at),
      schema_version: '1.0',
      source: 'retail-datagen',
      session_id: links.session ?? null,
      correlation_id: links.correlation ?? null,
      parent_event_id: links.parent ?? null,
      partition_key: partition,
    };
    this.events.push({ at, envelope });
  }

  /** Stable order: simulated time, then the order the facts produced them (entered → pings → receipt → lines → payment). */
  sorted(): TimedEvent[] {
    return this.events
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
      .map(({ e }) => e);
  }
}

const money = (cents: number) => Math.round(cents) / 100;

const CARRIERS = ['UPS', 'FEDEX', 'USPS', 'DHL'] as const;

/** One parcel per order and shipping location: its lines share a carrier and tracking number (derived, not drawn). */
function parcel(orderId: string, location: string): { carrier: string; tracking_number: string } {
  const digest = eventId('online_order_shipped', `${orderId}|${location}|parcel`);
  const carrier = CARRIERS[Number.parseInt(digest.slice(0, 2), 16) % CARRIERS.length]!;
  return { carrier, tracking_number: `${carrier.slice(0, 2)}${digest.slice(2, 18).toUpperCase()}` };
}

/** A number in [0, 1) derived from a key: the factory's own draws (payments) stay deterministic without a stream. */
function unit(key: string, slot: number): number {
  return Number.parseInt(eventId('payment_processed', key).slice(slot * 8, slot * 8 + 8), 16) / 0x1_0000_0000;
}

const CARDS = new Set(['CREDIT_CARD', 'DEBIT_CARD']);
/** Card payments declined at the first attempt; a customer who pays another way sometimes tried a card first. */
const CARD_DECLINE_SHARE = 0.025;
const OTHER_TENDER_DECLINE_SHARE = 0.01;
/** A declined card is retried as it is this often; otherwise the customer pays with something else. */
const RETRY_SAME_CARD_SHARE = 0.6;
const DECLINE_REASONS: [string, number][] = [
  ['INSUFFICIENT_FUNDS', 0.45],
  ['DO_NOT_HONOR', 0.2],
  ['CARD_EXPIRED', 0.15],
  ['INCORRECT_PIN', 0.1],
  ['NETWORK_TIMEOUT', 0.1],
];

function declineReason(u: number): string {
  let left = u;
  for (const [reason, share] of DECLINE_REASONS) {
    if (left < share) return reason;
    left -= share;
  }
  return DECLINE_REASONS[0]![0];
}

interface Payment {
  /** receipt or order id: the payment's subject. */
  subject: string;
  kind: 'receipt' | 'order';
  storeId: number | null;
  customerId: number;
  tender: string;
  cents: number;
  refund: boolean;
  at: number;
  partition: string;
  links: EventLinks;
}

/** One payment: the approved (or refunded) charge, after a declined card attempt now and then. */
function addPayment(collector: EventCollector, p: Payment): void {
  const ids = {
    receipt_id: p.kind === 'receipt' ? p.subject : null,
    order_id: p.kind === 'order' ? p.subject : null,
    store_id: p.storeId,
    customer_id: p.customerId,
  };
  const amount = { amount: money(p.cents), amount_cents: p.cents };
  const card = CARDS.has(p.tender);
  let elapsed = 0;
  if (!p.refund && unit(p.subject, 0) < (card ? CARD_DECLINE_SHARE : OTHER_TENDER_DECLINE_SHARE)) {
    // The declined attempt was on a card: the same one retried, the other card, or a card before cash.
    const tried =
      card && unit(p.subject, 1) >= RETRY_SAME_CARD_SHARE ? (p.tender === 'CREDIT_CARD' ? 'DEBIT_CARD' : 'CREDIT_CARD') : card ? p.tender : 'CREDIT_CARD';
    const ms = 400 + Math.floor(unit(p.subject, 2) * 2600);
    elapsed = ms + 20_000;
    collector.add(
      'payment_processed',
      p.at,
      `${p.subject}|payment|declined`,
      p.partition,
      {
        ...ids,
        payment_method: tried,
        ...amount,
        transaction_id: `TXN${p.subject.slice(3)}D`,
        processing_time: new Date(p.at + ms).toISOString(),
        processing_time_ms: ms,
        status: 'DECLINED',
        decline_reason: declineReason(unit(p.subject, 3)),
      },
      p.links,
    );
  }
  const ms = 150 + (Number.parseInt(eventId('payment_processed', p.subject).slice(0, 4), 16) % 1800);
  collector.add(
    'payment_processed',
    p.at,
    `${p.subject}|payment`,
    p.partition,
    {
      ...ids,
      payment_method: p.tender,
      ...amount,
      transaction_id: `TXN${p.subject.slice(3)}`,
      processing_time: new Date(p.at + elapsed + ms).toISOString(),
      processing_time_ms: ms,
      status: p.refund ? 'REFUNDED' : 'APPROVED',
      decline_reason: null,
    },
    p.links,
  );
}

/** Integer cents of a receipt or order header, with the net subtotal the identities need. */
function centsOf(r: Row) {
  const gross = Number(r.subtotal_cents);
  const discount = Number(r.discount_cents);
  return {
    gross_subtotal_cents: gross,
    discount_cents: discount,
    subtotal_cents: gross - discount,
    tax_cents: Number(r.tax_cents),
    total_cents: Number(r.total_cents),
  };
}

function priorityOf(current: number, point: number): 'NORMAL' | 'HIGH' | 'URGENT' {
  return current <= 0 ? 'URGENT' : current <= point / 2 ? 'HIGH' : 'NORMAL';
}

const HOUR_MS = 3_600_000;
const enteredKey = (session: string) => `${session}|entered`;

/** Store visits: one customer_entered per visit before its pings and zone changes, and the untracked rest of the door count. */
function collectVisits(collector: EventCollector, tables: Partial<Record<string, ColumnarTable>>, journeyOf: Map<string, string>): void {
  const sessions = new Map<string, Row[]>();
  for (const r of rows(tables.fact_ble_pings)) {
    const list = sessions.get(String(r.session_id)) ?? [];
    list.push(r);
    sessions.set(String(r.session_id), list);
  }
  // Visits counted by the main door's sensor per store and hour, so the aggregate keeps the door count whole.
  const tracked = new Map<string, number>();
  for (const [session, pings] of sessions) {
    pings.sort((a, b) => time(a.event_ts) - time(b.event_ts));
    const first = pings[0]!;
    const enteredAt = time(first.event_ts);
    const storeId = Number(first.store_id);
    const partition = `store-${storeId}`;
    const hourKey = `${storeId}|${Math.floor(enteredAt / HOUR_MS)}`;
    tracked.set(hourKey, (tracked.get(hourKey) ?? 0) + 1);
    const links = { session, correlation: journeyOf.get(session) ?? session };
    const entered = eventId('customer_entered', enteredKey(session));
    collector.add(
      'customer_entered',
      enteredAt,
      enteredKey(session),
      partition,
      {
        store_id: storeId,
        sensor_id: `SENSOR_${String(storeId).padStart(3, '0')}_ENTRANCE_MAIN`,
        zone: 'ENTRANCE_MAIN',
        customer_count: 1,
        dwell_time: Math.round((time(pings.at(-1)!.event_ts) - enteredAt) / 1000),
      },
      links,
    );
    let previous: string | null = null;
    pings.forEach((r, k) => {
      const at = time(r.event_ts);
      const ping = `${session}|${k}`;
      collector.add(
        'ble_ping_detected',
        at,
        ping,
        partition,
        {
          store_id: r.store_id,
          beacon_id: r.beacon_id,
          customer_ble_id: r.customer_ble_id,
          rssi: r.rssi,
          zone: r.zone,
        },
        { ...links, parent: entered },
      );
      if (previous !== null && previous !== r.zone) {
        collector.add(
          'customer_zone_changed',
          at,
          `${ping}|zone`,
          partition,
          {
            store_id: r.store_id,
            customer_ble_id: r.customer_ble_id,
            from_zone: previous,
            to_zone: r.zone,
            timestamp: new Date(at).toISOString(),
          },
          { ...links, parent: eventId('ble_ping_detected', ping) },
        );
      }
      previous = String(r.zone);
    });
  }
  for (const r of rows(tables.fact_foot_traffic)) {
    if (!String(r.zone).startsWith('ENTRANCE')) continue;
    const at = time(r.event_ts);
    const individually = r.zone === 'ENTRANCE_MAIN' ? (tracked.get(`${r.store_id}|${Math.floor(at / HOUR_MS)}`) ?? 0) : 0;
    const rest = Number(r.count) - individually;
    if (rest <= 0) continue;
    collector.add('customer_entered', at, `${r.sensor_id}|${iso(r.event_ts)}`, `store-${r.store_id}`, {
      store_id: r.store_id,
      sensor_id: r.sensor_id,
      zone: r.zone,
      customer_count: rest,
      dwell_time: r.dwell_seconds,
    });
  }
}

/** Adds the events of one region-day (and optionally its marketing) to the collector. */
export function collectDayEvents(collector: EventCollector, tables: Partial<Record<string, ColumnarTable>>): void {
  const receipts = rows(tables.fact_receipts);
  // A visit an impression led to belongs to that customer's journey: the impression id.
  const journeyOf = new Map<string, string>();
  for (const r of receipts) if (r.impression_id) journeyOf.set(String(r.session_id), String(r.impression_id));
  collectVisits(collector, tables, journeyOf);

  const linesByReceipt = new Map<string, Row[]>();
  for (const r of rows(tables.fact_receipt_lines)) {
    const list = linesByReceipt.get(String(r.receipt_id_ext)) ?? [];
    list.push(r);
    linesByReceipt.set(String(r.receipt_id_ext), list);
  }
  for (const r of receipts) {
    const at = time(r.event_ts);
    const receiptId = String(r.receipt_id_ext);
    const session = String(r.session_id);
    const partition = `store-${r.store_id}`;
    const sale = r.receipt_type === 'SALE';
    const links = { session, correlation: journeyOf.get(session) ?? session };
    const receiptEvent = eventId('receipt_created', receiptId);
    // A sale follows from the visit's entry; a return from the sale it refunds.
    const parent = sale ? eventId('customer_entered', enteredKey(session)) : eventId('receipt_created', String(r.return_for_receipt_id_ext));
    collector.add(
      'receipt_created',
      at,
      receiptId,
      partition,
      {
        store_id: r.store_id,
        customer_id: r.customer_id,
        receipt_id: receiptId,
        receipt_type: r.receipt_type,
        subtotal: money(Number(r.subtotal_cents)),
        discount: money(Number(r.discount_cents)),
        tax: money(Number(r.tax_cents)),
        total: money(Number(r.total_cents)),
        tender_type: r.payment_method,
        item_count: r.item_count,
        campaign_id: r.campaign_id ?? null,
        impression_id: r.impression_id ?? null,
        ...centsOf(r),
      },
      { ...links, parent },
    );
    const child = { ...links, parent: receiptEvent };
    const lines = linesByReceipt.get(receiptId) ?? [];
    const promos = new Map<string, { cents: number; products: number[] }>();
    for (const line of lines) {
      collector.add(
        'receipt_line_added',
        at,
        `${receiptId}|${line.line_num}`,
        partition,
        {
          receipt_id: receiptId,
          line_number: line.line_num,
          product_id: line.product_id,
          quantity: line.quantity,
          unit_price: money(Number(line.unit_cents)),
          extended_price: money(Number(line.ext_cents)),
          promo_code: line.promo_code ?? null,
        },
        child,
      );
      if (line.promo_code && line.promo_code !== 'RETURN' && sale) {
        const promo = promos.get(String(line.promo_code)) ?? { cents: 0, products: [] };
        promo.cents += Number(line.discount_cents);
        promo.products.push(Number(line.product_id));
        promos.set(String(line.promo_code), promo);
      }
    }
    for (const [code, promo] of promos) {
      collector.add(
        'promotion_applied',
        at,
        `${receiptId}|${code}`,
        partition,
        {
          receipt_id: receiptId,
          promo_code: code,
          discount_amount: money(promo.cents),
          discount_type: code === 'BOGO50' ? 'BOGO' : 'PERCENT',
          product_ids: promo.products,
          discount_cents: promo.cents,
          product_count: promo.products.length,
          store_id: r.store_id,
          customer_id: r.customer_id,
        },
        child,
      );
    }
    addPayment(collector, {
      subject: receiptId,
      kind: 'receipt',
      storeId: Number(r.store_id),
      customerId: Number(r.customer_id),
      tender: String(r.payment_method),
      cents: Math.abs(Number(r.total_cents)),
      refund: !sale,
      at,
      partition,
      links: child,
    });
  }

  const inventory = (table: ColumnarTable | undefined, location: 'store_id' | 'dc_id') => {
    rows(table).forEach((r, i) => {
      const at = time(r.event_ts);
      const partition = location === 'store_id' ? `store-${r.store_id}` : `dc-${r.dc_id}`;
      const place = { store_id: location === 'store_id' ? r.store_id : null, dc_id: location === 'dc_id' ? r.dc_id : null };
      const key = `${partition}|${r.product_id}|${at}|${i}`;
      const source = r.source == null ? null : String(r.source);
      // Stock that moves because of a shipment or a supplier delivery belongs to that shipment's story.
      const correlation = source && (source.startsWith('SHIP') || source.startsWith('SUP')) ? source : null;
      if (r.txn_type === 'STOCKOUT') {
        collector.add('stockout_detected', at, key, partition, {
          ...place,
          product_id: r.product_id,
          last_known_quantity: r.balance,
          detection_time: new Date(at).toISOString(),
        });
      } else if (r.txn_type === 'REORDER') {
        const point = Number(r.reorder_point);
        collector.add(
          'reorder_triggered',
          at,
          `reorder|${key}`,
          partition,
          {
            ...place,
            product_id: r.product_id,
            current_quantity: r.balance,
            reorder_quantity: r.reorder_quantity,
            reorder_point: point,
            priority: priorityOf(Number(r.balance), point),
          },
          { correlation },
        );
      } else {
        collector.add(
          'inventory_updated',
          at,
          key,
          partition,
          { ...place, product_id: r.product_id, quantity_delta: r.quantity, balance: r.balance, reason: r.txn_type, source },
          { correlation },
        );
      }
    });
  };
  inventory(tables.fact_store_inventory_txn, 'store_id');
  inventory(tables.fact_dc_inventory_txn, 'dc_id');

  for (const r of rows(tables.fact_truck_moves)) {
    const at = time(r.event_ts);
    const shipment = String(r.shipment_id);
    const base = { truck_id: String(r.truck_id), dc_id: r.dc_id, store_id: r.store_id, shipment_id: shipment };
    const partition = `store-${r.store_id}`;
    if (r.status === 'ARRIVED') {
      collector.add(
        'truck_arrived',
        at,
        `${shipment}|arrived`,
        partition,
        { ...base, arrival_time: new Date(at).toISOString(), estimated_unload_duration: Math.round((time(r.etd) - time(r.eta)) / 60_000) },
        { correlation: shipment, parent: eventId('truck_departed', `${shipment}|departed-dc`) },
      );
    } else if (r.status === 'IN_TRANSIT') {
      collector.add(
        'truck_departed',
        at,
        `${shipment}|departed-dc`,
        `dc-${r.dc_id}`,
        { ...base, departure_time: new Date(at).toISOString(), actual_unload_duration: 0 },
        { correlation: shipment },
      );
    } else if (r.status === 'COMPLETED') {
      collector.add(
        'truck_departed',
        at,
        `${shipment}|departed-store`,
        partition,
        { ...base, departure_time: new Date(at).toISOString(), actual_unload_duration: Math.round((at - time(r.eta)) / 60_000) },
        { correlation: shipment, parent: eventId('truck_arrived', `${shipment}|arrived`) },
      );
    }
  }

  const orderLinks = new Map<string, { session: string; correlation: string }>();
  for (const r of rows(tables.fact_online_order_headers)) {
    const at = time(r.event_ts);
    const orderId = String(r.order_id_ext);
    const session = String(r.session_id);
    const links = { session, correlation: r.impression_id ? String(r.impression_id) : session };
    orderLinks.set(orderId, links);
    const partition = `customer-${r.customer_id}`;
    collector.add(
      'online_order_created',
      at,
      orderId,
      partition,
      {
        order_id: orderId,
        customer_id: r.customer_id,
        item_count: r.item_count,
        subtotal: money(Number(r.subtotal_cents)),
        discount: money(Number(r.discount_cents)),
        tax: money(Number(r.tax_cents)),
        total: money(Number(r.total_cents)),
        payment_method: r.payment_method,
        status: r.status,
        tender_type: r.payment_method,
        fulfillment_mode: r.fulfillment_mode,
        node_type: r.node_type,
        node_id: r.node_id,
        campaign_id: r.campaign_id ?? null,
        impression_id: r.impression_id ?? null,
        ...centsOf(r),
      },
      links,
    );
    // A cancelled order charges nothing; every other order is paid when it is placed.
    if (r.status !== 'CANCELLED') {
      addPayment(collector, {
        subject: orderId,
        kind: 'order',
        storeId: null,
        customerId: Number(r.customer_id),
        tender: String(r.payment_method),
        cents: Number(r.total_cents),
        refund: false,
        at,
        partition,
        links: { ...links, parent: eventId('online_order_created', orderId) },
      });
    }
  }
  for (const r of rows(tables.fact_online_order_lines)) {
    const partition = `${String(r.node_type).toLowerCase()}-${r.node_id}`;
    const orderId = String(r.order_id);
    const links = orderLinks.get(orderId) ?? { session: null, correlation: null };
    const picked = `${orderId}|${r.line_num}|picked`;
    // What the pick and the shipment of a line both say, in the same field order.
    const line = {
      order_id: orderId,
      line_number: r.line_num,
      product_id: r.product_id,
      quantity: r.quantity,
      fulfillment_mode: r.fulfillment_mode,
      node_type: r.node_type,
      node_id: r.node_id,
    };
    if (r.picked_ts) {
      collector.add(
        'online_order_picked',
        time(r.picked_ts),
        picked,
        partition,
        { ...line, picked_time: iso(r.picked_ts) },
        { ...links, parent: eventId('online_order_created', orderId) },
      );
    }
    if (r.shipped_ts) {
      collector.add(
        'online_order_shipped',
        time(r.shipped_ts),
        `${orderId}|${r.line_num}|shipped`,
        partition,
        {
          ...line,
          ...parcel(orderId, partition),
          shipped_time: iso(r.shipped_ts),
          estimated_delivery: iso(r.delivered_ts ?? r.shipped_ts),
        },
        { ...links, parent: eventId('online_order_picked', picked) },
      );
    }
  }

  for (const r of rows(tables.fact_marketing)) {
    const impression = String(r.impression_id_ext);
    collector.add(
      'ad_impression',
      time(r.event_ts),
      impression,
      `campaign-${r.campaign_id}`,
      {
        channel: r.channel,
        campaign_id: r.campaign_id,
        creative_id: r.creative_id,
        customer_ad_id: r.customer_ad_id,
        impression_id: impression,
        cost: r.cost,
        device_type: r.device,
        customer_id: r.customer_id ?? null,
      },
      { correlation: impression },
    );
  }
}

/** Store opening and closing events of one day, from the store profiles. */
export function collectStoreHours(collector: EventCollector, context: FactContext, day: string): void {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  for (const store of context.stores) {
    const [open, close] = openingHours(store.hours);
    if (open === 0 && close === 24) continue; // 24/7 stores never open or close
    const partition = `store-${store.id}`;
    collector.add('store_opened', dayStart + open * 3_600_000, `${store.id}|${day}|open`, partition, {
      store_id: store.id,
      operation_time: new Date(dayStart + open * 3_600_000).toISOString(),
      operation_type: 'OPEN',
    });
    collector.add('store_closed', dayStart + close * 3_600_000, `${store.id}|${day}|close`, partition, {
      store_id: store.id,
      operation_time: new Date(dayStart + close * 3_600_000).toISOString(),
      operation_type: 'CLOSE',
    });
  }
}
