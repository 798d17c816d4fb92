/**
 * Event envelope and payload schemas: the single source for the event factory, the event-types endpoint,
 * the OpenAPI document and the KQL tables of docs/kql. Field names are SPEC.md's (snake_case). Money is in
 * currency units with two decimals (the cents are exact integers in the facts); times are ISO-8601 UTC.
 */
import { z } from 'zod';

const money = () => z.number().describe('Currency units, two decimals');
const isoTime = () => z.string().describe('ISO-8601 UTC timestamp');
const storeOrDc = {
  store_id: z.number().int().nullable().describe('Store, when the location is a store'),
  dc_id: z.number().int().nullable().describe('Distribution center, when the location is a DC'),
};

export const eventPayloadSchemas = {
  receipt_created: z.object({
    store_id: z.number().int(),
    customer_id: z.number().int(),
    receipt_id: z.string(),
    receipt_type: z.enum(['SALE', 'RETURN']),
    subtotal: money(),
    discount: money(),
    tax: money(),
    total: money(),
    tender_type: z.string(),
    item_count: z.number().int(),
  }),
  receipt_line_added: z.object({
    receipt_id: z.string(),
    line_number: z.number().int(),
    product_id: z.number().int(),
    quantity: z.number().int(),
    unit_price: money(),
    extended_price: money(),
    promo_code: z.string().nullable(),
  }),
  payment_processed: z.object({
    receipt_id: z.string(),
    payment_method: z.string(),
    amount: money(),
    transaction_id: z.string(),
    processing_time: z.number().int().describe('Milliseconds the authorisation took'),
    status: z.enum(['APPROVED', 'REFUNDED']),
  }),
  inventory_updated: z.object({
    ...storeOrDc,
    product_id: z.number().int(),
    quantity_delta: z.number().int(),
    balance: z.number().int(),
    reason: z.string(),
    source: z.string().nullable(),
  }),
  stockout_detected: z.object({
    ...storeOrDc,
    product_id: z.number().int(),
    last_known_quantity: z.number().int(),
    detection_time: isoTime(),
  }),
  reorder_triggered: z.object({
    ...storeOrDc,
    product_id: z.number().int(),
    current_quantity: z.number().int(),
    reorder_quantity: z.number().int(),
    reorder_point: z.number().int(),
    priority: z.enum(['NORMAL', 'HIGH', 'URGENT']),
  }),
  customer_entered: z.object({
    store_id: z.number().int(),
    sensor_id: z.string(),
    zone: z.string(),
    customer_count: z.number().int(),
    dwell_time: z.number().int().describe('Seconds'),
  }),
  customer_zone_changed: z.object({
    store_id: z.number().int(),
    customer_ble_id: z.string(),
    from_zone: z.string(),
    to_zone: z.string(),
    timestamp: isoTime(),
  }),
  ble_ping_detected: z.object({
    store_id: z.number().int(),
    beacon_id: z.string(),
    customer_ble_id: z.string(),
    rssi: z.number().int(),
    zone: z.string(),
  }),
  truck_arrived: z.object({
    truck_id: z.number().int(),
    dc_id: z.number().int(),
    store_id: z.number().int(),
    shipment_id: z.string(),
    arrival_time: isoTime(),
    estimated_unload_duration: z.number().int().describe('Minutes'),
  }),
  truck_departed: z.object({
    truck_id: z.number().int(),
    dc_id: z.number().int(),
    store_id: z.number().int(),
    shipment_id: z.string(),
    departure_time: isoTime(),
    actual_unload_duration: z.number().int().nullable().describe('Minutes; null when leaving the DC'),
  }),
  store_opened: z.object({ store_id: z.number().int(), operation_time: isoTime(), operation_type: z.literal('OPEN') }),
  store_closed: z.object({ store_id: z.number().int(), operation_time: isoTime(), operation_type: z.literal('CLOSE') }),
  ad_impression: z.object({
    channel: z.string(),
    campaign_id: z.string(),
    creative_id: z.string(),
    customer_ad_id: z.string(),
    impression_id: z.string(),
    cost: z.number().describe('Currency units, four decimals'),
    device_type: z.string(),
  }),
  promotion_applied: z.object({
    receipt_id: z.string(),
    promo_code: z.string(),
    discount_amount: money(),
    discount_type: z.enum(['PERCENT', 'BOGO']),
    product_ids: z.array(z.number().int()),
  }),
  online_order_created: z.object({
    order_id: z.string(),
    customer_id: z.number().int(),
    item_count: z.number().int(),
    subtotal: money(),
    discount: money(),
    tax: money(),
    total: money(),
    payment_method: z.string(),
    status: z.string(),
  }),
  online_order_picked: z.object({
    order_id: z.string(),
    line_number: z.number().int(),
    product_id: z.number().int(),
    quantity: z.number().int(),
    fulfillment_mode: z.string(),
    node_type: z.enum(['STORE', 'DC']),
    node_id: z.number().int(),
    picked_time: isoTime(),
  }),
  online_order_shipped: z.object({
    order_id: z.string(),
    line_number: z.number().int(),
    product_id: z.number().int(),
    quantity: z.number().int(),
    fulfillment_mode: z.string(),
    shipped_time: isoTime(),
    estimated_delivery: isoTime(),
  }),
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export const EVENT_TYPES = Object.keys(eventPayloadSchemas) as EventType[];
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

export const ENVELOPE_FIELDS = ['event_id', 'event_type', 'payload', 'trace_id', 'ingest_timestamp', 'schema_version', 'source', 'correlation_id', 'partition_key'] as const;

export const eventEnvelopeSchema = z
  .object({
    event_id: z.string().describe('Deterministic: the same event regenerated has the same id, so consumers can drop duplicates'),
    event_type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
    payload: z.record(z.string(), z.unknown()),
    trace_id: z.string(),
    ingest_timestamp: isoTime(),
    schema_version: z.literal('1.0'),
    source: z.literal('retail-datagen'),
    correlation_id: z.string().optional().describe('Groups the events of one visit, order or shipment'),
    partition_key: z.string().optional().describe('Store (or DC) id: events of one location stay in order'),
  })
  .meta({ id: 'EventEnvelope' });
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/** Validates an envelope and its payload against the schema of its type. */
export function parseEvent(value: unknown): EventEnvelope {
  const envelope = eventEnvelopeSchema.parse(value);
  eventPayloadSchemas[envelope.event_type].strict().parse(envelope.payload);
  return envelope;
}
