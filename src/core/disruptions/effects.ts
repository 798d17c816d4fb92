/**
 * What active disruptions do to the live stream. The drain passes every outgoing event through
 * `DisruptionEffects.apply` while a disruption is active, so every instance changes the same events the same
 * way (decisions are hashes of the disruption and the shipment, never random draws):
 * - dc_outage: the DC ships nothing — its supplier receipts, its loadings, its trucks' departures and
 *   arrivals and the stores' receipts of its shipments are withheld; `severity` is the share of shipments stopped.
 * - truck_breakdown: the truck is held — its departures and arrivals happen `severity × duration_minutes` later.
 * - weather_delay: arrivals from the DC (and the departures after unloading) are late by up to 4 hours × severity.
 * - inventory_shortage: the store's replenishment of the products is withheld, and a stockout and an urgent
 *   reorder per product are announced once (`announcementEvents`).
 * The simulated day itself is not regenerated: balances carried by later inventory events are those of the day
 * as generated (a consumer that recomputes balances from deltas sees the withheld shipments as missing stock).
 */
import { eventId } from '../events/factory.js';
import type { EventEnvelope } from '../events/schemas.js';
import { stableHash } from '../rng.js';
import type { OutboxEvent } from '../streaming/types.js';
import type { Disruption } from './model.js';

const MINUTE_MS = 60_000;
/** The longest weather delay (severity 1). */
export const MAX_WEATHER_DELAY_MINUTES = 240;

/** Shipment ids are `SHIP<yyyymmdd><dc:3><store:4>`; supplier receipts `SUP<yyyymmdd><dc:3><n:2>`. */
function dcOfSource(source: unknown): number | null {
  if (typeof source !== 'string') return null;
  if (source.startsWith('SHIP') && source.length >= 15) return Number(source.slice(12, 15));
  if (source.startsWith('SUP') && source.length >= 14) return Number(source.slice(11, 14));
  return null;
}

/** True for the share `severity` of keys, decided by a hash so every instance agrees. */
function selected(disruption: Disruption, key: string): boolean {
  if (disruption.severity >= 1) return true;
  // stableHash gives 53 bits: scale to [0, 1).
  return stableHash(`${disruption.id}|${key}`) / 2 ** 53 < disruption.severity;
}

const shiftIso = (value: unknown, minutes: number) => new Date(Date.parse(String(value)) + minutes * MINUTE_MS).toISOString();

type Payload = Record<string, unknown>;

export interface EffectCounts {
  withheld: number;
  delayed: number;
}

export class DisruptionEffects {
  readonly counts: EffectCounts = { withheld: 0, delayed: 0 };
  private readonly outages = new Map<number, Disruption[]>();
  private readonly breakdowns = new Map<number, Disruption[]>();
  private readonly weather = new Map<number, Disruption[]>();
  /** `${store}|${product}` → the shortage hitting it. */
  private readonly shortages = new Map<string, Disruption>();

  constructor(active: readonly Disruption[]) {
    const add = (map: Map<number, Disruption[]>, d: Disruption) => map.set(d.target_id, [...(map.get(d.target_id) ?? []), d]);
    for (const d of active) {
      if (d.disruption_type === 'dc_outage') add(this.outages, d);
      else if (d.disruption_type === 'truck_breakdown') add(this.breakdowns, d);
      else if (d.disruption_type === 'weather_delay') add(this.weather, d);
      else for (const product of d.product_ids) this.shortages.set(`${d.target_id}|${product}`, d);
    }
  }

  get empty(): boolean {
    return this.outages.size === 0 && this.breakdowns.size === 0 && this.weather.size === 0 && this.shortages.size === 0;
  }

