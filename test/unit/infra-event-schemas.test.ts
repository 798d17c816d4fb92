/**
 * The event schemas (src/core/events/schemas.ts): every event type and payload field of the product's event contract (listed below), a valid sample of
 * each type parses, and what a consumer must be able to rely on is enforced (unknown fields, one location,
 * cents, ISO times, the envelope's literals).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ADDITIONAL_PAYLOAD_FIELDS,
  EVENT_TYPE_NAMES,
  EVENT_TYPES,
  anyEventEnvelopeSchema,
  eventEnvelopeSchema,
  eventPayloadSchemas,
  parseEvent,
  type EventType,
} from '../../src/core/events/schemas.js';

/** The event contract: the types and their payload fields (it does not itemise online orders). */
const SPEC_FIELDS: Record<EventType, string[]> = {
  receipt_created: ['store_id', 'customer_id', 'receipt_id', 'subtotal', 'tax', 'total', 'tender_type', 'item_count'],
  receipt_line_added: ['receipt_id', 'line_number', 'product_id', 'quantity', 'unit_price', 'extended_price', 'promo_code'],
  payment_processed: ['receipt_id', 'payment_method', 'amount', 'transaction_id', 'processing_time', 'status'],
  inventory_updated: ['store_id', 'dc_id', 'product_id', 'quantity_delta', 'reason', 'source'],
  stockout_detected: ['store_id', 'dc_id', 'product_id', 'last_known_quantity', 'detection_time'],
  reorder_triggered: ['store_id', 'dc_id', 'product_id', 'current_quantity', 'reorder_quantity', 'reorder_point', 'priority'],
  customer_entered: ['store_id', 'sensor_id', 'zone', 'customer_count', 'dwell_time'],
  customer_zone_changed: ['store_id', 'customer_ble_id', 'from_zone', 'to_zone', 'timestamp'],
  ble_ping_detected: ['store_id', 'beacon_id', 'customer_ble_id', 'rssi', 'zone'],
  truck_arrived: ['truck_id', 'dc_id', 'store_id', 'shipment_id', 'arrival_time', 'estimated_unload_duration'],
  truck_departed: ['truck_id', 'dc_id', 'store_id', 'shipment_id', 'departure_time', 'actual_unload_duration'],
  store_opened: ['store_id', 'operation_time', 'operation_type'],
  store_closed: ['store_id', 'operation_time', 'operation_type'],
  ad_impression: ['channel', 'campaign_id', 'creative_id', 'customer_ad_id', 'impression_id', 'cost', 'device_type'],
  promotion_applied: ['receipt_id', 'promo_code', 'discount_amount', 'discount_type', 'product_ids'],
  online_order_created: ['order_id', 'customer_id', 'item_count', 'subtotal', 'tax', 'total', 'status'],
  online_order_picked: ['order_id', 'product_id', 'quantity', 'picked_time'],
  online_order_shipped: ['order_id', 'product_id', 'quantity', 'carrier', 'tracking_number', 'shipped_time'],
};
/** Our own design for the online order lifecycle (the contract leaves the fields open). */
const OWN_FIELDS: Partial<Record<EventType, string[]>> = {
  online_order_created: [
    'discount',
    'payment_method',
    'tender_type',
    'fulfillment_mode',
    'node_type',
    'node_id',
    'campaign_id',
    'impression_id',
    'gross_subtotal_cents',
    'discount_cents',
    'subtotal_cents',
    'tax_cents',
    'total_cents',
  ],
  online_order_picked: ['line_number', 'fulfillment_mode', 'node_type', 'node_id'],
  online_order_shipped: ['line_number', 'fulfillment_mode', 'node_type', 'node_id', 'estimated_delivery'],
};

