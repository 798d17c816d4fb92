/**
 * Streaming control, shared by every instance through Table documents: start (record the stream and queue the
 * next simulated day after the history watermark as generation units, ./day-units.ts), stop, pause, resume,
 * status and statistics.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../config/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { EVENT_TYPES, type EventType } from '../events/schemas.js';
import { addDays } from '../facts/calendar.js';
import type { GenerationStateStore } from '../generation/state.js';
import type { Disruption } from '../disruptions/model.js';
import type { DocumentStore } from '../storage/documents.js';
import type { DatasetFiles } from '../storage/files.js';
import type { CircuitBreakerState } from './breaker.js';
import type { DeadLetterQueue } from './dead-letter.js';
import type { DrainLease } from './lease.js';
import type { LatenessSettings } from './lateness.js';
import { haltClock, resumeClock, simulatedNow, startLiveClock, TIME_MODES, type LiveClock } from './live-clock.js';
import { haltPace, newPace, owedEvents, resumePace } from './pacer.js';
import { closedBreaker, resetBreaker } from './breaker.js';
import { masterFingerprint } from '../generation/master-job.js';
import { dayUnits, newPreparation, queuePreparation, stopUnitWrites, streamContext } from './day-units.js';
import {
  emptyStatistics,
  eventsPerSecond,
  RECENT_EVENTS_PATH,
  STATISTICS_DOCUMENT,
  STREAM_STATE_DOCUMENT,
  stoppedState,
  streamStateStatusSchema,
  type DayPreparation,
  type Outbox,
  type StreamState,
  type StreamStatistics,
} from './types.js';

/** How late a late event can be when the start does not say. */
export const DEFAULT_MAX_LATENESS_SECONDS = 60;

export const startStreamSchema = z
  .object({
    emit_interval_ms: z.number().int().min(10).max(3_600_000).optional().describe('Overrides realtime.emit_interval_ms for this run'),
    burst: z.number().int().min(1).max(100_000).optional().describe('Overrides realtime.burst for this run'),
    duration_minutes: z.number().int().min(1).max(10_080).optional().describe('Stop by itself after this long'),
    event_types: z
      .array(z.enum(EVENT_TYPES as [EventType, ...EventType[]]))
      .min(1)
      .optional()
      .describe('Only these event types'),
    restart_day: z
      .boolean()
      .optional()
      .describe('Stream the day again from its first event. By default a new start after a stop continues after the last delivered event.'),
    time_mode: z
      .enum(TIME_MODES)
      .optional()
      .describe(
        'paced (default): events go out as fast as emit_interval_ms and burst allow, with their simulated times. live: each event is sent when its time of day comes on the wall clock (divided by speed) and every time in it is that wall time',
      ),
    speed: z
      .number()
      .positive()
      .max(10_000)
      .optional()
      .describe('live only: simulated time per wall time (1 = real time, the default; 60 = an hour a minute); durations are divided by it'),
    start_time_of_day: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (UTC)')
      .optional()
      .describe("live only: the simulated time of day (HH:MM UTC) the stream begins at; default the wall clock's. Earlier events of the day are skipped"),
    late_event_ratio: z.number().min(0).max(1).optional().describe('Share of events held back and delivered late, keeping their true times (default 0)'),
    max_lateness_seconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe(`Most simulated seconds a late event arrives after its own time (default ${DEFAULT_MAX_LATENESS_SECONDS})`),
  })
  .strict();
export type StartStreamRequest = z.infer<typeof startStreamSchema>;

export interface StreamingDeps {
  state: DocumentStore<StreamState>;
  breakerState: DocumentStore<CircuitBreakerState>;
  deadLetters: DeadLetterQueue;
  statistics: DocumentStore<StreamStatistics>;
  outbox: Outbox;
  files: DatasetFiles;
  generation: GenerationStateStore;
  /** Active supply-chain disruptions the drain applies (absent: none). */
  disruptions?: DocumentStore<Disruption>;
  /** The drain lease (one dispatcher at a time); absent in tests of a single drain. */
  lease?: DocumentStore<DrainLease>;
  /** Sends a unit of work to the generation queue (streamed days are generated there: ./day-units.ts). */
  enqueue?: (message: unknown) => Promise<void>;
}

const STATE_KEY = STREAM_STATE_DOCUMENT;
const STATS_KEY = STATISTICS_DOCUMENT;

