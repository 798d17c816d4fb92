/**
 * Event envelope and payload schemas: the single source for the event factory, the event-types endpoint,
 * the OpenAPI document and the KQL tables of docs/kql (a test keeps the script in step).
 *
 * Conventions every consumer can rely on:
 * - Field names are snake_case. Fields beyond the original event list are emitted because consumers need them
 *   to add up or to link events (ADDITIONAL_PAYLOAD_FIELDS says which and why).
 * - Money is a JSON number in currency units with at most two decimals (19.99), derived from exact integer
 *   cents, so `subtotal - discount + tax == total` holds to the cent; receipts and orders carry the cents too. Ad impression cost is the exception:
 *   a fraction of a cent per impression (up to four decimals).
 * - Times are ISO-8601 UTC strings with a `Z` suffix (`2024-11-29T10:15:00.000Z`).
 * - Payloads are strict: an unknown field is an error, so a typo in a producer cannot slip through.
 *
 * Pure module: no Azure or host imports.
 */
import { z } from 'zod';

/** Every event type, in the product's documented order. */
export const EVENT_TYPE_NAMES = [
  'receipt_created',
  'receipt_line_added',
  'payment_processed',
  'inventory_updated',
  'stockout_detected',
  'reorder_triggered',
  'customer_entered',
  'customer_zone_changed',
  'ble_ping_detected',
  'truck_arrived',
  'truck_departed',
  'store_opened',
  'store_closed',
  'ad_impression',
  'promotion_applied',
  'online_order_created',
  'online_order_picked',
  'online_order_shipped',
] as const;

export type EventType = (typeof EVENT_TYPE_NAMES)[number];

/**
 * The same list as a non-empty tuple, the shape `z.enum()` takes. Typed mutable (not `readonly`) because
 * callers pass it to `z.enum(EVENT_TYPES as [EventType, ...EventType[]])`; treat it as read-only.
 */
export const EVENT_TYPES: [EventType, ...EventType[]] = [...EVENT_TYPE_NAMES];

export const SCHEMA_VERSION = '1.0';
export const EVENT_SOURCE = 'retail-datagen';

// ---- field builders (each carries a description for the OpenAPI document and the event-types endpoint) ----
const money = (what: string) => z.number().multipleOf(0.01).describe(`${what}, in currency units with two decimals`);
/**
 * Which fields are times and durations, for the live clock (src/core/streaming/live-clock.ts), which moves every
 * time onto the wall clock and scales every duration by the stream's speed. Marked here, where the fields are
 * declared, so a new time field cannot be missed.
 */
export const eventTimeFields = z.registry<{ kind: 'time' } | { kind: 'duration'; unit_ms: number }>();
const isoTime = (what: string) => z.iso.datetime().describe(`${what} (ISO-8601 UTC)`).register(eventTimeFields, { kind: 'time' });
const count = (what: string) => z.number().int().nonnegative().describe(what);
/** A duration in whole units of `unitMs` milliseconds (ms, seconds, minutes). */
const duration = (what: string, unitMs: number) => count(what).register(eventTimeFields, { kind: 'duration', unit_ms: unitMs });
const storeId = () => z.number().int().positive().describe('Store id (dim_stores)');
const dcId = () => z.number().int().positive().describe('Distribution center id (dim_distribution_centers)');
const productId = () => z.number().int().positive().describe('Product id (dim_products)');
const customerId = () => z.number().int().positive().describe('Customer id (dim_customers)');
const receiptId = () => z.string().min(1).describe('Receipt id, shared by the receipt, its lines, promotions and payment');
const orderId = () => z.string().min(1).describe('Online order id, shared by the order and its fulfilment events');
const centsField = (what: string) => z.number().int().describe(`${what}, in integer cents (negative on a return)`);
const campaignRef = () => z.string().min(1).nullable().describe('Campaign of the ad impression this is credited to, or null');
const impressionRef = () => z.string().min(1).nullable().describe('Ad impression (of this customer, within the attribution window) that led to this, or null');
/** Exact money of a receipt or order: gross - discount = subtotal, subtotal + tax = total. */
const centsIdentity = {
  gross_subtotal_cents: centsField('Sum of the lines before discounts'),
  discount_cents: centsField('Promotion discounts'),
  subtotal_cents: centsField('gross_subtotal_cents - discount_cents'),
  tax_cents: centsField('Sales tax'),
  total_cents: centsField('subtotal_cents + tax_cents'),
};
const centsAddUp = (v: { gross_subtotal_cents: number; discount_cents: number; subtotal_cents: number; tax_cents: number; total_cents: number }) =>
  v.gross_subtotal_cents - v.discount_cents === v.subtotal_cents && v.subtotal_cents + v.tax_cents === v.total_cents;
