/**
 * The drain: sends due events from the outbox to the sink at the configured pace — at most `burst` events
 * every `emit_interval_ms` — for a time budget (one timer tick), then records progress and statistics.
 * Safe when two drains overlap (chunks are claimed with ETags) and when a drain dies (claims expire and the
 * chunk resumes from its last recorded cursor). A failed send stops this drain with the events kept in the
 * outbox for the next one. When the day slice is exhausted the next simulated day is generated.
 */
import type { AppConfig } from '../config/schema.js';
import { redactSecrets } from '../config/secrets.js';
import { addDays } from '../facts/calendar.js';
import { announcementEvents, DisruptionEffects } from '../disruptions/effects.js';
import type { Disruption } from '../disruptions/model.js';
import { listDisruptions, shortageReorder } from '../disruptions/service.js';
import { fillDay, readStreamState, updateStatistics, STREAM_STATE_KEY, type StreamingDeps } from './control.js';
import { CircuitBreaker } from './breaker.js';
import { deadLetter } from './dead-letter.js';
import { backoffMs, classifySendError, errorText, RETRYABLE_ERRORS, TRANSIENT_ERRORS } from './send-errors.js';
import { latencyBucket, PartialSendError, SEND_LATENCY_BUCKETS, type ClaimedChunk, type EventSink, type OutboxEvent } from './types.js';

export interface DrainSummary {
  status: string;
  sent: number;
  failed: number;
  dead_lettered: number;
  /** Events not sent because an active disruption stopped them (a DC outage's shipments, a shortage's restocking). */
  withheld: number;
  batches: number;
  breaker_state: string;
  elapsed_ms: number;
  error: string | null;
}

const RECENT_PATH = 'state/stream/recent.json';
export const RECENT_LIMIT = 100;

// Classification and backoff live in send-errors.ts; re-exported here for existing importers.
export { backoffMs, classifySendError, errorText, RETRYABLE_ERRORS, TRANSIENT_ERRORS } from './send-errors.js';

export interface DrainOptions {
  /** How long claimed chunks stay reserved for this drain (default: its budget plus 30 s). */
  claimTtlMs?: number;
  clock?: () => number;
}