const T = '2024-11-29T10:15:00.000Z';
const SAMPLES: Record<EventType, Record<string, unknown>> = {
  receipt_created: {
    store_id: 3,
    customer_id: 1201,
    receipt_id: 'RCP0001',
    receipt_type: 'SALE',
    subtotal: 20,
    discount: 2,
    tax: 1.44,
    total: 19.44,
    tender_type: 'CREDIT_CARD',
    item_count: 3,
    campaign_id: 'CAMP202411290001',
    impression_id: 'IMP202411290000042',
    gross_subtotal_cents: 2000,
    discount_cents: 200,
    subtotal_cents: 1800,
    tax_cents: 144,
    total_cents: 1944,
  },
  receipt_line_added: { receipt_id: 'RCP0001', line_number: 1, product_id: 77, quantity: 2, unit_price: 5.99, extended_price: 11.98, promo_code: null },
  payment_processed: {
    receipt_id: 'RCP0001',
    order_id: null,
    store_id: 3,
    customer_id: 1201,
    payment_method: 'CREDIT_CARD',
    amount: 19.44,
    amount_cents: 1944,
    transaction_id: 'TXN0001',
    processing_time: T,
    processing_time_ms: 420,
    status: 'APPROVED',
    decline_reason: null,
  },
  inventory_updated: { store_id: 3, dc_id: null, product_id: 77, quantity_delta: -2, balance: 40, reason: 'SALE', source: 'RCP0001' },
  stockout_detected: { store_id: null, dc_id: 1, product_id: 77, last_known_quantity: 0, detection_time: T },
  reorder_triggered: { store_id: null, dc_id: 1, product_id: 77, current_quantity: 12, reorder_quantity: 120, reorder_point: 20, priority: 'HIGH' },
  customer_entered: { store_id: 3, sensor_id: 'SENSOR_003_ENTRANCE', zone: 'ENTRANCE', customer_count: 4, dwell_time: 900 },
  customer_zone_changed: { store_id: 3, customer_ble_id: 'BLE00000A', from_zone: 'ENTRANCE', to_zone: 'GROCERY', timestamp: T },
  ble_ping_detected: { store_id: 3, beacon_id: 'BEACON_003_ENTRANCE', customer_ble_id: 'BLE00000A', rssi: -60, zone: 'ENTRANCE' },
  truck_arrived: { truck_id: '9', dc_id: 1, store_id: 3, shipment_id: 'SHP0001', arrival_time: T, estimated_unload_duration: 45 },
  truck_departed: { truck_id: '9', dc_id: 1, store_id: 3, shipment_id: 'SHP0001', departure_time: T, actual_unload_duration: 0 },
  store_opened: { store_id: 3, operation_time: T, operation_type: 'OPEN' },
  store_closed: { store_id: 3, operation_time: T, operation_type: 'CLOSE' },
  ad_impression: {
    channel: 'SOCIAL',
    campaign_id: 'CMP01',
    creative_id: 'CRV01',
    customer_ad_id: 'AD0001',
    impression_id: 'IMP0001',
    cost: 0.0125,
    device_type: 'MOBILE',
    customer_id: null,
  },
  promotion_applied: {
    receipt_id: 'RCP0001',
    promo_code: 'SAVE10',
    discount_amount: 2,
    discount_type: 'PERCENT',
    product_ids: [77, 78],
    discount_cents: 200,
    product_count: 2,
    store_id: 3,
    customer_id: 1201,
  },
  online_order_created: {
    order_id: 'ORD0001',
    customer_id: 1201,
    item_count: 2,
    subtotal: 30,
    discount: 0,
    tax: 2.1,
    total: 32.1,
    payment_method: 'CREDIT_CARD',
    status: 'OPEN',
    tender_type: 'CREDIT_CARD',
    fulfillment_mode: 'SHIP_FROM_STORE',
    node_type: 'STORE',
    node_id: 3,
    campaign_id: null,
    impression_id: null,
    gross_subtotal_cents: 3000,
    discount_cents: 0,
    subtotal_cents: 3000,
    tax_cents: 210,
    total_cents: 3210,
  },
  online_order_picked: {
    order_id: 'ORD0001',
    line_number: 1,
    product_id: 77,
    quantity: 2,
    fulfillment_mode: 'SHIP_FROM_STORE',
    node_type: 'STORE',
    node_id: 3,
    picked_time: T,
  },
  online_order_shipped: {
    order_id: 'ORD0001',
    line_number: 1,
    product_id: 77,
    quantity: 2,
    fulfillment_mode: 'SHIP_FROM_DC',
    node_type: 'DC',
    node_id: 1,
    carrier: 'UPS',
    tracking_number: 'UP0123456789ABCDEF',
    shipped_time: T,
    estimated_delivery: '2024-12-01T18:00:00.000Z',
  },
};

