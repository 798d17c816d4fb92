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
import { emptyStatistics, eventsPerSecond, stoppedState, type Outbox, type StreamState, type StreamStatistics } from './types.js';

export const startStreamSchema = z
  .object({
    emit_interval_ms: z.number().int().min(10).max(3_600_000).optional().describe('Overrides realtime.emit_interval_ms for this run'),
    burst: z.number().int().min(1).max(100_000).optional().describe('Overrides realtime.burst for this run'),
    duration_minutes: z.number().int().min(1).max(10_080).optional().describe('Stop by itself after this long'),
    event_types: z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])).min(1).optional().describe('Only these event types'),
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


/**
 * Generates one simulated day into the outbox, continuing inventory from history (the first streamed day) or
 * from the previous streamed day, whose closing positions are kept apart so history itself never changes.
 */
export async function fillDay(deps: StreamingDeps, config: AppConfig, day: string, eventTypes: string[] | null, context: FactContext = buildFactContext(config)): Promise<number> {
  const collector = new EventCollector(eventTypes ? new Set(eventTypes as EventType[]) : null);
  for (const region of context.regions) {
    const previous = addDays(day, -1);
    const saved = (await deps.files.read(balancesPath('stream', region.dcId, previous))) ?? (await deps.files.read(balancesPath('history', region.dcId, previous)));
    if (!saved) throw new ConflictError(`Inventory positions for ${previous} (DC ${region.dcId}) are missing; generate historical data through ${previous} first`);
    const result = generateRegionDay(context, region, day, decodeBalances(saved));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
    await deps.files.write(balancesPath('stream', region.dcId, day), encodeBalances(result.balances));
  }
  collectDayEvents(collector, { fact_marketing: generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers).build() });
  collectStoreHours(collector, context, day);
  const { events } = await deps.outbox.replace(collector.sorted());
  return events;
}

export async function startStreaming(deps: StreamingDeps, config: AppConfig, request: StartStreamRequest, now = new Date()): Promise<StreamState> {
  const history = await deps.generation.read();
  if (!history.facts || !history.master) throw ValidationError.single('history', 'Historical data must be generated first');
  const current = await readStreamState(deps);
  if (current.status === 'running' || current.status === 'paused') {
    throw new ConflictError(`Streaming is already ${current.status} (operation_id ${current.operation_id}); stop it first`);
  }
  const day = addDays(history.facts.end_date, 1);
  const eventTypes = request.event_types ? [...new Set(request.event_types)] : null;
  const generated = await fillDay(deps, config, day, eventTypes);
  const state: StreamState = {
    status: 'running',
    operation_id: randomUUID(),
    started_at: now.toISOString(),
    stopped_at: null,
    ends_at: request.duration_minutes ? new Date(now.getTime() + request.duration_minutes * 60_000).toISOString() : null,
    emit_interval_ms: request.emit_interval_ms ?? config.realtime.emit_interval_ms,
    burst: request.burst ?? config.realtime.burst,
    event_types: eventTypes,
    day,
    events_generated: generated,
    error: null,
  };
  await deps.state.update(STATE_KEY, () => state);
  await deps.statistics.update(STATS_KEY, () => ({ ...emptyStatistics(), events_generated: generated }));
  await deps.generation.update((s) => {
    s.last_realtime_run = now.toISOString();
  });
  return state;
}

async function transition(deps: StreamingDeps, from: StreamState['status'][], to: StreamState['status'], verb: string): Promise<StreamState> {
  let refused: StreamState | undefined;
  const next = await deps.state.update(STATE_KEY, (current) => {
    const state = current ?? stoppedState();
    if (!from.includes(state.status)) {
      refused = state;
      return undefined;
    }
    return { ...state, status: to, ...(to === 'stopped' ? { stopped_at: new Date().toISOString() } : {}) };
  });
  if (refused) throw new ConflictError(`Cannot ${verb}: streaming is ${refused.status}`);
  return next ?? stoppedState();
}

export const stopStreaming = (deps: StreamingDeps) => transition(deps, ['running', 'paused', 'error'], 'stopped', 'stop');
export const pauseStreaming = (deps: StreamingDeps) => transition(deps, ['running'], 'paused', 'pause');
export const resumeStreaming = (deps: StreamingDeps) => transition(deps, ['paused'], 'running', 'resume');

export const streamStatusSchema = z
  .object({
    is_streaming: z.boolean(),
    status: z.enum(['running', 'paused', 'stopped', 'error']),
    operation_id: z.string().nullable(),
    uptime_seconds: z.number(),
    events_sent: z.number().int(),
    events_per_second: z.number(),
    last_event_time: z.string().nullable(),
    day: z.string().nullable().describe('The simulated day being streamed'),
    ends_at: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'StreamStatus' });

export async function streamStatus(deps: StreamingDeps, now = Date.now()): Promise<z.infer<typeof streamStatusSchema>> {
  const [state, stats] = await Promise.all([readStreamState(deps), readStatistics(deps)]);
  const active = state.status === 'running' || state.status === 'paused';
  return {
    is_streaming: active,
    status: state.status,
    operation_id: state.operation_id,
    uptime_seconds: active && state.started_at ? Math.round((now - Date.parse(state.started_at)) / 1000) : 0,
    events_sent: stats.events_sent_successfully,
    events_per_second: state.status === 'running' ? eventsPerSecond(stats, now) : 0,
    last_event_time: stats.last_event_time,
    day: state.day,
    ends_at: state.ends_at,
    error: state.error,
  };
}

export const streamStatisticsSchema = z
  .object({
    events_generated: z.number().int(),
    events_sent_successfully: z.number().int(),
    events_failed: z.number().int(),
    batches_sent: z.number().int(),
    total_streaming_time: z.number().describe('Seconds spent sending'),
    events_per_second: z.number(),
    bytes_sent: z.number().int(),
    last_event_time: z.string().nullable(),
    event_type_counts: z.record(z.string(), z.number().int()),
    error_counts: z.record(z.string(), z.number().int()),
    connection_failures: z.number().int(),
    circuit_breaker_trips: z.number().int(),
    events_withheld_by_disruptions: z.number().int().describe('Events active disruptions kept from going out (shipments of a DC in outage, restocking of a shortage)'),
  })
  .meta({ id: 'StreamStatistics' });

export async function streamStatistics(deps: StreamingDeps, now = Date.now()): Promise<z.infer<typeof streamStatisticsSchema>> {
  const stats = await readStatistics(deps);
  const { recent_rate: _recent, send_latency_counts: _counts, send_latency_sum: _sum, send_latency_count: _count, ...rest } = stats;
  void [_recent, _counts, _sum, _count];
  return { ...rest, events_withheld_by_disruptions: stats.events_withheld_by_disruptions ?? 0, events_per_second: eventsPerSecond(stats, now), total_streaming_time: Math.round(stats.total_streaming_time * 10) / 10 };
}

export { STATE_KEY as STREAM_STATE_KEY };