export async function readStreamState(deps: StreamingDeps): Promise<StreamState> {
  return (await deps.state.read(STATE_KEY))?.value ?? stoppedState();
}

export async function readStatistics(deps: StreamingDeps): Promise<StreamStatistics> {
  return (await deps.statistics.read(STATS_KEY))?.value ?? emptyStatistics();
}

export async function updateStatistics(deps: StreamingDeps, mutate: (stats: StreamStatistics) => void): Promise<void> {
  await deps.statistics.update(STATS_KEY, (current) => {
    const stats = current ?? emptyStatistics();
    mutate(stats);
    return stats;
  });
}

export async function startStreaming(deps: StreamingDeps, config: AppConfig, request: StartStreamRequest, now = new Date()): Promise<StreamState> {
  if ((request.time_mode ?? 'paced') === 'paced') {
    if (request.speed !== undefined) throw ValidationError.single('speed', 'speed applies to time_mode live');
    if (request.start_time_of_day !== undefined) throw ValidationError.single('start_time_of_day', 'start_time_of_day applies to time_mode live');
  }
  const history = await deps.generation.read();
  if (!history.facts || !history.master) throw ValidationError.single('history', 'Historical data must be generated first');
  if (history.master.config_fingerprint !== masterFingerprint(config)) {
    throw ValidationError.single(
      'config',
      'seed or volume settings changed since master data was generated, so streamed days would not match it; generate master data again with {"force": true} (and history), or restore the settings',
    );
  }
  const current = await readStreamState(deps);
  if (current.status === 'running' || current.status === 'paused') {
    throw new ConflictError(`Streaming is already ${current.status} (operation_id ${current.operation_id}); stop it first`);
  }
  const eventTypes = request.event_types ? [...new Set(request.event_types)].sort() : null;
  const lateness = latenessOf(request);
  const continued = !request.restart_day && (await continuesStream(deps, current, history.facts.end_date, eventTypes, lateness, now.getTime()));
  const day = continued ? current.day! : addDays(history.facts.end_date, 1);
  // The day is not generated here: its units go to the generation queue (any instance takes them) and the drain
  // sends as soon as the first is written, so start answers at once at any volume.
  const units = dayUnits(streamContext(config));
  const preparation = continued ? (current.preparation ?? null) : newPreparation(day, units.length, now);
  // Live: the simulated time of day is the wall clock's when the start was asked (or the one requested); the units
  // leave out what comes before it (counted as skipped).
  const live = request.time_mode === 'live' ? startLiveClock(day, now.getTime(), request.speed ?? 1, timeOfDayMs(request.start_time_of_day)) : null;
  const intervalMs = request.emit_interval_ms ?? config.realtime.emit_interval_ms;
  const burst = request.burst ?? config.realtime.burst;
  const state: StreamState = {
    status: 'running',
    operation_id: randomUUID(),
    started_at: now.toISOString(),
    stopped_at: null,
    ends_at: request.duration_minutes ? new Date(now.getTime() + request.duration_minutes * 60_000).toISOString() : null,
    emit_interval_ms: intervalMs,
    burst,
    event_types: eventTypes,
    day,
    events_generated: continued ? current.events_generated : 0,
    error: null,
    pace: newPace(intervalMs, burst, now.getTime()),
    generation: continued ? (current.generation ?? null) : preparation!.generation,
    preparation,
    next_preparation: continued ? (current.next_preparation ?? null) : null,
    clock: live,
    lateness,
  };
  // A new start is a clean slate for the breaker (the operators' "manual reset" is stop, then start) and the
  // statistics, both before the state says running (a drain may start at once); independent writes go together.
  await Promise.all([
    resetBreaker(deps.breakerState),
    deps.statistics.update(STATS_KEY, () => ({ ...emptyStatistics(), operation_id: state.operation_id, events_generated: state.events_generated })),
  ]);
  await deps.state.update(STATE_KEY, () => state);
  await deps.generation.update((s) => {
    s.last_realtime_run = now.toISOString();
  });
  // A continued stream queues again what its days still lack (a unit that failed, or one lost with its instance):
  // units already written are skipped, and a redelivered one writes nothing twice.
  const toQueue = continued ? [state.preparation, state.next_preparation].filter((p): p is DayPreparation => Boolean(p && !p.finished_at)) : [preparation!];
  if (toQueue.length > 0) {
    try {
      for (const pending of toQueue) await queuePreparation(deps, state.operation_id!, pending, units);
    } catch (error) {
      const reason = `The day ${day} could not be queued for generation: ${error instanceof Error ? error.message : String(error)}`;
      await deps.state.update(STATE_KEY, (s) => (s && s.operation_id === state.operation_id ? { ...s, status: 'error', error: reason } : undefined));
      throw error;
    }
  }
  return state;
}

