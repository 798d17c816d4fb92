/**
 * The live clock (`time_mode: live`): the simulated day laid onto the wall clock.
 *
 * - The map is affine: wall = anchor_wall + (simulated - anchor_sim) / speed. At start, anchor_wall is the
 *   start's wall time and anchor_sim the stream's day at the wall clock's UTC time of day (or the requested
 *   `start_time_of_day`), so at speed 1 a store opening at 09:00 opens at 09:00. Events of the day before the
 *   anchor are skipped (counted in `events_skipped_before_start`), never sent in a burst: a live start leaves
 *   them out of the units it writes (`unitSlice` in ./day-units.ts), and the drain takes out unsent any still in the outbox (a stopped
 *   stream started again live).
 * - The day rollover does not move the anchor: the next day's midnight falls due when the map says so.
 * - A pause stops the simulated clock: resume moves anchor_wall on by the pause, so nothing is skipped.
 * - Stored events keep their simulated times; `liveEvent` rewrites them when they are sent, so every time in an
 *   event (the envelope's and the payload's) is the wall time at which it is due, and durations are divided by
 *   the speed. Which fields are times and durations comes from the event schemas (`eventTimeFields`).
 *
 * Pure module: no Azure or host imports.
 */
import { z } from 'zod';
import { anyEventEnvelopeSchema, EVENT_TYPE_NAMES, eventPayloadSchemas, eventTimeFields, type EventType } from '../events/schemas.js';
import type { OutboxEvent } from './types.js';

export const TIME_MODES = ['paced', 'live'] as const;
export type TimeMode = (typeof TIME_MODES)[number];

export interface LiveClock {
  speed: number;
  /** Wall time (epoch ms) at which the simulated time anchor_sim_ms is due. */
  anchor_wall_ms: number;
  anchor_sim_ms: number;
  /** Wall time of the pause that stopped the clock; null while it runs. */
  halted_at_ms: number | null;
}

const DAY_MS = 86_400_000;

/**
 * A clock for a stream of `day` started at `wallNow`: the simulated time of day is the wall clock's UTC time of
 * day, or `startTimeOfDayMs` (milliseconds after midnight) when given.
 */
export function startLiveClock(day: string, wallNow: number, speed: number, startTimeOfDayMs?: number): LiveClock {
  const timeOfDay = startTimeOfDayMs ?? ((wallNow % DAY_MS) + DAY_MS) % DAY_MS;
  return { speed, anchor_wall_ms: wallNow, anchor_sim_ms: Date.parse(`${day}T00:00:00.000Z`) + timeOfDay, halted_at_ms: null };
}

/** The simulated time now (it stands still while paused). */
export function simulatedNow(clock: LiveClock, wallNow: number): number {
  const wall = clock.halted_at_ms ?? wallNow;
  return clock.anchor_sim_ms + (wall - clock.anchor_wall_ms) * clock.speed;
}

/** The wall time (epoch ms, whole) at which a simulated time is due, rounded down so it is never after it. */
export function wallTimeOf(clock: LiveClock, simulatedMs: number): number {
  return Math.floor(clock.anchor_wall_ms + (simulatedMs - clock.anchor_sim_ms) / clock.speed);
}

/** Pause: the simulated clock stops. */
export function haltClock(clock: LiveClock, wallNow: number): LiveClock {
  return clock.halted_at_ms === null ? { ...clock, halted_at_ms: wallNow } : clock;
}

/** Resume: the anchor moves on by the pause, so the simulated clock goes on where it stopped. */
export function resumeClock(clock: LiveClock, wallNow: number): LiveClock {
  if (clock.halted_at_ms === null) return clock;
  return { ...clock, anchor_wall_ms: clock.anchor_wall_ms + Math.max(0, wallNow - clock.halted_at_ms), halted_at_ms: null };
}

/** The fields of an envelope (`payload` = false) or payload that hold times and durations, read from the schemas. */
export interface TimeFieldSet {
  times: string[];
  durations: { field: string; unit_ms: number }[];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.core.$ZodType;
  return current;
}

function timeFieldsOf(shape: Record<string, z.core.$ZodType>): TimeFieldSet {
  const set: TimeFieldSet = { times: [], durations: [] };
  for (const [field, schema] of Object.entries(shape)) {
    const mark = eventTimeFields.get(unwrap(schema));
    if (mark?.kind === 'time') set.times.push(field);
    else if (mark?.kind === 'duration') set.durations.push({ field, unit_ms: mark.unit_ms });
  }
  return set;
}

/** Time and duration fields of the envelope and of each event type's payload. */
export const ENVELOPE_TIME_FIELDS: TimeFieldSet = timeFieldsOf(anyEventEnvelopeSchema.shape);
export const PAYLOAD_TIME_FIELDS = Object.fromEntries(EVENT_TYPE_NAMES.map((type) => [type, timeFieldsOf(eventPayloadSchemas[type].shape)])) as Record<
  EventType,
  TimeFieldSet
>;

