/**
 * Streaming control, shared by every instance through Table documents: start (fill the outbox with the next
 * simulated day after the history watermark), stop, pause, resume, status and statistics.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../config/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../events/factory.js';
import { EVENT_TYPES, type EventType } from '../events/schemas.js';
import { addDays } from '../facts/calendar.js';
import { buildFactContext, type FactContext } from '../facts/context.js';
import { balancesPath, decodeBalances, encodeBalances } from '../facts/inventory.js';
import { generateMarketingDay } from '../facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../facts/region-day.js';
import type { GenerationStateStore } from '../generation/state.js';
import type { Disruption } from '../disruptions/model.js';
import type { DocumentStore } from '../storage/documents.js';
import type { DatasetFiles } from '../storage/files.js';
import type { CircuitBreakerState } from './breaker.js';
import type { DeadLetterQueue } from './dead-letter.js';
import type { DrainLease } from './lease.js';
import { deliveryOrder, type LatenessSettings } from './lateness.js';
import { haltClock, resumeClock, simulatedNow, startLiveClock, TIME_MODES, type LiveClock } from './live-clock.js';
import { haltPace, newPace, owedEvents, resumePace } from './pacer.js';
import { closedBreaker, resetBreaker } from './breaker.js';
import { masterFingerprint } from '../generation/master-job.js';
import {
  emptyStatistics,
  eventsPerSecond,
  RECENT_EVENTS_PATH,
  stoppedState,
  streamStateStatusSchema,
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
}

const STATE_KEY = 'state';
const STATS_KEY = 'statistics';

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

/** How a day slice is laid out for the stream: late events, and (a live start) where the stream begins. */
export interface DaySlice {
  lateness?: LatenessSettings | null;
  /** Live start: events delivered before this simulated time (epoch ms) are left out (skipped). */
  from_ms?: number;
}

/**
 * Generates one simulated day into the outbox, continuing inventory from history (the first streamed day) or
 * from the previous streamed day, whose closing positions are kept apart so history itself never changes.
 * Returns the events written and those left out before `slice.from_ms`.
 */
export async function fillDay(
  deps: StreamingDeps,
  config: AppConfig,
  day: string,
  eventTypes: string[] | null,
  slice: DaySlice = {},
  context: FactContext = buildFactContext(config),
): Promise<{ events: number; skipped: number }> {
  const collector = new EventCollector(eventTypes ? new Set(eventTypes as EventType[]) : null);
  for (const region of context.regions) {
    const previous = addDays(day, -1);
    const saved =
      (await deps.files.read(balancesPath('stream', region.dcId, previous))) ?? (await deps.files.read(balancesPath('history', region.dcId, previous)));
    if (!saved)
      throw new ConflictError(`Inventory positions for ${previous} (DC ${region.dcId}) are missing; generate historical data through ${previous} first`);
    const result = generateRegionDay(context, region, day, decodeBalances(saved));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
    await deps.files.write(balancesPath('stream', region.dcId, day), encodeBalances(result.balances));
  }
  collectDayEvents(collector, {
    fact_marketing: generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers).build(),
  });
  collectStoreHours(collector, context, day);
  const delivered = deliveryOrder(collector.sorted(), config.seed, slice.lateness ?? null);
  // Sorted by delivery time: what a live start skips is a prefix.
  const from = slice.from_ms === undefined ? 0 : delivered.findIndex((event) => event.at >= slice.from_ms!);
  const kept = from === -1 ? [] : delivered.slice(from);
  const { events } = await deps.outbox.replace(kept);
  return { events, skipped: delivered.length - kept.length };
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
  // Live: the simulated time of day is the wall clock's when the start was asked (or the one requested); what
  // came before it is skipped, and the clock runs from when the day is ready.
  const live = request.time_mode === 'live' ? startLiveClock(day, now.getTime(), request.speed ?? 1, timeOfDayMs(request.start_time_of_day)) : null;
  const filled = continued
    ? { events: current.events_generated, skipped: 0 }
    : await fillDay(deps, config, day, eventTypes, { lateness, ...(live ? { from_ms: live.anchor_sim_ms } : {}) });
  const generated = filled.events;
  // The stream begins once its day is ready (generating it takes a while at the default volume): the schedule,
  // the uptime and `duration_minutes` count from here, not from the request.
  now = new Date(Math.max(now.getTime(), Date.now()));
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
    events_generated: generated,
    error: null,
    pace: newPace(intervalMs, burst, now.getTime()),
    clock: live ? { ...live, anchor_wall_ms: now.getTime() } : null,
    lateness,
  };
  // A new start is a clean slate for the breaker (the operators' "manual reset" is stop, then start).
  await resetBreaker(deps.breakerState);
  await deps.state.update(STATE_KEY, () => state);
  await deps.statistics.update(STATS_KEY, () => ({ ...emptyStatistics(), events_generated: generated, events_skipped_before_start: filled.skipped }));
  await deps.generation.update((s) => {
    s.last_realtime_run = now.toISOString();
  });
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
 * history, with the same event types and late events (the outbox holds the day in their delivery order), and
 * the outbox still holds what was not delivered.
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
  const outbox = await deps.outbox.status(now);
  return outbox.pending_events + outbox.claimed_events > 0;
}

/** Stops any stream and forgets everything streaming owns (delete all data): outbox, DLQ, state, statistics, breaker. */
export async function resetStreaming(deps: StreamingDeps): Promise<void> {
  await deps.state.update(STATE_KEY, () => stoppedState());
  await deps.outbox.clear();
  await deps.deadLetters.clear();
  await deps.statistics.update(STATS_KEY, () => emptyStatistics());
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
    events_prepared: z.number().int().describe('Events generated into the outbox (day slices) since the stream started'),
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
    events_prepared: stats.events_generated,
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