function latenessOf(request: StartStreamRequest): LatenessSettings | null {
  const ratio = request.late_event_ratio ?? 0;
  return ratio > 0 ? { ratio, max_seconds: request.max_lateness_seconds ?? DEFAULT_MAX_LATENESS_SECONDS } : null;
}

function timeOfDayMs(hhmm: string | undefined): number | undefined {
  if (hhmm === undefined) return undefined;
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours! * 60 + minutes!) * 60_000;
}

/**
 * Whether a new start continues the last stream where it stopped: the same day is still the next one after
 * history, with the same event types and late events (the outbox holds the day in their delivery order), and its
 * day is still being written, or the next one is, or the outbox still holds what was not delivered.
 */
async function continuesStream(
  deps: StreamingDeps,
  previous: StreamState,
  historyEnd: string,
  eventTypes: string[] | null,
  lateness: LatenessSettings | null,
  now: number,
): Promise<boolean> {
  if (!previous.day || previous.day <= historyEnd) return false;
  if (JSON.stringify(previous.lateness ?? null) !== JSON.stringify(lateness)) return false;
  if (JSON.stringify(previous.event_types ? [...previous.event_types].sort() : null) !== JSON.stringify(eventTypes)) return false;
  if ((previous.preparation && !previous.preparation.finished_at) || previous.next_preparation) return true;
  const outbox = await deps.outbox.status(now, { generation: previous.generation ?? undefined });
  return outbox.pending_events + outbox.claimed_events > 0;
}

/** Stops any stream and forgets everything streaming owns (delete all data): outbox, DLQ, state, statistics, breaker. */
export async function resetStreaming(deps: StreamingDeps): Promise<void> {
  await deps.state.update(STATE_KEY, () => stoppedState());
  // A unit of this instance still writing its day would otherwise land a transaction after the clear.
  await stopUnitWrites();
  await deps.outbox.clear();
  await deps.deadLetters.clear();
  await deps.statistics.update(STATS_KEY, () => ({ ...emptyStatistics(), operation_id: null }));
  await deps.breakerState.update('breaker', () => closedBreaker());
  await deps.files.write(RECENT_EVENTS_PATH, Buffer.from('[]'), 'application/json');
}

/** Applies a pacing change to the running stream (PUT /api/stream/config while streaming). */
export async function applyLivePacing(deps: StreamingDeps, intervalMs: number | undefined, burst: number | undefined): Promise<void> {
  if (intervalMs === undefined && burst === undefined) return;
  await deps.state.update(STATE_KEY, (s) =>
    s && (s.status === 'running' || s.status === 'paused') ? { ...s, emit_interval_ms: intervalMs ?? s.emit_interval_ms, burst: burst ?? s.burst } : undefined,
  );
}

async function transition(deps: StreamingDeps, from: StreamState['status'][], to: StreamState['status'], verb: string): Promise<StreamState> {
  let refused: StreamState | undefined;
  const next = await deps.state.update(STATE_KEY, (current) => {
    const state = current ?? stoppedState();
    if (!from.includes(state.status)) {
      refused = state;
      return undefined;
    }
    const now = Date.now();
    const pace = state.pace && (to === 'running' ? resumePace(state.pace, now) : haltPace(state.pace, now));
    const clock = state.clock && (to === 'running' ? resumeClock(state.clock, now) : haltClock(state.clock, now));
    return {
      ...state,
      status: to,
      ...(pace ? { pace } : {}),
      ...(clock ? { clock } : {}),
      ...(to === 'stopped' ? { stopped_at: new Date(now).toISOString() } : {}),
    };
  });
  if (refused) throw new ConflictError(`Cannot ${verb}: streaming is ${refused.status}`);
  return next ?? stoppedState();
}

export const stopStreaming = (deps: StreamingDeps) => transition(deps, ['running', 'paused', 'error'], 'stopped', 'stop');
export const pauseStreaming = (deps: StreamingDeps) => transition(deps, ['running'], 'paused', 'pause');
export const resumeStreaming = (deps: StreamingDeps) => transition(deps, ['paused'], 'running', 'resume');