const centsMessage = {
  message: 'gross_subtotal_cents - discount_cents must equal subtotal_cents, and subtotal_cents + tax_cents total_cents',
  path: ['total_cents'],
};
const truckId = () => z.string().min(1).describe('Truck id as the fleet names it (dim_trucks.ID, as text)');

/** Inventory events happen at a store or at a DC: exactly one of the two ids is set, the other is null. */
const location = {
  store_id: storeId().nullable().optional().describe('Store id when the location is a store, otherwise null'),
  dc_id: dcId().nullable().optional().describe('Distribution center id when the location is a DC, otherwise null'),
};
const exactlyOneLocation = (value: { store_id?: number | null; dc_id?: number | null }) => (value.store_id == null) !== (value.dc_id == null);
const oneLocationMessage = { message: 'Exactly one of store_id and dc_id must be set', path: ['store_id'] };

export const eventPayloadSchemas = {
  receipt_created: z
    .strictObject({
      store_id: storeId(),
      customer_id: customerId(),
      receipt_id: receiptId(),
      receipt_type: z.enum(['SALE', 'RETURN']).describe('SALE, or RETURN for a refund (amounts negative)'),
      subtotal: money('Sum of the lines before discounts'),
      discount: money('Promotion discounts on the receipt'),
      tax: money('Sales tax'),
      total: money('subtotal - discount + tax'),
      tender_type: z.string().min(1).describe('How the customer paid (CASH, CREDIT_CARD, DEBIT_CARD, MOBILE_PAY, ...)'),
      item_count: z.number().int().describe('Units on the receipt (negative for a return)'),
      campaign_id: campaignRef(),
      impression_id: impressionRef(),
      ...centsIdentity,
    })
    .refine(centsAddUp, centsMessage),
  receipt_line_added: z.strictObject({
    receipt_id: receiptId(),
    line_number: z.number().int().positive().describe('1-based line number within the receipt'),
    product_id: productId(),
    quantity: z.number().int().describe('Units (negative for a return)'),
    unit_price: money('Price of one unit'),
    extended_price: money('quantity x unit_price, before discounts'),
    promo_code: z.string().nullable().describe('Promotion applied to the line, or null'),
  }),
  payment_processed: z
    .strictObject({
      receipt_id: receiptId().nullable().describe('Receipt paid in a store, or null for an online order'),
      order_id: orderId().nullable().describe('Online order paid, or null for a store receipt'),
      store_id: storeId().nullable().describe('Store of the receipt, or null for an online order'),
      customer_id: customerId(),
      payment_method: z.string().min(1).describe('Tender used (same values as receipt_created.tender_type)'),
      amount: money('Amount charged or refunded (always positive)'),
      amount_cents: count('The same amount in integer cents'),
      transaction_id: z.string().min(1).describe('Payment processor transaction id (one per attempt)'),
      processing_time: isoTime('When the processor answered'),
      processing_time_ms: duration('Milliseconds the authorisation took', 1),
      status: z.enum(['APPROVED', 'DECLINED', 'REFUNDED']).describe('APPROVED or DECLINED for a sale, REFUNDED for a return'),
      decline_reason: z
        .enum(['INSUFFICIENT_FUNDS', 'CARD_EXPIRED', 'DO_NOT_HONOR', 'INCORRECT_PIN', 'NETWORK_TIMEOUT'])
        .nullable()
        .describe('Why the card was declined; null unless status is DECLINED'),
    })
    .refine((v) => (v.receipt_id == null) !== (v.order_id == null), { message: 'Exactly one of receipt_id and order_id must be set', path: ['receipt_id'] })
    .refine((v) => (v.status === 'DECLINED') === (v.decline_reason != null), {
      message: 'decline_reason is set exactly when status is DECLINED',
      path: ['decline_reason'],
    }),
  inventory_updated: z
    .strictObject({
      ...location,
      product_id: productId(),
      quantity_delta: z.number().int().describe('Change in units on hand (negative when stock leaves)'),
      balance: z.number().int().describe('Units on hand after the change'),
      reason: z.string().min(1).describe('Transaction type (SALE, RETURN, INBOUND_SHIPMENT, OUTBOUND_SHIPMENT, ADJUSTMENT, ...)'),
      source: z.string().nullable().describe('What caused the change (shipment or receipt id), or null'),
    })
    .refine(exactlyOneLocation, oneLocationMessage),
  stockout_detected: z
    .strictObject({
      ...location,
      product_id: productId(),
      last_known_quantity: z.number().int().describe('Units on hand when the stockout was detected'),
      detection_time: isoTime('When the stockout was detected'),
    })
    .refine(exactlyOneLocation, oneLocationMessage),
  reorder_triggered: z
    .strictObject({
      ...location,
      product_id: productId(),
      current_quantity: z.number().int().describe('Units on hand when the reorder was raised'),
      reorder_quantity: count('Units ordered'),
      reorder_point: count('Threshold that triggers a reorder'),
      priority: z.enum(['NORMAL', 'HIGH', 'URGENT']).describe('Replenishment priority'),
    })
    .refine(exactlyOneLocation, oneLocationMessage),
  customer_entered: z.strictObject({
    store_id: storeId(),
    sensor_id: z.string().min(1).describe('Door counter sensor id'),
    zone: z.string().min(1).describe('Entrance zone of the sensor'),
    customer_count: count('Visitors counted in the interval'),
    dwell_time: duration('Average seconds the visitors stayed', 1000),
  }),
  customer_zone_changed: z.strictObject({
    store_id: storeId(),
    customer_ble_id: z.string().min(1).describe('Anonymous BLE id of the shopper'),
    from_zone: z.string().min(1).describe('Zone the shopper left'),
    to_zone: z.string().min(1).describe('Zone the shopper entered'),
    timestamp: isoTime('When the move was seen'),
  }),
  ble_ping_detected: z.strictObject({
    store_id: storeId(),
    beacon_id: z.string().min(1).describe('In-store beacon id'),
    customer_ble_id: z.string().min(1).describe('Anonymous BLE id of the shopper'),
    rssi: z.number().int().describe('Received signal strength in dBm (negative)'),
    zone: z.string().min(1).describe('Zone of the beacon'),
  }),
  truck_arrived: z.strictObject({
    truck_id: truckId(),
    dc_id: dcId(),
    store_id: storeId(),
    shipment_id: z.string().min(1).describe('Shipment id, shared by the departure and arrival events'),
    arrival_time: isoTime('When the truck arrived at the store'),
    estimated_unload_duration: duration('Minutes the unload is expected to take', 60_000),
  }),
  truck_departed: z.strictObject({
    truck_id: truckId(),
    dc_id: dcId(),
    store_id: storeId(),
    shipment_id: z.string().min(1).describe('Shipment id, shared by the departure and arrival events'),
    departure_time: isoTime('When the truck left (the DC, or the store after unloading)'),
    actual_unload_duration: duration('Minutes the unload took at the store; 0 when leaving the DC, where nothing is unloaded', 60_000),
  }),
  store_opened: z.strictObject({
    store_id: storeId(),
    operation_time: isoTime('Opening time'),
    operation_type: z.literal('OPEN').describe('Always OPEN'),
  }),
  store_closed: z.strictObject({
    store_id: storeId(),
    operation_time: isoTime('Closing time'),
    operation_type: z.literal('CLOSE').describe('Always CLOSE'),
  }),
  ad_impression: z.strictObject({
    channel: z.string().min(1).describe('Marketing channel (SOCIAL, SEARCH, DISPLAY, EMAIL, ...)'),
    campaign_id: z.string().min(1).describe('Campaign id'),
    creative_id: z.string().min(1).describe('Creative (ad) id'),
    customer_ad_id: z.string().min(1).describe('Anonymous advertising id of the viewer'),
    impression_id: z.string().min(1).describe('Impression id'),
    cost: z.number().nonnegative().describe('Cost of the impression in currency units (up to four decimals)'),
    device_type: z.string().min(1).describe('MOBILE, DESKTOP, TABLET, ...'),
    customer_id: customerId().nullable().describe('Customer whose ad id this is (dim_customers.AdId), or null for a prospect'),
  }),
  promotion_applied: z.strictObject({
    receipt_id: receiptId(),
    promo_code: z.string().min(1).describe('Promotion code'),
    discount_amount: money('Discount the promotion gave on this receipt'),
    discount_type: z.enum(['PERCENT', 'BOGO']).describe('Kind of promotion'),
    product_ids: z.array(productId()).min(1).describe('Products the promotion applied to'),
    discount_cents: count('discount_amount in integer cents'),
    product_count: z.number().int().positive().describe('Number of products the promotion applied to'),
    store_id: storeId(),
    customer_id: customerId(),
  }),
  online_order_created: z
    .strictObject({
      order_id: orderId(),
      customer_id: customerId(),
      item_count: count('Units ordered'),
      subtotal: money('Sum of the lines before discounts'),
      discount: money('Promotion discounts'),
      tax: money('Sales tax'),
      total: money('subtotal - discount + tax'),
      payment_method: z.string().min(1).describe('Tender used'),
      status: z.string().min(1).describe('Order status when created (OPEN, COMPLETE or CANCELLED as the day ends)'),
      tender_type: z.string().min(1).describe('Tender used (same as payment_method, named as on receipts)'),
      fulfillment_mode: z.enum(['SHIP_FROM_DC', 'SHIP_FROM_STORE', 'BOPIS']).describe('How the order is fulfilled (BOPIS: buy online, pick up in store)'),
      node_type: z.enum(['STORE', 'DC']).describe('Kind of location that fulfils the order'),
      node_id: z.number().int().positive().describe('Store or DC id that fulfils the order'),
      campaign_id: campaignRef(),
      impression_id: impressionRef(),
      ...centsIdentity,
    })
    .refine(centsAddUp, centsMessage),
  online_order_picked: z.strictObject({
    order_id: orderId(),
    line_number: z.number().int().positive().describe('1-based line number within the order'),
    product_id: productId(),
    quantity: count('Units picked'),
    fulfillment_mode: z.enum(['SHIP_FROM_DC', 'SHIP_FROM_STORE', 'BOPIS']).describe('How the line is fulfilled (BOPIS: buy online, pick up in store)'),
    node_type: z.enum(['STORE', 'DC']).describe('Kind of location that picked the line'),
    node_id: z.number().int().positive().describe('Store or DC id that picked the line'),
    picked_time: isoTime('When the line was picked'),
  }),
  online_order_shipped: z.strictObject({
    order_id: orderId(),
    line_number: z.number().int().positive().describe('1-based line number within the order'),
    product_id: productId(),
    quantity: count('Units shipped'),
    fulfillment_mode: z.enum(['SHIP_FROM_DC', 'SHIP_FROM_STORE']).describe('Where the parcel ships from'),
    node_type: z.enum(['STORE', 'DC']).describe('Kind of location that shipped the line'),
    node_id: z.number().int().positive().describe('Store or DC id that shipped the line'),
    carrier: z.string().min(1).describe('Parcel carrier'),
    tracking_number: z.string().min(1).describe('Carrier tracking number'),
    shipped_time: isoTime('When the parcel left'),
    estimated_delivery: isoTime('Expected delivery time'),
  }),
} satisfies Record<EventType, z.ZodObject>;