/** Per event type: the JSON keys to rewrite, as they appear in the serialised body. */
interface Rewrite {
  key: string;
  unit_ms: number | null;
}
const REWRITES = new Map<string, Rewrite[]>(
  EVENT_TYPE_NAMES.map((type) => {
    const fields = [ENVELOPE_TIME_FIELDS, PAYLOAD_TIME_FIELDS[type]];
    return [
      type,
      fields.flatMap((set) => [
        ...set.times.map((field) => ({ key: `"${field}":`, unit_ms: null })),
        ...set.durations.map(({ field, unit_ms }) => ({ key: `"${field}":`, unit_ms })),
      ]),
    ];
  }),
);

/** `2026-03-04T10:15:00.000Z`: what `Date.toISOString` writes for the years the generator makes. */
const ISO_LENGTH = 24;

/**
 * The event as it is sent in live mode: every time moved onto the wall clock, every duration divided by the
 * speed (rounded to its whole unit, as the schema wants). Stored events keep their simulated times.
 *
 * Cheap path: the body is JSON.stringify output, so each field appears as `"name":` exactly once at its own
 * level (a quote inside a string value is escaped, so `"name":` cannot occur inside one) and no payload field
 * shares a name with an envelope time field. A time is a fixed-width ISO string, a duration a plain integer;
 * they are replaced in place without parsing the whole body. A body not in that form (an event from before the
 * clocks, say) is parsed and rewritten field by field.
 */
export function liveEvent(event: OutboxEvent, clock: LiveClock): OutboxEvent {
  const rewrites = REWRITES.get(event.eventType);
  if (!rewrites) return event;
  let body = event.body;
  for (const { key, unit_ms } of rewrites) {
    const at = body.indexOf(key);
    if (at === -1) continue;
    const start = at + key.length;
    if (unit_ms === null) {
      if (body.charCodeAt(start) !== 0x22 /* " */ || body.charCodeAt(start + ISO_LENGTH + 1) !== 0x22) {
        if (body.startsWith('null', start)) continue;
        return parsedLiveEvent(event, clock);
      }
      const simulated = Date.parse(body.slice(start + 1, start + 1 + ISO_LENGTH));
      if (Number.isNaN(simulated)) return parsedLiveEvent(event, clock);
      body = `${body.slice(0, start + 1)}${new Date(wallTimeOf(clock, simulated)).toISOString()}${body.slice(start + 1 + ISO_LENGTH)}`;
    } else {
      let end = start;
      while (end < body.length && body.charCodeAt(end) >= 0x30 && body.charCodeAt(end) <= 0x39) end++;
      if (end === start) {
        if (body.startsWith('null', start)) continue;
        return parsedLiveEvent(event, clock);
      }
      body = `${body.slice(0, start)}${scaleDuration(Number(body.slice(start, end)), clock.speed)}${body.slice(end)}`;
    }
  }
  return { ...event, body };
}

function scaleDuration(value: number, speed: number): number {
  return Math.round(value / speed);
}

/** The same rewrite on the parsed event, for bodies the cheap path does not recognise. */
function parsedLiveEvent(event: OutboxEvent, clock: LiveClock): OutboxEvent {
  const envelope = JSON.parse(event.body) as Record<string, unknown>;
  const rewrite = (target: Record<string, unknown>, set: TimeFieldSet) => {
    for (const field of set.times) if (typeof target[field] === 'string') target[field] = new Date(wallTimeOf(clock, Date.parse(target[field]))).toISOString();
    for (const { field } of set.durations) if (typeof target[field] === 'number') target[field] = scaleDuration(target[field], clock.speed);
  };
  rewrite(envelope, ENVELOPE_TIME_FIELDS);
  const payloadFields = PAYLOAD_TIME_FIELDS[event.eventType as EventType];
  if (payloadFields && envelope.payload && typeof envelope.payload === 'object') rewrite(envelope.payload as Record<string, unknown>, payloadFields);
  return { ...event, body: JSON.stringify(envelope) };
}

/** What the drain does next in live mode with the events at the head of its buffer. */
export interface LiveStep {
  /** Events at the head from before the stream's start: taken out unsent (counted as skipped). */
  skip: number;
  /** Of the rest, how many are due now (at most the pace's `wanted`). */
  due: number;
  /** When the next event falls due (epoch ms), when none is due now; null when there is none in the buffer. */
  next_due_at: number | null;
}

/**
 * The live mode's due-time selection: events whose simulated time has come (at most `wanted`, the pace's cap).
 * `upcoming` are the buffer's next events in delivery order.
 */
export function liveStep(clock: LiveClock, upcoming: readonly OutboxEvent[], wanted: number, wallNow: number): LiveStep {
  let skip = 0;
  // Events back from the dead-letter queue (retryCount) are never skipped: they are due at once.
  while (skip < upcoming.length && upcoming[skip]!.at < clock.anchor_sim_ms && !upcoming[skip]!.retryCount) skip++;
  if (skip > 0) return { skip, due: 0, next_due_at: null };
  const now = simulatedNow(clock, wallNow);
  let due = 0;
  while (due < wanted && due < upcoming.length && upcoming[due]!.at <= now) due++;
  const next = due === 0 ? upcoming[0] : undefined;
  return { skip: 0, due, next_due_at: next ? wallTimeOf(clock, next.at) + 1 : null };
}