/**
 * The guide's counts, computed from the schedule (./pacer.ts) so they mean the same on every instance:
 * - events_generated: events the stream has produced since it started: taken from the outbox (sent, withheld by a
 *   disruption, given up on) or due while sending fails (held). Events merely a moment late (the drain between
 *   two timer runs) are not counted yet, so a lag of a burst or two does not read as failures; `behind_events`
 *   shows it;
 * - events_failed: of those, the ones that did not reach the sink because sending failed: given up on, and the
 *   held ones (they leave the count once a later send delivers them).
 */
export function streamCounts(
  state: StreamState,
  stats: StreamStatistics,
  now: number,
): { events_generated: number; events_failed: number; behind_events: number } {
  // Given up on: dead-lettered, or dropped when the DLQ is off.
  const givenUp = stats.events_failed;
  if (!state.pace) return { events_generated: stats.events_sent_successfully + givenUp, events_failed: givenUp, behind_events: 0 };
  const owed = owedEvents(state.pace, now);
  const failing = Boolean(stats.last_send_failed_at && (!stats.last_send_ok_at || stats.last_send_failed_at > stats.last_send_ok_at));
  const held = failing ? owed : Math.min(state.pace.held, owed);
  return { events_generated: state.pace.released + held, events_failed: givenUp + held, behind_events: owed };
}

export const streamStatusSchema = z
  .object({
    is_streaming: z.boolean(),
    status: streamStateStatusSchema,
    operation_id: z.string().nullable(),
    uptime_seconds: z.number(),
    events_sent: z.number().int(),
    events_per_second: z.number().describe('Events sent per second over the last realtime.monitoring_interval seconds'),
    configured_events_per_second: z.number().describe('burst / emit_interval_ms of the running stream'),
    behind_events: z.number().int().describe('Events due by the schedule and not sent yet (the sink is slower than the pace, or failing)'),
    last_event_time: z.string().nullable(),
    day: z.string().nullable().describe('The simulated day being streamed'),
    preparing_day: z.string().nullable().describe('The day whose generation units are being written (the streamed day at first, then the next one), or null'),
    units_ready: z.number().int().describe('Units of preparing_day written into the outbox (one per supply region, one network-wide)'),
    units_total: z.number().int().describe('Units of preparing_day in all'),
    next_day_ready: z.boolean().describe('The day after `day` is fully written, so the stream goes on at midnight without a wait'),
    ends_at: z.string().nullable(),
    error: z.string().nullable().describe('Why the stream is in status error, or the last send error'),
    time_mode: z.enum(TIME_MODES).describe('live: events are sent when due on the wall clock and carry wall times; paced: as fast as the pace allows'),
    speed: z.number().nullable().describe('live: simulated time per wall time (60 = an hour a minute); null when paced'),
    simulated_time: z.string().nullable().describe('The simulated time now (live), or of the latest delivered event (paced); null before the first'),
    wall_time: z.string().describe('The wall clock of this answer (ISO-8601 UTC)'),
    late_event_ratio: z.number().describe('Share of events delivered late (0: none)'),
    max_lateness_seconds: z.number().nullable().describe('Most simulated seconds a late event arrives after its own time; null without late events'),
  })
  .meta({ id: 'StreamStatus' });

/** Which day is being written by units, and how far. */
function preparing(state: StreamState): { preparing_day: string | null; units_ready: number; units_total: number; next_day_ready: boolean } {
  const busy = [state.preparation, state.next_preparation].find((p) => p && !p.finished_at);
  return {
    preparing_day: busy?.day ?? null,
    units_ready: busy ? Object.keys(busy.done).length : 0,
    units_total: busy?.units_total ?? 0,
    next_day_ready: Boolean(state.next_preparation?.finished_at),
  };
}

