/**
 * Late and out-of-order events: a share of a day's events (`late_event_ratio`) is held back and delivered up to
 * `max_lateness_seconds` (simulated seconds) after its own time. Which events, and how late each, follows from
 * the seed and the event id alone, so the same seed gives the same late events in every run and in both clocks.
 * A late event keeps its true times (the envelope's and the payload's): consumers see real lateness, and a late
 * event overtakes nothing of its own store but is overtaken by what happened meanwhile.
 *
 * Lateness stays within the day slice: an event held back past the day's last event is delivered at the end of
 * the day (after its last event), not in the next day's slice.
 *
 * Pure module: no Azure or host imports.
 */
import type { TimedEvent } from '../events/factory.js';

export interface LatenessSettings {
  /** Share of events delivered late, 0..1. */
  ratio: number;
  /** Most simulated seconds an event is delivered after its own time. */
  max_seconds: number;
}

export interface DeliveredEvent extends TimedEvent {
  /** True for an event delivered after its own time; `at` is then when it is delivered (simulated ms). */
  late?: true;
}

/** Two independent numbers in [0, 1) from the seed and an event id (cyrb53-style mixing: fast, well spread). */
function draws(seed: number, eventId: string): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < eventId.length; i++) {
    const c = eventId.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [(h1 >>> 0) / 0x1_0000_0000, (h2 >>> 0) / 0x1_0000_0000];
}

/** How late (ms, > 0) this event is delivered, or 0 when it is on time. */
export function latenessMs(settings: LatenessSettings | null | undefined, seed: number, eventId: string): number {
  if (!settings || settings.ratio <= 0 || settings.max_seconds <= 0) return 0;
  const [pick, amount] = draws(seed, eventId);
  if (pick >= settings.ratio) return 0;
  // At least a millisecond, so a late event really comes after its own time.
  return 1 + Math.floor(amount * settings.max_seconds * 1000);
}

/**
 * A day's events in time order → the same events in delivery order: the late ones moved to their own time plus
 * their lateness (after the events of that moment), flagged `late`. Everything else keeps its order.
 */
export function deliveryOrder(events: readonly TimedEvent[], seed: number, settings: LatenessSettings | null | undefined): DeliveredEvent[] {
  if (!settings || settings.ratio <= 0 || settings.max_seconds <= 0) return events as DeliveredEvent[];
  const onTime: DeliveredEvent[] = [];
  const late: DeliveredEvent[] = [];
  for (const event of events) {
    const by = latenessMs(settings, seed, event.envelope.event_id);
    if (by === 0) onTime.push(event);
    else late.push({ ...event, at: event.at + by, late: true });
  }
  // Stable: late events due at the same moment stay in their original order.
  late.sort((a, b) => a.at - b.at);
  const merged: DeliveredEvent[] = new Array<DeliveredEvent>(events.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < merged.length; k++) {
    // At the same moment the on-time events go first.
    const takeLate = j < late.length && (i >= onTime.length || late[j]!.at < onTime[i]!.at);
    merged[k] = takeLate ? late[j++]! : onTime[i++]!;
  }
  return merged;
}
