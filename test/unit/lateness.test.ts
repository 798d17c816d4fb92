/**
 * Late events: measured on the delivery order as a consumer sees it (each event's lateness is how far the
 * newest event time seen before it is ahead of its own), compared with the ratio and bound asked for.
 */
import { describe, expect, it } from 'vitest';
import { deliveryOrder, type DeliveredEvent } from '../../src/core/streaming/lateness.js';
import { smallDay } from '../support/small-day.js';

const events = smallDay('2024-06-14');
const trueTime = (e: DeliveredEvent) => Date.parse(e.envelope.ingest_timestamp);

/** Per event in delivery order: ms the newest event time delivered before it is ahead of its own time. */
function observedLateness(delivered: DeliveredEvent[]): number[] {
  let newest = -Infinity;
  return delivered.map((e) => {
    const own = trueTime(e);
    const late = Math.max(0, newest - own);
    newest = Math.max(newest, own);
    return late;
  });
}

describe('late events', () => {
  it('keeps the day as it is without a ratio', () => {
    expect(deliveryOrder(events, 3, null)).toEqual(events);
    expect(deliveryOrder(events, 3, { ratio: 0, max_seconds: 60 })).toEqual(events);
  });

  it.each([
    [0.05, 30],
    [0.2, 600],
  ])('delivers a share of %s up to %s s late, with the true times, every event once', (ratio, maxSeconds) => {
    const delivered = deliveryOrder(events, 3, { ratio, max_seconds: maxSeconds });
    expect(delivered.map((e) => e.envelope.event_id).sort()).toEqual(events.map((e) => e.envelope.event_id).sort());
    const flagged = delivered.filter((e) => e.late);
    // Within four standard deviations of the binomial share.
    const sd = Math.sqrt(events.length * ratio * (1 - ratio));
    expect(Math.abs(flagged.length - events.length * ratio)).toBeLessThan(4 * sd);
    // The envelope keeps the event's own time; delivery (at) is after it, by at most the bound.
    for (const e of flagged) {
      expect(e.at - trueTime(e)).toBeGreaterThan(0);
      expect(e.at - trueTime(e)).toBeLessThanOrEqual(maxSeconds * 1000);
    }
    // As a consumer sees it: nothing arrives more than the bound behind the newest time seen, some late events
    // (those overtaken meanwhile: the small day is sparse) do arrive behind, and only late ones do.
    const lateness = observedLateness(delivered);
    expect(Math.max(...lateness)).toBeLessThanOrEqual(maxSeconds * 1000);
    expect(lateness.filter((ms) => ms > 0).length).toBeGreaterThan(flagged.length * 0.1);
    expect(delivered.filter((e, i) => lateness[i]! > 0 && !e.late)).toEqual([]);
    // Delivery order is time order of delivery.
    for (let i = 1; i < delivered.length; i++) expect(delivered[i]!.at).toBeGreaterThanOrEqual(delivered[i - 1]!.at);
  });

  it('chooses the same late events for a seed, others for another seed', () => {
    const settings = { ratio: 0.1, max_seconds: 120 };
    const ids = (seed: number) => deliveryOrder(events, seed, settings).map((e) => `${e.envelope.event_id}${e.late ? '*' : ''}`);
    expect(ids(3)).toEqual(ids(3));
    expect(ids(4)).not.toEqual(ids(3));
  });
});