const envelope = (eventType: EventType, payload: Record<string, unknown>) => ({
  event_id: `evt-${eventType}`,
  event_type: eventType,
  payload,
  trace_id: 'TRC-1',
  ingest_timestamp: T,
  schema_version: '1.0',
  source: 'retail-datagen',
  session_id: null,
  correlation_id: null,
  parent_event_id: null,
  partition_key: 'store-3',
});

describe('event schemas', () => {
  it('define exactly the event types the contract lists, each with a payload schema', () => {
    expect([...EVENT_TYPE_NAMES]).toEqual(Object.keys(SPEC_FIELDS));
    expect(EVENT_TYPES).toEqual([...EVENT_TYPE_NAMES]);
    expect(Object.keys(eventPayloadSchemas)).toEqual([...EVENT_TYPE_NAMES]);
  });

  it('carry every contract payload field, and only documented additions', () => {
    for (const eventType of EVENT_TYPES) {
      const fields = Object.keys(eventPayloadSchemas[eventType].shape).sort();
      const allowed = [...SPEC_FIELDS[eventType], ...Object.keys(ADDITIONAL_PAYLOAD_FIELDS[eventType] ?? {}), ...(OWN_FIELDS[eventType] ?? [])];
      expect(fields, eventType).toEqual([...new Set(allowed)].sort());
    }
  });

  it('describe every payload field (the OpenAPI document and /api/stream/event-types show it)', () => {
    for (const eventType of EVENT_TYPES) {
      for (const [field, schema] of Object.entries(eventPayloadSchemas[eventType].shape)) {
        expect((schema as z.ZodType).description, `${eventType}.${field}`).toBeTruthy();
      }
    }
  });

  it('accept a valid sample of every type, in an envelope too', () => {
    for (const eventType of EVENT_TYPES) {
      expect(eventPayloadSchemas[eventType].safeParse(SAMPLES[eventType]).error, eventType).toBeUndefined();
      expect(parseEvent(envelope(eventType, SAMPLES[eventType])).event_type).toBe(eventType);
    }
  });

  it('reject an unknown payload field and a missing one, for every type', () => {
    for (const eventType of EVENT_TYPES) {
      expect(eventPayloadSchemas[eventType].safeParse({ ...SAMPLES[eventType], extra_field: 1 }).success, eventType).toBe(false);
      expect(() => parseEvent(envelope(eventType, { ...SAMPLES[eventType], extra_field: 1 })), eventType).toThrow();
      const required = Object.keys(SAMPLES[eventType]).filter((f) => f !== 'store_id' && f !== 'dc_id');
      for (const field of required) {
        const { [field]: _removed, ...rest } = SAMPLES[eventType];
        expect(eventPayloadSchemas[eventType].safeParse(rest).success, `${eventType} without ${field}`).toBe(false);
      }
    }
  });

  it('require exactly one of store_id and dc_id on inventory events', () => {
    for (const eventType of ['inventory_updated', 'stockout_detected', 'reorder_triggered'] as const) {
      const schema = eventPayloadSchemas[eventType];
      const sample = SAMPLES[eventType];
      expect(schema.safeParse({ ...sample, store_id: 3, dc_id: null }).success, eventType).toBe(true);
      expect(schema.safeParse({ ...sample, store_id: null, dc_id: 1 }).success, eventType).toBe(true);
      const { store_id: _s, dc_id: _d, ...neither } = sample;
      expect(schema.safeParse({ ...neither, dc_id: 1 }).success, `${eventType} (store_id omitted)`).toBe(true);
      expect(schema.safeParse({ ...sample, store_id: 3, dc_id: 1 }).success, `${eventType} both`).toBe(false);
      expect(schema.safeParse({ ...sample, store_id: null, dc_id: null }).success, `${eventType} neither`).toBe(false);
      expect(schema.safeParse(neither).success, `${eventType} neither (omitted)`).toBe(false);
    }
  });

  it('keep money to the cent and times as ISO-8601 UTC', () => {
    const receipt = eventPayloadSchemas.receipt_created;
    expect(receipt.safeParse({ ...SAMPLES.receipt_created, total: 19.445 }).success).toBe(false);
    expect(receipt.safeParse({ ...SAMPLES.receipt_created, total: '19.44' }).success).toBe(false);
    expect(eventPayloadSchemas.payment_processed.safeParse({ ...SAMPLES.payment_processed, amount: 1.001 }).success).toBe(false);
    const store = eventPayloadSchemas.store_opened;
    expect(store.safeParse({ ...SAMPLES.store_opened, operation_time: '2024-11-29 10:15' }).success).toBe(false);
    expect(store.safeParse({ ...SAMPLES.store_opened, operation_time: 1732875300000 }).success).toBe(false);
    expect(store.safeParse({ ...SAMPLES.store_opened, operation_type: 'CLOSE' }).success).toBe(false);
  });

  it('hold the cents identities on receipts and orders, and tie decline reasons and payment subjects to their rules', () => {
    for (const eventType of ['receipt_created', 'online_order_created'] as const) {
      const schema = eventPayloadSchemas[eventType];
      const sample = SAMPLES[eventType] as Record<string, number>;
      expect(schema.safeParse({ ...sample, subtotal_cents: sample.subtotal_cents! + 1 }).success, `${eventType} subtotal`).toBe(false);
      expect(schema.safeParse({ ...sample, total_cents: sample.total_cents! - 1 }).success, `${eventType} total`).toBe(false);
      expect(schema.safeParse({ ...sample, tax_cents: 14.4 }).success, `${eventType} fractional cents`).toBe(false);
    }
    const payment = eventPayloadSchemas.payment_processed;
    const sample = SAMPLES.payment_processed;
    expect(payment.safeParse({ ...sample, status: 'DECLINED' }).success).toBe(false);
    expect(payment.safeParse({ ...sample, status: 'DECLINED', decline_reason: 'CARD_EXPIRED' }).success).toBe(true);
    expect(payment.safeParse({ ...sample, decline_reason: 'CARD_EXPIRED' }).success).toBe(false);
    expect(payment.safeParse({ ...sample, receipt_id: null, order_id: 'ONL1', store_id: null }).success).toBe(true);
    expect(payment.safeParse({ ...sample, order_id: 'ONL1' }).success).toBe(false);
    expect(payment.safeParse({ ...sample, receipt_id: null }).success).toBe(false);
    expect(payment.safeParse({ ...sample, processing_time: 420 }).success).toBe(false);
  });

  it('wrap payloads in the envelope, whose links are present and null where there is none', () => {
    const event = envelope('ble_ping_detected', SAMPLES.ble_ping_detected);
    expect(anyEventEnvelopeSchema.parse(event)).toEqual(event);
    expect(parseEvent({ ...event, correlation_id: 'RCP0001' }).correlation_id).toBe('RCP0001');
    const { partition_key: _p, ...withoutPartition } = event;
    expect(parseEvent(withoutPartition).partition_key).toBeUndefined();
    expect(() => parseEvent({ ...event, event_type: 'nope' })).toThrow();
    expect(() => parseEvent({ ...event, schema_version: '2.0' })).toThrow();
    expect(() => parseEvent({ ...event, source: 'someone-else' })).toThrow();
    expect(() => parseEvent({ ...event, ingest_timestamp: 'yesterday' })).toThrow();
    const { event_id: _id, ...withoutId } = event;
    expect(() => parseEvent(withoutId)).toThrow();
    for (const link of ['session_id', 'correlation_id', 'parent_event_id'] as const) {
      const { [link]: _link, ...withoutLink } = event;
      expect(() => parseEvent(withoutLink), `without ${link}`).toThrow();
      expect(parseEvent({ ...event, [link]: 'x-1' })[link]).toBe('x-1');
    }
    // The payload is checked against the schema of the event's own type.
    expect(() => parseEvent({ ...event, event_type: 'customer_entered' })).toThrow();

    const typed = eventEnvelopeSchema(eventPayloadSchemas.ble_ping_detected);
    expect(typed.safeParse(event).success).toBe(true);
    expect(typed.safeParse({ ...event, payload: { ...event.payload, rssi: 'strong' } }).success).toBe(false);
  });
});
