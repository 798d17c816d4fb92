/**
 * The event factory: turns one simulated day of facts (the same generators as the historical tables) into
 * streaming events in the envelope of schemas.ts (`eventEnvelopeSchema`). Each event's id is derived from what it describes, so a
 * regenerated slice yields the same ids and consumers can drop duplicates. Events are ordered by simulated
 * time; the partition key is the store (or DC), so one location's events stay in order.
 */
import { createHash } from 'node:crypto';
import type { ColumnarTable } from '../columnar-table.js';
import { openingHours } from '../facts/calendar.js';
import type { FactContext } from '../facts/context.js';
import type { EventEnvelope, EventType } from './schemas.js';

export interface TimedEvent {
  /** Simulated time of the event (epoch ms); the outbox sends in this order. */
  at: number;
  envelope: EventEnvelope;
}

type Row = Record<string, unknown>;

function rows(table: ColumnarTable | undefined): Row[] {
  if (!table) return [];
  const result: Row[] = new Array(table.rowCount);
  for (let i = 0; i < table.rowCount; i++) {
    const row: Row = {};
    for (const column of table.columns) row[column.name] = (column.data as ArrayLike<unknown>)[i];
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

  add(eventType: EventType, at: number, naturalKey: string, partition: string, payload: Record<string, unknown>, correlationId?: string): void {
    if (this.allowed && !this.allowed.has(eventType)) return;
    const envelope: EventEnvelope = {
      event_id: eventId(eventType, naturalKey),
      event_type: eventType,
      payload,
      trace_id: `TRC-${eventId('receipt_created', `${naturalKey}|trace`).slice(0, 16)}`,
      ingest_timestamp: this.ingestTimestamp(at),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: partition,
      ...(correlationId ? { correlation_id: correlationId } : {}),
    };
    this.events.push({ at, envelope });
  }

  /** Stable order: simulated time, then the order the facts produced them (entered → pings → receipt → lines → payment). */
  sorted(): TimedEvent[] {
    return this.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map(({ e }) => e);
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

/** Adds the events of one region-day (and optionally its marketing) to the collector. */
export function collectDayEvents(collector: EventCollector, tables: Partial<Record<string, ColumnarTable>>): void {
  for (const r of rows(tables.fact_foot_traffic)) {
    if (!String(r.zone).startsWith('ENTRANCE')) continue;
    collector.add('customer_entered', time(r.event_ts), `${r.sensor_id}|${iso(r.event_ts)}`, `store-${r.store_id}`, {
      store_id: r.store_id, sensor_id: r.sensor_id, zone: r.zone, customer_count: r.count, dwell_time: r.dwell_seconds,
    });
  }
  const lastZone = new Map<string, string>();
  const pings = rows(tables.fact_ble_pings).sort((a, b) => time(a.event_ts) - time(b.event_ts));
  pings.forEach((r, i) => {
    const at = time(r.event_ts);
    const partition = `store-${r.store_id}`;
    collector.add('ble_ping_detected', at, `${r.beacon_id}|${r.customer_ble_id}|${at}|${i}`, partition, {
      store_id: r.store_id, beacon_id: r.beacon_id, customer_ble_id: r.customer_ble_id, rssi: r.rssi, zone: r.zone,
    });
    const key = `${r.store_id}|${r.customer_ble_id}`;
    const previous = lastZone.get(key);
    if (previous && previous !== r.zone) {
      collector.add('customer_zone_changed', at, `${key}|${at}|${i}`, partition, {
        store_id: r.store_id, customer_ble_id: r.customer_ble_id, from_zone: previous, to_zone: r.zone, timestamp: new Date(at).toISOString(),
      });
    }
    lastZone.set(key, String(r.zone));
  });

  const linesByReceipt = new Map<string, Row[]>();
  for (const r of rows(tables.fact_receipt_lines)) {
    const list = linesByReceipt.get(String(r.receipt_id_ext)) ?? [];
    list.push(r);
    linesByReceipt.set(String(r.receipt_id_ext), list);
  }
  for (const r of rows(tables.fact_receipts)) {
    const at = time(r.event_ts);
    const receiptId = String(r.receipt_id_ext);
    const partition = `store-${r.store_id}`;
    collector.add('receipt_created', at, receiptId, partition, {
      store_id: r.store_id, customer_id: r.customer_id, receipt_id: receiptId, receipt_type: r.receipt_type,
      subtotal: money(Number(r.subtotal_cents)), discount: money(Number(r.discount_cents)), tax: money(Number(r.tax_cents)),
      total: money(Number(r.total_cents)), tender_type: r.payment_method, item_count: r.item_count,
    }, receiptId);
    const lines = linesByReceipt.get(receiptId) ?? [];
    const promos = new Map<string, { amount: number; products: number[] }>();
    for (const line of lines) {
      collector.add('receipt_line_added', at, `${receiptId}|${line.line_num}`, partition, {
        receipt_id: receiptId, line_number: line.line_num, product_id: line.product_id, quantity: line.quantity,
        unit_price: money(Number(line.unit_cents)), extended_price: money(Number(line.ext_cents)), promo_code: line.promo_code ?? null,
      }, receiptId);
      if (line.promo_code && line.promo_code !== 'RETURN' && r.receipt_type === 'SALE') {
        const promo = promos.get(String(line.promo_code)) ?? { amount: 0, products: [] };
        promo.amount += Number(line.discount_cents);
        promo.products.push(Number(line.product_id));
        promos.set(String(line.promo_code), promo);
      }
    }
    for (const [code, promo] of promos) {
      collector.add('promotion_applied', at, `${receiptId}|${code}`, partition, {
        receipt_id: receiptId, promo_code: code, discount_amount: money(promo.amount), discount_type: code === 'BOGO50' ? 'BOGO' : 'PERCENT', product_ids: promo.products,
      }, receiptId);
    }
    collector.add('payment_processed', at, `${receiptId}|payment`, partition, {
      receipt_id: receiptId, payment_method: r.payment_method, amount: money(Math.abs(Number(r.total_cents))),
      transaction_id: `TXN${receiptId.slice(3)}`, processing_time: 150 + (Number.parseInt(eventId('payment_processed', receiptId).slice(0, 4), 16) % 1800),
      status: r.receipt_type === 'RETURN' ? 'REFUNDED' : 'APPROVED',
    }, receiptId);
  }

  const inventory = (table: ColumnarTable | undefined, location: 'store_id' | 'dc_id') => {
    rows(table).forEach((r, i) => {
      const at = time(r.event_ts);
      const partition = location === 'store_id' ? `store-${r.store_id}` : `dc-${r.dc_id}`;
      const place = { store_id: location === 'store_id' ? r.store_id : null, dc_id: location === 'dc_id' ? r.dc_id : null };
      const key = `${partition}|${r.product_id}|${at}|${i}`;
      if (r.txn_type === 'STOCKOUT') {
        collector.add('stockout_detected', at, key, partition, { ...place, product_id: r.product_id, last_known_quantity: r.balance, detection_time: new Date(at).toISOString() });
        return;
      }
      collector.add('inventory_updated', at, key, partition, { ...place, product_id: r.product_id, quantity_delta: r.quantity, balance: r.balance, reason: r.txn_type, source: r.source ?? null });
      if (r.txn_type === 'OUTBOUND_SHIPMENT' && location === 'dc_id') {
        // A DC loads what a store reordered: the reorder is the demand signal behind the shipment.
        const reordered = -Number(r.quantity);
        collector.add('reorder_triggered', at, `reorder|${key}`, partition, {
          store_id: null, dc_id: r.dc_id, product_id: r.product_id, current_quantity: Number(r.balance) + reordered, reorder_quantity: reordered,
          reorder_point: 0, priority: reordered > 150 ? 'HIGH' : 'NORMAL',
        });
      }
    });
  };
  inventory(tables.fact_store_inventory_txn, 'store_id');
  inventory(tables.fact_dc_inventory_txn, 'dc_id');

  for (const r of rows(tables.fact_truck_moves)) {
    const at = time(r.event_ts);
    const base = { truck_id: r.truck_id, dc_id: r.dc_id, store_id: r.store_id, shipment_id: r.shipment_id };
    const partition = `store-${r.store_id}`;
    if (r.status === 'ARRIVED') {
      collector.add('truck_arrived', at, `${r.shipment_id}|arrived`, partition, { ...base, arrival_time: new Date(at).toISOString(), estimated_unload_duration: Math.round((time(r.etd) - time(r.eta)) / 60_000) }, String(r.shipment_id));
    } else if (r.status === 'IN_TRANSIT') {
      collector.add('truck_departed', at, `${r.shipment_id}|departed-dc`, `dc-${r.dc_id}`, { ...base, departure_time: new Date(at).toISOString(), actual_unload_duration: null }, String(r.shipment_id));
    } else if (r.status === 'COMPLETED') {
      collector.add('truck_departed', at, `${r.shipment_id}|departed-store`, partition, { ...base, departure_time: new Date(at).toISOString(), actual_unload_duration: Math.round((at - time(r.eta)) / 60_000) }, String(r.shipment_id));
    }
  }

  for (const r of rows(tables.fact_online_order_headers)) {
    collector.add('online_order_created', time(r.event_ts), String(r.order_id_ext), `customer-${r.customer_id}`, {
      order_id: r.order_id_ext, customer_id: r.customer_id, item_count: r.item_count, subtotal: money(Number(r.subtotal_cents)),
      discount: money(Number(r.discount_cents)), tax: money(Number(r.tax_cents)), total: money(Number(r.total_cents)), payment_method: r.payment_method, status: r.status,
    }, String(r.order_id_ext));
  }
  for (const r of rows(tables.fact_online_order_lines)) {
    const partition = `${String(r.node_type).toLowerCase()}-${r.node_id}`;
    if (r.picked_ts) {
      collector.add('online_order_picked', time(r.picked_ts), `${r.order_id}|${r.line_num}|picked`, partition, {
        order_id: r.order_id, line_number: r.line_num, product_id: r.product_id, quantity: r.quantity, fulfillment_mode: r.fulfillment_mode,
        node_type: r.node_type, node_id: r.node_id, picked_time: iso(r.picked_ts),
      }, String(r.order_id));
    }
    if (r.shipped_ts) {
      collector.add('online_order_shipped', time(r.shipped_ts), `${r.order_id}|${r.line_num}|shipped`, partition, {
        order_id: r.order_id, line_number: r.line_num, product_id: r.product_id, quantity: r.quantity, fulfillment_mode: r.fulfillment_mode,
        node_type: r.node_type, node_id: r.node_id, ...parcel(String(r.order_id), partition),
        shipped_time: iso(r.shipped_ts), estimated_delivery: iso(r.delivered_ts ?? r.shipped_ts),
      }, String(r.order_id));
    }
  }

  for (const r of rows(tables.fact_marketing)) {
    collector.add('ad_impression', time(r.event_ts), String(r.impression_id_ext), `campaign-${r.campaign_id}`, {
      channel: r.channel, campaign_id: r.campaign_id, creative_id: r.creative_id, customer_ad_id: r.customer_ad_id,
      impression_id: r.impression_id_ext, cost: r.cost, device_type: r.device,
    });
  }
}

/** Store opening and closing events of one day, from the store profiles. */
export function collectStoreHours(collector: EventCollector, context: FactContext, day: string): void {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  for (const store of context.stores) {
    const [open, close] = openingHours(store.hours);
    if (open === 0 && close === 24) continue; // 24/7 stores never open or close
    const partition = `store-${store.id}`;
    collector.add('store_opened', dayStart + open * 3_600_000, `${store.id}|${day}|open`, partition, { store_id: store.id, operation_time: new Date(dayStart + open * 3_600_000).toISOString(), operation_type: 'OPEN' });
    collector.add('store_closed', dayStart + close * 3_600_000, `${store.id}|${day}|close`, partition, { store_id: store.id, operation_time: new Date(dayStart + close * 3_600_000).toISOString(), operation_type: 'CLOSE' });
  }
}