  /** The event as it goes out while the disruptions last: unchanged, changed (a new body) or null (withheld). */
  apply(event: OutboxEvent): OutboxEvent | null {
    if (this.empty) return event;
    const type = event.eventType;
    if (type !== 'truck_arrived' && type !== 'truck_departed' && type !== 'inventory_updated') return event;
    const envelope = JSON.parse(event.body) as EventEnvelope;
    const payload = envelope.payload as Payload;
    if (type === 'inventory_updated') return this.withholdInventory(payload) ? this.withhold() : event;

    const shipment = String(payload.shipment_id);
    const outage = this.outages.get(Number(payload.dc_id))?.find((d) => selected(d, shipment));
    if (outage) return this.withhold();
    const field = type === 'truck_arrived' ? 'arrival_time' : 'departure_time';
    let delay = 0;
    for (const d of this.breakdowns.get(Number(payload.truck_id)) ?? []) delay += Math.round(d.severity * d.duration_minutes);
    // Weather slows the road to the store: the arrival and the departure after unloading (not the DC departure).
    const afterTheRoad = type === 'truck_arrived' || Number(payload.actual_unload_duration) > 0;
    if (afterTheRoad) for (const d of this.weather.get(Number(payload.dc_id)) ?? []) delay += Math.round(d.severity * MAX_WEATHER_DELAY_MINUTES);
    if (delay === 0) return event;
    this.counts.delayed++;
    const changed: EventEnvelope = {
      ...envelope,
      ingest_timestamp: shiftIso(envelope.ingest_timestamp, delay),
      payload: { ...payload, [field]: shiftIso(payload[field], delay) },
    };
    return { ...event, at: event.at + delay * MINUTE_MS, body: JSON.stringify(changed) };
  }

  private withhold(): null {
    this.counts.withheld++;
    return null;
  }

  private withholdInventory(payload: Payload): boolean {
    const reason = payload.reason;
    if (reason !== 'INBOUND_SHIPMENT' && reason !== 'OUTBOUND_SHIPMENT') return false;
    const source = payload.source;
    if (payload.dc_id != null) {
      // The DC's own moves: supplier receipts in, loadings out.
      const outage = this.outages.get(Number(payload.dc_id));
      return outage !== undefined && (reason === 'INBOUND_SHIPMENT' || outage.some((d) => selected(d, String(source))));
    }
    if (reason !== 'INBOUND_SHIPMENT' || typeof source !== 'string') return false;
    const dc = dcOfSource(source);
    if (dc !== null && this.outages.get(dc)?.some((d) => selected(d, source))) return true;
    return this.shortages.has(`${payload.store_id}|${payload.product_id}`);
  }
}

/** Reorder priority of a shortage by severity. */
export function shortagePriority(severity: number): 'NORMAL' | 'HIGH' | 'URGENT' {
  return severity >= 0.7 ? 'URGENT' : severity >= 0.4 ? 'HIGH' : 'NORMAL';
}

/**
 * A shortage's announcement, sent once: per product a stockout at the store and a reorder, at the stream's
 * current simulated time `at`. Ids derive from the disruption, so a repeated announcement has the same ids.
 */
export function announcementEvents(disruption: Disruption, at: number, reorder: (productId: number) => { point: number; quantity: number }): OutboxEvent[] {
  const partition = `store-${disruption.target_id}`;
  const time = new Date(at).toISOString();
  const event = (eventType: 'stockout_detected' | 'reorder_triggered', key: string, payload: Payload): OutboxEvent => {
    const envelope: EventEnvelope = {
      event_id: eventId(eventType, key),
      event_type: eventType,
      payload,
      trace_id: `TRC-${eventId(eventType, `${key}|trace`).slice(0, 16)}`,
      ingest_timestamp: time,
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: partition,
      session_id: null,
      correlation_id: `disruption-${disruption.id}`,
      parent_event_id: null,
    };
    return { at, partitionKey: partition, eventType, eventId: envelope.event_id, body: JSON.stringify(envelope) };
  };
  return disruption.product_ids.flatMap((product) => {
    const key = `disruption|${disruption.id}|${product}`;
    const { point, quantity } = reorder(product);
    return [
      event('stockout_detected', key, { store_id: disruption.target_id, dc_id: null, product_id: product, last_known_quantity: 0, detection_time: time }),
      event('reorder_triggered', key, {
        store_id: disruption.target_id,
        dc_id: null,
        product_id: product,
        current_quantity: 0,
        reorder_quantity: quantity,
        reorder_point: point,
        priority: shortagePriority(disruption.severity),
      }),
    ];
  });
}
