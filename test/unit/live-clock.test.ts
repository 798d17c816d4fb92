/**
 * The live clock: which fields are times and durations (read from the schemas), the send-time rewrite (checked
 * against a second, parse-based implementation that finds times by their values), the affine map with pause and
 * resume, and the due-time selection.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anyEventEnvelopeSchema, EVENT_TYPE_NAMES, eventPayloadSchemas, parseEvent } from '../../src/core/events/schemas.js';
import {
  ENVELOPE_TIME_FIELDS,
  haltClock,
  liveEvent,
  liveStep,
  PAYLOAD_TIME_FIELDS,
  resumeClock,
  simulatedNow,
  startLiveClock,
  wallTimeOf,
  type LiveClock,
} from '../../src/core/streaming/live-clock.js';
import type { OutboxEvent } from '../../src/core/streaming/types.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { ValidationError } from '../../src/core/errors.js';
import { startStreamSchema, startStreaming, type StreamingDeps } from '../../src/core/streaming/control.js';
import { smallDay } from '../support/small-day.js';

const DAY = '2024-06-14';
const events = smallDay(DAY);
const outboxEvents: OutboxEvent[] = events.map((t) => ({
  at: t.at,
  partitionKey: t.envelope.partition_key ?? '',
  eventType: t.envelope.event_type,
  eventId: t.envelope.event_id,
  body: JSON.stringify(t.envelope),
}));

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Durations, by the unit their schema description names (an independent reading of the same schemas). */
function durationUnitMs(schema: z.core.$ZodType): number | null {
  const description = (schema as z.ZodType).description ?? '';
  if (/^Milliseconds/.test(description)) return 1;
  if (/seconds/i.test(description) && !/^Cost/.test(description)) return 1000;
  if (/^Minutes/.test(description)) return 60_000;
  return null;
}

/** The second implementation: parse, move every ISO-looking string anywhere in the event, scale the durations. */
function byParse(event: OutboxEvent, clock: LiveClock): unknown {
  const move = (value: unknown): unknown => {
    if (typeof value === 'string' && ISO.test(value)) {
      const simulated = Date.parse(value);
      return new Date(Math.floor(clock.anchor_wall_ms + (simulated - clock.anchor_sim_ms) / clock.speed)).toISOString();
    }
    if (Array.isArray(value)) return value.map(move);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v)]));
    return value;
  };
  const envelope = move(JSON.parse(event.body)) as { event_type: keyof typeof eventPayloadSchemas; payload: Record<string, unknown> };
  const shape = eventPayloadSchemas[envelope.event_type].shape as Record<string, z.core.$ZodType>;
  for (const [field, schema] of Object.entries(shape)) {
    const unit = durationUnitMs(schema);
    if (unit !== null && typeof envelope.payload[field] === 'number') envelope.payload[field] = Math.round((envelope.payload[field] as number) / clock.speed);
  }
  return envelope;
}

function withoutTimes(body: string): unknown {
  const envelope = JSON.parse(body) as Record<string, unknown> & { event_type: keyof typeof PAYLOAD_TIME_FIELDS; payload: Record<string, unknown> };
  for (const field of ENVELOPE_TIME_FIELDS.times) delete envelope[field];
  const fields = PAYLOAD_TIME_FIELDS[envelope.event_type];
  for (const field of [...fields.times, ...fields.durations.map((d) => d.field)]) delete envelope.payload[field];
  return envelope;
}