export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

/**
 * Payload fields emitted beyond the original event list, and why. A test checks that every original field is
 * present and that nothing else is added without an entry here. (Online order events were never itemised: all
 * their fields are ours.)
 */
export const ADDITIONAL_PAYLOAD_FIELDS: Partial<Record<EventType, Record<string, string>>> = {
  receipt_created: {
    receipt_type: 'returns are receipts of type RETURN',
    discount: 'without it subtotal, tax and total cannot add up to the cent',
    campaign_id: 'attribution: the campaign of the impression that led to the visit',
    impression_id: 'attribution: the impression that led to the visit',
    gross_subtotal_cents: 'exact money: integer cents, gross - discount = subtotal',
    discount_cents: 'exact money: integer cents',
    subtotal_cents: 'exact money: integer cents, subtotal + tax = total',
    tax_cents: 'exact money: integer cents',
    total_cents: 'exact money: integer cents',
  },
  payment_processed: {
    order_id: 'online orders are paid too',
    store_id: 'where a store receipt was paid (null online)',
    customer_id: 'who paid',
    amount_cents: 'exact money: integer cents',
    processing_time_ms: 'the authorisation time as a number; processing_time is when it answered',
    decline_reason: 'why a card payment was declined before it was retried or paid otherwise',
  },
  ad_impression: { customer_id: 'the customer whose ad id it is, so a funnel can follow them' },
  promotion_applied: {
    discount_cents: 'exact money: integer cents',
    product_count: 'how many products the promotion applied to',
    store_id: 'where the promotion was used',
    customer_id: 'who used it',
  },
  inventory_updated: { balance: 'units on hand after the change, so consumers need not replay history' },
};