export async function drainOutbox(deps: StreamingDeps, config: AppConfig, sink: () => Promise<EventSink>, budgetMs: number, options: DrainOptions = {}): Promise<DrainSummary> {
  const clock = options.clock ?? Date.now;
  const claimTtlMs = options.claimTtlMs ?? budgetMs + 30_000;
  const started = clock();
  const summary: DrainSummary = { status: 'stopped', sent: 0, failed: 0, dead_lettered: 0, withheld: 0, batches: 0, breaker_state: 'closed', elapsed_ms: 0, error: null };
  const realtime = config.realtime;
  const breaker = new CircuitBreaker(
    deps.breakerState,
    { enabled: realtime.circuit_breaker_enabled, failureThreshold: realtime.failure_threshold, timeoutSeconds: realtime.timeout_seconds, halfOpenMaxCalls: realtime.half_open_max_calls },
    clock,
  );
  let state = await readStreamState(deps);
  summary.status = state.status;
  if (state.status !== 'running') return summary;
  if (state.ends_at && Date.parse(state.ends_at) <= started) {
    await deps.state.update(STREAM_STATE_KEY, (s) => (s ? { ...s, status: 'stopped', stopped_at: new Date(started).toISOString() } : s));
    summary.status = 'stopped';
    return summary;
  }

  const interval = Math.max(10, state.emit_interval_ms);
  const burst = Math.max(1, state.burst);
  const ticks = Math.max(1, Math.floor(budgetMs / interval));
  let chunks = await deps.outbox.claim(ticks * burst, claimTtlMs, started);
  if (chunks.length === 0) {
    const outbox = await deps.outbox.status(started);
    if (outbox.pending_events === 0 && outbox.claimed_events === 0 && state.day) {
      // The day slice is done: stream the next simulated day.
      const next = addDays(state.day, 1);
      const generated = await fillDay(deps, config, next, state.event_types);
      await deps.state.update(STREAM_STATE_KEY, (s) => (s ? { ...s, day: next, events_generated: s.events_generated + generated } : s));
      await updateStatistics(deps, (stats) => {
        stats.events_generated += generated;
      });
      chunks = await deps.outbox.claim(ticks * burst, claimTtlMs, clock());
    }
  }

  const queue: { chunk: ClaimedChunk; index: number }[] = [];
  for (const chunk of chunks) for (let i = chunk.cursor; i < chunk.events.length; i++) queue.push({ chunk, index: i });
  const sentUpTo = new Map(chunks.map((c) => [c, c.cursor]));
  /** Chunks fully sent and already marked so (right away, so a crash cannot send them again). */
  const completed = new Set<ClaimedChunk>();
  const typeCounts: Record<string, number> = {};
  const rate: [number, number][] = [];
  const recent: OutboxEvent[] = [];
  let bytes = 0;
  let lastEventTime: string | null = null;
  let position = 0;
  let lastStateCheck = started;
  let target: EventSink | undefined;

  const errorCounts: Record<string, number> = {};
  const latencies: number[] = [];
  let trips = 0;
  let connectionFailures = 0;
  let blocked = false;

  /**
   * Sends one tick's events: retryable failures are retried with exponential backoff and jitter up to
   * retry_attempts, only the events not yet delivered; the rest are dead-lettered. Batches and bytes that
   * reached the sink are counted here. `done` is false when the breaker is open (the unsent events stay in the outbox).
   */
  const deliver = async (batch: OutboxEvent[]): Promise<{ done: boolean; failed: Set<OutboxEvent> }> => {
    let pending = batch;
    const failed = new Set<OutboxEvent>();
    if (batch.length === 0) return { done: true, failed };
    for (let attempt = 0; ; attempt++) {
      if (!(await breaker.allow())) return { done: false, failed };
      const sendStarted = clock();
      try {
        const sent = await target!.send(pending);
        latencies.push((clock() - sendStarted) / 1000);
        bytes += sent.bytes;
        summary.batches += sent.batches;
        await breaker.recordSuccess();
        return { done: true, failed };
      } catch (error) {
        if (error instanceof PartialSendError) {
          bytes += error.result.bytes;
          summary.batches += error.result.batches;
          pending = pending.filter((_, index) => !error.sentIndexes.has(index));
        }
        const kind = classifySendError(error);
        errorCounts[kind] = (errorCounts[kind] ?? 0) + 1;
        if (kind === 'connection_failure' || kind === 'connection_timeout') connectionFailures++;
        // An event too large for a batch says nothing about the hub's health: it does not count towards the breaker.
        const tripped = kind === 'message_too_large' ? false : await breaker.recordFailure(kind);
        if (tripped) trips++;
        summary.error = redactSecrets(`${kind}: ${errorText(error instanceof PartialSendError ? error.cause : error) || 'no detail'}`);
        // The hub is unreachable or overloaded and the breaker has opened: keep the rest in the outbox for
        // after the breaker's timeout instead of dead-lettering events that would succeed later.
        if (tripped && RETRYABLE_ERRORS.has(kind)) return { done: false, failed };
        if (RETRYABLE_ERRORS.has(kind) && attempt >= realtime.retry_attempts && TRANSIENT_ERRORS.has(kind)) return { done: false, failed };
        if (!RETRYABLE_ERRORS.has(kind) || attempt >= realtime.retry_attempts) {
          summary.failed += pending.length;
          for (const event of pending) failed.add(event);
          if (realtime.enable_dead_letter_queue) summary.dead_lettered += await deadLetter(deps.deadLetters, pending, kind, summary.error, attempt, realtime.max_buffer_size);
          return { done: true, failed };
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, realtime.backoff_multiplier)));
      }
    }
  };

  /** Counts events that reached the sink (not the failed ones) for the statistics and the recent list. */
  const recordSent = (events: readonly (OutboxEvent | null)[], failed: ReadonlySet<OutboxEvent>): number => {
    let sent = 0;
    for (const event of events) {
      if (event === null || failed.has(event)) continue;
      sent++;
      typeCounts[event.eventType] = (typeCounts[event.eventType] ?? 0) + 1;
      recent.push(event);
      if (recent.length > RECENT_LIMIT) recent.shift();
    }
    summary.sent += sent;
    return sent;
  };

  /**
   * Sends the stockout and reorder events of shortages not yet announced (once, then marked on the
   * disruption). Returns false when the breaker holds them back.
   */
  const announceShortages = async (active: Disruption[]): Promise<boolean> => {
    for (const disruption of active) {
      if (disruption.disruption_type !== 'inventory_shortage' || disruption.announced_at) continue;
      const next = queue[position];
      const at = next ? next.chunk.events[next.index]!.at : clock();
      const events = announcementEvents(disruption, at, (product) => shortageReorder(config, disruption.target_id, product)).filter(
        (event) => !state.event_types || state.event_types.includes(event.eventType),
      );
      const { done, failed } = await deliver(events);
      if (!done) return false;
      recordSent(events, failed);
      const announcedAt = new Date(clock()).toISOString();
      await deps.disruptions!.update(disruption.id, (current) => (current && !current.announced_at ? { ...current, announced_at: announcedAt } : undefined));
    }
    return true;
  };

  try {
    target = await sink();
    const active = deps.disruptions ? await listDisruptions({ disruptions: deps.disruptions }, clock()) : [];
    const effects = new DisruptionEffects(active);
    if (!(await announceShortages(active))) blocked = true;
    for (let tick = 0; !blocked && position < queue.length && clock() - started < budgetMs; tick++) {
      const tickStart = clock();
      if (tickStart - lastStateCheck > 1000) {
        lastStateCheck = tickStart;
        state = await readStreamState(deps);
        if (state.status !== 'running') break;
      }
      const batch = queue.slice(position, position + burst);
      // Active disruptions change or withhold events on the way out; withheld ones count as handled.
      const outgoing = batch.map((b) => effects.apply(b.chunk.events[b.index]!));
      const toSend = outgoing.filter((event): event is OutboxEvent => event !== null);
      const { done, failed } = await deliver(toSend);
      if (!done) {
        blocked = true;
        break;
      }
      position += batch.length;
      const touched = new Set<ClaimedChunk>();
      for (const { chunk, index } of batch) {
        sentUpTo.set(chunk, index + 1);
        touched.add(chunk);
      }
      const sentNow = recordSent(outgoing, failed);
      summary.withheld += outgoing.length - toSend.length;
      lastEventTime = new Date().toISOString();
      // Checkpoint every tick: if this instance dies now, the next drain repeats at most this one batch.
      const finished = [...touched].filter((chunk) => sentUpTo.get(chunk)! >= chunk.events.length);
      const partial = [...touched].filter((chunk) => sentUpTo.get(chunk)! < chunk.events.length);
      const [kept] = await Promise.all([
        Promise.all(partial.map((chunk) => deps.outbox.checkpoint(chunk, sentUpTo.get(chunk)!))),
        finished.length > 0 ? deps.outbox.completeAll(finished) : Promise.resolve(),
      ]);
      for (const chunk of finished) completed.add(chunk);
      if (kept.includes(false)) break; // our claim expired and another drain took over: stop, do not send twice
      const second = Math.floor(clock() / 1000);
      if (rate.length > 0 && rate[rate.length - 1]![0] === second) rate[rate.length - 1]![1] += sentNow;
      else rate.push([second, sentNow]);
      // Ticks are scheduled from the start, not from the end of the last send, so a slow send does not slow the rate down.
      const wait = started + (tick + 1) * interval - clock();
      if (wait > 0 && position < queue.length) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, started + budgetMs - clock()))));
    }
  } catch (error) {
    // Not a send failure (those are handled above): storage or the sink's set-up. The events stay in the outbox.
    summary.error = redactSecrets(error instanceof Error ? error.message : String(error));
    errorCounts[classifySendError(error)] = (errorCounts[classifySendError(error)] ?? 0) + 1;
  } finally {
    // Record progress even after a failure: what was handled is never handled again, the rest stays in the outbox.
    await Promise.all(chunks.filter((chunk) => !completed.has(chunk)).map((chunk) => deps.outbox.complete(chunk, sentUpTo.get(chunk) ?? chunk.cursor)));
  }
  summary.breaker_state = blocked ? 'open' : (await breaker.read()).state;

  summary.elapsed_ms = clock() - started;
  if (summary.sent > 0 || summary.failed > 0 || summary.withheld > 0 || Object.keys(errorCounts).length > 0) {
    await updateStatistics(deps, (stats) => {
      stats.events_sent_successfully += summary.sent;
      stats.events_withheld_by_disruptions = (stats.events_withheld_by_disruptions ?? 0) + summary.withheld;
      stats.events_failed += summary.failed;
      stats.circuit_breaker_trips += trips;
      stats.connection_failures += connectionFailures;
      for (const [kind, count] of Object.entries(errorCounts)) stats.error_counts[kind] = (stats.error_counts[kind] ?? 0) + count;
      stats.batches_sent += summary.batches;
      stats.bytes_sent += bytes;
      stats.total_streaming_time += summary.elapsed_ms / 1000;
      stats.last_event_time = lastEventTime;
      for (const [type, count] of Object.entries(typeCounts)) stats.event_type_counts[type] = (stats.event_type_counts[type] ?? 0) + count;
      const counts = stats.send_latency_counts ?? new Array<number>(SEND_LATENCY_BUCKETS.length + 1).fill(0);
      for (const seconds of latencies) counts[latencyBucket(seconds)]! += 1;
      stats.send_latency_counts = counts;
      stats.send_latency_sum = (stats.send_latency_sum ?? 0) + latencies.reduce((a, b) => a + b, 0);
      stats.send_latency_count = (stats.send_latency_count ?? 0) + latencies.length;
      const merged = [...stats.recent_rate, ...rate];
      stats.recent_rate = merged.slice(-120);
    });
    const previous = await deps.files.read(RECENT_PATH);
    const kept = [...(previous ? (JSON.parse(Buffer.from(previous).toString('utf8')) as unknown[]) : []), ...recent.map((e) => JSON.parse(e.body) as unknown)].slice(-RECENT_LIMIT);
    await deps.files.write(RECENT_PATH, Buffer.from(JSON.stringify(kept)), 'application/json');
  }
  return summary;
}

export async function recentEvents(deps: StreamingDeps, limit: number): Promise<unknown[]> {
  const stored = await deps.files.read(RECENT_PATH);
  const events = stored ? (JSON.parse(Buffer.from(stored).toString('utf8')) as unknown[]) : [];
  return events.slice(-limit).reverse();
}