describe('live clock', () => {
  it('knows every time field of the schemas (each ISO datetime) and the durations their descriptions name', () => {
    const isoFields = (shape: Record<string, z.core.$ZodType>) =>
      Object.entries(shape)
        .filter(([, schema]) => schema instanceof z.ZodISODateTime)
        .map(([field]) => field)
        .sort();
    expect(ENVELOPE_TIME_FIELDS.times).toEqual(['ingest_timestamp']);
    let durations = 0;
    for (const type of EVENT_TYPE_NAMES) {
      const shape = eventPayloadSchemas[type].shape as Record<string, z.core.$ZodType>;
      expect([...PAYLOAD_TIME_FIELDS[type].times].sort(), type).toEqual(isoFields(shape));
      const described = Object.entries(shape)
        .map(([field, schema]) => ({ field, unit_ms: durationUnitMs(schema) }))
        .filter((d) => d.unit_ms !== null);
      expect(PAYLOAD_TIME_FIELDS[type].durations, type).toEqual(described);
      durations += described.length;
    }
    // processing_time_ms, dwell_time, estimated_unload_duration, actual_unload_duration.
    expect(durations).toBe(4);
    expect(isoFields(anyEventEnvelopeSchema.shape as Record<string, z.core.$ZodType>)).toEqual(['ingest_timestamp']);
  });

  it.each([1, 60, 0.5, 7])('rewrites a real day at speed %s as the parse-based implementation does', (speed) => {
    const clock = startLiveClock(DAY, Date.parse('2026-12-02T09:30:00.000Z'), speed);
    const types = new Set<string>();
    for (const event of outboxEvents) {
      const live = liveEvent(event, clock);
      expect(JSON.parse(live.body)).toEqual(byParse(event, clock));
      // Still a valid event, with the same id and everything but the times.
      parseEvent(JSON.parse(live.body));
      expect(withoutTimes(live.body)).toEqual(withoutTimes(event.body));
      expect(live.eventId).toBe(event.eventId);
      types.add(event.eventType);
    }
    expect(types.size).toBe(EVENT_TYPE_NAMES.length);
  });

  it('maps the envelope time onto the wall clock and divides durations by the speed', () => {
    const wallStart = Date.parse('2026-12-02T10:00:00.000Z');
    // The day's 10:00 is due at the start; at speed 60 its 11:00 is due a minute later.
    const clock = startLiveClock(DAY, wallStart, 60);
    expect(clock.anchor_sim_ms).toBe(Date.parse(`${DAY}T10:00:00.000Z`));
    const entered = outboxEvents.find((e) => e.eventType === 'customer_entered' && JSON.parse(e.body).payload.dwell_time >= 600)!;
    const original = JSON.parse(entered.body);
    const live = JSON.parse(liveEvent(entered, clock).body);
    const offsetMinutes = (Date.parse(original.ingest_timestamp) - Date.parse(`${DAY}T10:00:00.000Z`)) / 60_000;
    // One simulated minute is one wall second.
    expect(Date.parse(live.ingest_timestamp)).toBe(Math.floor(wallStart + offsetMinutes * 1000));
    expect(live.payload.dwell_time).toBe(Math.round(original.payload.dwell_time / 60));
    const payment = outboxEvents.find((e) => e.eventType === 'payment_processed')!;
    const p0 = JSON.parse(payment.body);
    const p1 = JSON.parse(liveEvent(payment, clock).body);
    expect(p1.payload.processing_time_ms).toBe(Math.round(p0.payload.processing_time_ms / 60));
    // The processor's answer stays after the payment by the same simulated delay, scaled alike.
    const before = Date.parse(p0.payload.processing_time) - Date.parse(p0.ingest_timestamp);
    const after = Date.parse(p1.payload.processing_time) - Date.parse(p1.ingest_timestamp);
    expect(Math.abs(after - before / 60)).toBeLessThanOrEqual(1);
  });

  it('stands still while paused and goes on where it stopped after resume', () => {
    const t0 = Date.parse('2026-12-02T08:00:00.000Z');
    const clock = startLiveClock(DAY, t0, 10, 6 * 3_600_000);
    expect(new Date(simulatedNow(clock, t0 + 60_000)).toISOString()).toBe(`${DAY}T06:10:00.000Z`);
    const paused = haltClock(clock, t0 + 60_000);
    expect(simulatedNow(paused, t0 + 600_000)).toBe(simulatedNow(clock, t0 + 60_000));
    const resumed = resumeClock(paused, t0 + 600_000);
    // Nine minutes of pause: the clock reads 06:10 at resume and 06:20 a wall minute later.
    expect(new Date(simulatedNow(resumed, t0 + 600_000)).toISOString()).toBe(`${DAY}T06:10:00.000Z`);
    expect(new Date(simulatedNow(resumed, t0 + 660_000)).toISOString()).toBe(`${DAY}T06:20:00.000Z`);
    expect(wallTimeOf(resumed, Date.parse(`${DAY}T06:20:00.000Z`))).toBe(t0 + 660_000);
  });

  it('skips what came before the start, then sends only what is due, at most the pace allows', () => {
    const t0 = Date.parse('2026-12-02T12:00:00.000Z');
    const clock = startLiveClock(DAY, t0, 1);
    const before = outboxEvents.filter((e) => e.at < clock.anchor_sim_ms).length;
    expect(before).toBeGreaterThan(0);
    expect(liveStep(clock, outboxEvents, 100, t0)).toEqual({ skip: before, due: 0, next_due_at: null });
    const rest = outboxEvents.slice(before);
    // A letter back from the DLQ is not skipped but due at once, whatever its time.
    const retried = { ...outboxEvents[0]!, retryCount: 1 };
    const dueAtStart = rest.filter((e) => e.at <= clock.anchor_sim_ms).length;
    expect(liveStep(clock, [retried, ...rest], 10_000, t0)).toMatchObject({ skip: 0, due: 1 + dueAtStart });
    const due10min = rest.filter((e) => e.at <= clock.anchor_sim_ms + 600_000).length;
    expect(due10min).toBeGreaterThan(3);
    expect(liveStep(clock, rest, 10_000, t0 + 600_000)).toMatchObject({ skip: 0, due: due10min });
    expect(liveStep(clock, rest, 3, t0 + 600_000)).toMatchObject({ due: 3 });
    const idle = liveStep(clock, rest, 100, t0 + 1);
    if (rest[0]!.at > clock.anchor_sim_ms + 1) {
      expect(idle.due).toBe(0);
      // Due on the millisecond after its wall time, never before.
      expect(simulatedNow(clock, idle.next_due_at!)).toBeGreaterThanOrEqual(rest[0]!.at);
      expect(simulatedNow(clock, idle.next_due_at! - 2)).toBeLessThan(rest[0]!.at);
    }
  });
});

describe('starting with a clock', () => {
  it('refuses the live-only settings for a paced stream, before touching anything', async () => {
    const untouched = {} as StreamingDeps;
    const config = appConfigSchema.parse({});
    await expect(startStreaming(untouched, config, { speed: 60 })).rejects.toThrow(ValidationError);
    await expect(startStreaming(untouched, config, { time_mode: 'paced', start_time_of_day: '08:00' })).rejects.toThrow(ValidationError);
    expect(startStreamSchema.safeParse({ time_mode: 'live', speed: 0 }).success).toBe(false);
    expect(startStreamSchema.safeParse({ time_mode: 'live', start_time_of_day: '24:00' }).success).toBe(false);
    expect(startStreamSchema.safeParse({ late_event_ratio: 1.5 }).success).toBe(false);
    expect(
      startStreamSchema.safeParse({ time_mode: 'live', speed: 60, start_time_of_day: '08:30', late_event_ratio: 0.1, max_lateness_seconds: 30 }).success,
    ).toBe(true);
  });
});