export const ENVELOPE_FIELDS = [
  'event_id',
  'event_type',
  'payload',
  'trace_id',
  'ingest_timestamp',
  'schema_version',
  'source',
  'session_id',
  'correlation_id',
  'parent_event_id',
  'partition_key',
] as const;

/** The envelope around a payload schema. The three links are always present, null where there is none. */
export function eventEnvelopeSchema<P extends z.ZodType>(payload: P) {
  return z.object({
    event_id: z.string().min(1).describe('Deterministic: the same event regenerated has the same id, so consumers can drop duplicates'),
    event_type: z.enum(EVENT_TYPES).describe('Which payload schema applies'),
    payload,
    trace_id: z.string().min(1).describe('Trace id for following the event through the pipeline'),
    ingest_timestamp: isoTime('Simulated time of the event'),
    schema_version: z.literal(SCHEMA_VERSION).describe('Envelope and payload schema version'),
    source: z.literal(EVENT_SOURCE).describe('Producer'),
    session_id: z
      .string()
      .min(1)
      .nullable()
      .describe(
        'One store visit (entered, zone changes and pings, receipt, lines, promotions, payments) or one online session (order, payments, picks, shipments); null outside a session',
      ),
    correlation_id: z
      .string()
      .min(1)
      .nullable()
      .describe(
        'The customer journey across channels: an ad impression and the visit or order it led to share it (the impression id); otherwise the session, shipment or disruption the event belongs to; null when none',
      ),
    parent_event_id: z
      .string()
      .min(1)
      .nullable()
      .describe('event_id of the event this one follows from (a line or payment its receipt or order, a pick its order, a shipment its pick); null when none'),
    partition_key: z.string().optional().describe('Location (store-N, dc-N, ...): events of one location stay in order'),
  });
}

/** Any envelope, payload not yet checked against its type. */
export const anyEventEnvelopeSchema = eventEnvelopeSchema(z.record(z.string(), z.unknown()));
export type EventEnvelope = z.infer<typeof anyEventEnvelopeSchema>;

/**
 * What the outbox carries: any envelope, the links optional so that envelopes from before they existed (a
 * dead-lettered event, say) still travel. Every event we produce has them (parseEvent requires them).
 */
export type OutboxEnvelope = Omit<EventEnvelope, 'session_id' | 'correlation_id' | 'parent_event_id'> &
  Partial<Pick<EventEnvelope, 'session_id' | 'correlation_id' | 'parent_event_id'>>;

/** An envelope whose payload has been validated for its event type. */
export type TypedEventEnvelope<T extends EventType> = Omit<EventEnvelope, 'event_type' | 'payload'> & { event_type: T; payload: EventPayload<T> };

/** Validates an envelope and then its payload against the schema of its event type (unknown fields rejected). */
export function parseEvent(value: unknown): EventEnvelope {
  const envelope = anyEventEnvelopeSchema.parse(value);
  eventPayloadSchemas[envelope.event_type].parse(envelope.payload);
  return envelope;
}