export async function streamStatus(deps: StreamingDeps, windowSeconds: number, now = Date.now()): Promise<z.infer<typeof streamStatusSchema>> {
  const [state, stats] = await Promise.all([readStreamState(deps), readStatistics(deps)]);
  const active = state.status === 'running' || state.status === 'paused';
  return {
    is_streaming: active,
    status: state.status,
    operation_id: state.operation_id,
    uptime_seconds: active && state.started_at ? Math.round((now - Date.parse(state.started_at)) / 1000) : 0,
    events_sent: stats.events_sent_successfully,
    events_per_second: state.status === 'running' ? eventsPerSecond(stats, now, windowSeconds) : 0,
    configured_events_per_second: active && state.emit_interval_ms > 0 ? Math.round((state.burst * 1000 * 10) / state.emit_interval_ms) / 10 : 0,
    behind_events: active ? streamCounts(state, stats, now).behind_events : 0,
    last_event_time: stats.last_event_time,
    day: state.day,
    ...preparing(state),
    ends_at: state.ends_at,
    error:
      state.error ??
      (state.status === 'running' && stats.last_send_failed_at && (!stats.last_send_ok_at || stats.last_send_failed_at > stats.last_send_ok_at)
        ? (stats.last_send_error ?? null)
        : null),
    ...clockStatus(state, stats, now),
  };
}

/** The clocks in the status: the mode, the simulated and the wall time side by side, late events. */
function clockStatus(state: StreamState, stats: StreamStatistics, now: number) {
  const clock: LiveClock | null = state.clock ?? null;
  const simulated = clock && state.status !== 'stopped' ? simulatedNow(clock, now) : (stats.last_simulated_at ?? null);
  return {
    time_mode: clock ? ('live' as const) : ('paced' as const),
    speed: clock ? clock.speed : null,
    simulated_time: simulated === null ? null : new Date(simulated).toISOString(),
    wall_time: new Date(now).toISOString(),
    late_event_ratio: state.lateness?.ratio ?? 0,
    max_lateness_seconds: state.lateness?.max_seconds ?? null,
  };
}

export const streamStatisticsSchema = z
  .object({
    events_generated: z.number().int().describe('Events the stream has produced since it started: sent, withheld, given up on, or due while sending fails'),
    events_prepared: z.number().int().describe("Events generated into the outbox (day slices) for this stream, growing as each day's units are written"),
    events_sent_successfully: z.number().int(),
    events_failed: z
      .number()
      .int()
      .describe(
        'Due events that did not reach the sink because sending failed: given up on (dead-lettered, or dropped with the DLQ off), or held in the outbox while the sink fails',
      ),
    events_dead_lettered: z.number().int(),
    batches_sent: z.number().int(),
    total_streaming_time: z.number().describe('Seconds spent sending'),
    events_per_second: z.number(),
    bytes_sent: z.number().int(),
    last_event_time: z.string().nullable(),
    event_type_counts: z.record(z.string(), z.number().int()),
    error_counts: z.record(z.string(), z.number().int()),
    connection_failures: z.number().int(),
    circuit_breaker_trips: z.number().int(),
    events_withheld_by_disruptions: z
      .number()
      .int()
      .describe('Events active disruptions kept from going out (shipments of a DC in outage, restocking of a shortage)'),
    events_delivered_late: z.number().int().describe('Delivered events that were held back to arrive late (late_event_ratio), with their true times'),
    events_skipped_before_start: z.number().int().describe("live: events of the day before the stream's start, not sent"),
  })
  .meta({ id: 'StreamStatistics' });

export async function streamStatistics(deps: StreamingDeps, windowSeconds: number, now = Date.now()): Promise<z.infer<typeof streamStatisticsSchema>> {
  const [state, stats] = await Promise.all([readStreamState(deps), readStatistics(deps)]);
  const counts = streamCounts(state, stats, now);
  return {
    events_generated: counts.events_generated,
    // From the state, which every unit updates once (ETag'd): exact under redelivered units.
    events_prepared: state.events_generated,
    events_sent_successfully: stats.events_sent_successfully,
    events_failed: counts.events_failed,
    events_dead_lettered: stats.events_dead_lettered ?? 0,
    batches_sent: stats.batches_sent,
    total_streaming_time: Math.round(stats.total_streaming_time * 10) / 10,
    events_per_second: eventsPerSecond(stats, now, windowSeconds),
    bytes_sent: stats.bytes_sent,
    last_event_time: stats.last_event_time,
    event_type_counts: stats.event_type_counts,
    error_counts: stats.error_counts,
    connection_failures: stats.connection_failures,
    circuit_breaker_trips: stats.circuit_breaker_trips,
    events_withheld_by_disruptions: stats.events_withheld_by_disruptions ?? 0,
    events_delivered_late: stats.events_delivered_late ?? 0,
    events_skipped_before_start: stats.events_skipped_before_start ?? 0,
  };
}

export { STATE_KEY as STREAM_STATE_KEY };
