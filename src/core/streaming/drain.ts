/**
 * The drain: sends due events from the outbox to the sink on the stream's schedule (`burst` events every
 * `emit_interval_ms`, see ./pacer.ts) for a time budget (one timer tick), then records progress and statistics.
 *
 * - One drain at a time (./lease.ts), whichever instance or path runs it, so the schedule is kept once and each
 *   store's events reach the hub in order. Chunks are also claimed with ETags, and a drain that dies leaves its
 *   claims and its lease to expire; the next resumes from the last recorded cursor.
 * - Settings apply live: the state (pause, stop, pacing) and the configuration (pacing, retry, breaker, batch
 *   size and timeout) are read again every emit interval, at least once a second and at most every 200 ms.
 * - A failed send keeps the events in the outbox for the next try; the circuit breaker pauses sending.
 * - Only chunks of the streamed day's generation are claimed (and DLQ retries). The day's units land while it is
 *   sent (./day-units.ts); once they are all in and all sent, and the next day (generated ahead) is ready, the
 *   stream rolls over to it (`rollOver`): an ETag'd transition of the state, so two drains never roll twice.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AppConfig } from '../config/schema.js';
import { redactSecrets } from '../config/secrets.js';
import { ConflictError, ValidationError } from '../errors.js';
import { announcementEvents, DisruptionEffects } from '../disruptions/effects.js';
import type { Disruption } from '../disruptions/model.js';
import { listDisruptions, shortageReorder } from '../disruptions/operations.js';
import { readStreamState, STREAM_STATE_KEY, type StreamingDeps } from './control.js';
import { prepareNextDay, requeueIfLost } from './day-units.js';
import { breakerSettings, CircuitBreaker, DrainBreaker } from './breaker.js';
import { deadLetter } from './dead-letter.js';
import { latenessMs } from './lateness.js';
import { DrainLeaseHolder } from './lease.js';
import { liveEvent, liveStep, type LiveClock } from './live-clock.js';
import { CATCH_UP_BURSTS, eventsToSend, forgiveOwed, newPace, nextBurstAt, recordTick, repace, type Pace } from './pacer.js';
import { backoffMs, classifySendError, errorText, RETRYABLE_ERRORS, TRANSIENT_ERRORS } from './send-errors.js';
import {
  emptyStatistics,
  latencyBucket,
  PartialSendError,
  RECENT_EVENTS_PATH,
  RECENT_RATE_SECONDS,
  STATISTICS_DOCUMENT,
  SEND_LATENCY_BUCKETS,
  SENT_HISTORY_SECONDS,
  SENT_HISTORY_STEP_SECONDS,
  type ClaimedChunk,
  type EventSink,
  type OutboxEvent,
  type StreamState,
  type StreamStatistics,
} from './types.js';

export interface DrainSummary {
  /** The stream's status, or `busy` when another drain holds the lease. */
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

export const RECENT_LIMIT = 100;
/** Shortest time between two reads of the shared state and configuration during a drain. */
const MIN_REFRESH_MS = 200;
/** Longest: a pause, a stop or a new pacing takes effect within this (or one interval, when shorter). */
const MAX_REFRESH_MS = 1000;
/** How often a drain waiting for the day's units looks for new chunks. */
const UNIT_POLL_MS = 500;
/** How often a running drain records its statistics. */
const STATISTICS_FLUSH_MS = 1000;

export interface DrainOptions {
  /** How long claimed chunks and the lease stay reserved for this drain (default: its budget plus 30 s). */
  claimTtlMs?: number;
  clock?: () => number;
  /** Reads the configuration again (pacing, retry and breaker settings apply to a running drain). */
  readConfig?: () => Promise<AppConfig>;
  /**
   * Drain what waits in the outbox even though no stream runs (POST /api/stream/outbox/drain after a DLQ retry
   * while stopped), at the configured pace. Never while paused: a pause holds everything.
   */
  evenWhenStopped?: boolean;
}

/**
 * What a drain did since its last statistics flush (about once a second, and at its end), turned into one
 * statistics update; `addTo` adds the same counts to the drain's summary.
 */
class DrainTally {
  sent = 0;
  failed = 0;
  deadLettered = 0;
  withheld = 0;
  late = 0;
  skipped = 0;
  lastSimulatedAt: number | null = null;
  batches = 0;
  bytes = 0;
  trips = 0;
  connectionFailures = 0;
  error: string | null = null;
  lastEventTime: string | null = null;
  lastSendOkAt: string | null = null;
  lastSendFailedAt: string | null = null;
  lastSendErrorKind: string | null = null;
  readonly typeCounts: Record<string, number> = {};
  readonly errorCounts: Record<string, number> = {};
  readonly latencies: number[] = [];
  readonly rate: [number, number][] = [];
  readonly recent: OutboxEvent[] = [];

  constructor(readonly startedAt: number) {}

  countError(kind: string): void {
    this.errorCounts[kind] = (this.errorCounts[kind] ?? 0) + 1;
  }

  /** Counts the events that reached the sink (not the failed or withheld ones). */
  recordSent(events: readonly (OutboxEvent | null)[], failed: ReadonlySet<OutboxEvent>, now: number): number {
    let sent = 0;
    for (const event of events) {
      if (event === null || failed.has(event)) continue;
      sent++;
      this.typeCounts[event.eventType] = (this.typeCounts[event.eventType] ?? 0) + 1;
      this.recent.push(event);
    }
    // Only the last RECENT_LIMIT are kept, cut once per send rather than shifted once per event.
    if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    this.sent += sent;
    const second = Math.floor(now / 1000);
    const last = this.rate[this.rate.length - 1];
    if (last && last[0] === second) last[1] += sent;
    else this.rate.push([second, sent]);
    return sent;
  }

  get eventful(): boolean {
    return this.sent > 0 || this.failed > 0 || this.withheld > 0 || this.skipped > 0 || Object.keys(this.errorCounts).length > 0;
  }

  addTo(summary: DrainSummary): void {
    summary.sent += this.sent;
    summary.failed += this.failed;
    summary.dead_lettered += this.deadLettered;
    summary.withheld += this.withheld;
    summary.batches += this.batches;
    if (this.error) summary.error = this.error;
  }

  applyTo(stats: StreamStatistics, now: number): void {
    stats.events_sent_successfully += this.sent;
    stats.events_withheld_by_disruptions = (stats.events_withheld_by_disruptions ?? 0) + this.withheld;
    stats.events_dead_lettered = (stats.events_dead_lettered ?? 0) + this.deadLettered;
    stats.events_delivered_late = (stats.events_delivered_late ?? 0) + this.late;
    stats.events_skipped_before_start = (stats.events_skipped_before_start ?? 0) + this.skipped;
    if (this.lastSimulatedAt !== null) stats.last_simulated_at = this.lastSimulatedAt;
    stats.events_failed += this.failed;
    stats.circuit_breaker_trips += this.trips;
    stats.connection_failures += this.connectionFailures;
    for (const [kind, count] of Object.entries(this.errorCounts)) stats.error_counts[kind] = (stats.error_counts[kind] ?? 0) + count;
    stats.batches_sent += this.batches;
    stats.bytes_sent += this.bytes;
    stats.total_streaming_time += (now - this.startedAt) / 1000;
    if (this.lastEventTime) stats.last_event_time = this.lastEventTime;
    if (this.lastSendOkAt && (!stats.last_send_ok_at || this.lastSendOkAt > stats.last_send_ok_at)) stats.last_send_ok_at = this.lastSendOkAt;
    if (this.lastSendFailedAt && (!stats.last_send_failed_at || this.lastSendFailedAt > stats.last_send_failed_at)) {
      stats.last_send_failed_at = this.lastSendFailedAt;
      stats.last_send_error = this.error;
      stats.last_send_error_kind = this.lastSendErrorKind;
    }
    for (const [type, count] of Object.entries(this.typeCounts)) stats.event_type_counts[type] = (stats.event_type_counts[type] ?? 0) + count;
    const counts = stats.send_latency_counts ?? new Array<number>(SEND_LATENCY_BUCKETS.length + 1).fill(0);
    for (const seconds of this.latencies) counts[latencyBucket(seconds)]! += 1;
    stats.send_latency_counts = counts;
    stats.send_latency_sum = (stats.send_latency_sum ?? 0) + this.latencies.reduce((a, b) => a + b, 0);
    stats.send_latency_count = (stats.send_latency_count ?? 0) + this.latencies.length;
    const nowSecond = Math.floor(now / 1000);
    const merged = new Map<number, number>(stats.recent_rate);
    for (const [second, count] of this.rate) merged.set(second, (merged.get(second) ?? 0) + count);
    stats.recent_rate = [...merged].filter(([second]) => second > nowSecond - RECENT_RATE_SECONDS).sort((a, b) => a[0] - b[0]);
    const history = (stats.sent_history ?? []).filter(([second]) => second > nowSecond - SENT_HISTORY_SECONDS);
    const lastPoint = history[history.length - 1];
    if (!lastPoint || nowSecond - lastPoint[0] >= SENT_HISTORY_STEP_SECONDS) history.push([nowSecond, stats.events_sent_successfully]);
    stats.sent_history = history;
  }
}

interface Delivery {
  /** False when the breaker holds the rest back or a transient failure outlasted the retries (kept in the outbox). */
  done: boolean;
  /** Events given up on (dead-lettered or dropped); they count as handled. */
  failed: Set<OutboxEvent>;
  /** When not done: the events that did reach the sink before it stopped (a partly sent batch). */
  delivered: Set<OutboxEvent>;
}

/**
 * Sends events with retry and breaker: retryable failures are retried with exponential backoff and jitter up to
 * retry_attempts, only the events not yet delivered; the rest are dead-lettered. Each send is bounded by
 * batch_timeout_ms.
 */
async function deliver(
  deps: StreamingDeps,
  config: () => AppConfig,
  target: EventSink,
  breaker: () => DrainBreaker,
  tally: DrainTally,
  clock: () => number,
  batch: OutboxEvent[],
): Promise<Delivery> {
  let pending = batch;
  const failed = new Set<OutboxEvent>();
  const delivered = new Set<OutboxEvent>();
  if (batch.length === 0) return { done: true, failed, delivered };
  for (let attempt = 0; ; attempt++) {
    const realtime = config().realtime;
    if (!(await breaker().allow())) return { done: false, failed, delivered };
    const sendStarted = clock();
    try {
      const abortSignal = AbortSignal.timeout(realtime.batch_timeout_ms);
      // One signal serves every partition key's batch of this send, each adding a listener.
      setMaxListeners(0, abortSignal);
      const sent = await withinTimeout(target.send(pending, { maxBatchSize: realtime.max_batch_size, abortSignal }), realtime.batch_timeout_ms);
      tally.latencies.push((clock() - sendStarted) / 1000);
      tally.bytes += sent.bytes;
      tally.batches += sent.batches;
      tally.lastSendOkAt = new Date(clock()).toISOString();
      await breaker().recordSuccess();
      return { done: true, failed, delivered };
    } catch (error) {
      if (error instanceof PartialSendError) {
        tally.bytes += error.result.bytes;
        tally.batches += error.result.batches;
        for (const index of error.sentIndexes) if (pending[index]) delivered.add(pending[index]);
        pending = pending.filter((_, index) => !error.sentIndexes.has(index));
      }
      const kind = classifySendError(error);
      tally.countError(kind);
      tally.lastSendFailedAt = new Date(clock()).toISOString();
      tally.lastSendErrorKind = kind;
      if (kind === 'connection_failure' || kind === 'connection_timeout') tally.connectionFailures++;
      // An event too large for a batch says nothing about the hub's health: it does not count towards the breaker.
      const tripped = kind === 'message_too_large' ? false : await breaker().recordFailure(kind);
      if (tripped) tally.trips++;
      tally.error = redactSecrets(`${kind}: ${errorText(error instanceof PartialSendError ? error.cause : error) || 'no detail'}`);
      // The hub is unreachable or overloaded and the breaker has opened: keep the rest in the outbox for
      // after the breaker's timeout instead of dead-lettering events that would succeed later.
      if (tripped && RETRYABLE_ERRORS.has(kind)) return { done: false, failed, delivered };
      if (RETRYABLE_ERRORS.has(kind) && attempt >= realtime.retry_attempts && TRANSIENT_ERRORS.has(kind)) return { done: false, failed, delivered };
      if (!RETRYABLE_ERRORS.has(kind) || attempt >= realtime.retry_attempts) {
        if (realtime.enable_dead_letter_queue && (await deps.deadLetters.summary()).total + pending.length > realtime.max_buffer_size) {
          // A full DLQ drops nothing: the events stay in the outbox and the stream stops here until it has room.
          tally.countError('dlq_full');
          tally.error = `dlq_full: the dead-letter queue holds realtime.max_buffer_size (${realtime.max_buffer_size}) events; retry or clear it (last send error: ${tally.error})`;
          return { done: false, failed, delivered };
        }
        tally.failed += pending.length;
        for (const event of pending) failed.add(event);
        if (realtime.enable_dead_letter_queue)
          tally.deadLettered += await deadLetter(deps.deadLetters, pending, kind, tally.error, attempt, realtime.max_buffer_size);
        return { done: true, failed, delivered };
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, realtime.backoff_multiplier)));
    }
  }
}

/**
 * A send that outlasts batch_timeout_ms fails as a timeout even when the client does not honour the abort signal
 * (an AMQP connection that is still being opened, say), so a drain never hangs on it while it holds the lease.
 */
async function withinTimeout<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`The send did not finish within batch_timeout_ms (${timeoutMs} ms)`), { name: 'AbortError', code: 'AbortError' })),
      timeoutMs + 250,
    );
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
    // A send given up on may still fail later; that failure is no one's to handle.
    operation.catch(() => undefined);
  }
}

/**
 * Events past a cursor that the sink already accepted: a send that reached some partition keys before the breaker
 * stopped it. A cursor cannot skip them without skipping the keys that failed, so they are recorded here (chunk,
 * position and event id, in the dataset files beside the recent events) and the next drain passes over them
 * instead of sending them again.
 */
export const DELIVERED_AHEAD_PATH = 'state/stream/delivered-ahead.json';
interface DeliveredAhead {
  chunk: string;
  index: number;
  event_id: string;
}

/** The claimed chunks being sent, in order, with what has been sent of each. */
class ChunkProgress {
  readonly chunks: ClaimedChunk[] = [];
  private readonly queue: { chunk: ClaimedChunk; index: number }[] = [];
  private position = 0;
  private readonly sentUpTo = new Map<ClaimedChunk, number>();
  /** Chunks fully sent and already marked so (right away, so a crash cannot send them again). */
  private readonly completed = new Set<ClaimedChunk>();
  /** `chunk:index` → event id of events already delivered past their chunk's cursor. */
  private ahead = new Map<string, string>();

  constructor(
    private readonly deps: StreamingDeps,
    /** When a renewed claim ends: each checkpoint extends the claims it touches by the claim TTL. */
    private readonly claimUntil: () => number,
  ) {}

  /**
   * Adds claimed chunks, their unsent events merged by time with those still waiting. Each chunk holds keys of one
   * shard, so chunks side by side are not in time order with each other; the merge sends the day in time order
   * across shards and units. It is stable (ties keep the order added), and a key's later chunk never starts before
   * its earlier one ends, so each key's order and each chunk's cursor order hold.
   */
  add(chunks: ClaimedChunk[]): void {
    if (chunks.length === 0) return;
    const waiting = this.queue.splice(this.position);
    this.queue.splice(0, this.position);
    this.position = 0;
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      this.sentUpTo.set(chunk, chunk.cursor);
      for (let i = chunk.cursor; i < chunk.events.length; i++) waiting.push({ chunk, index: i });
    }
    waiting.sort((a, b) => a.chunk.events[a.index]!.at - b.chunk.events[b.index]!.at);
    this.queue.push(...waiting);
  }

  get remaining(): number {
    return this.queue.length - this.position;
  }

  /** The time of the next event to send, if any. */
  nextAt(): number | undefined {
    const next = this.queue[this.position];
    return next ? next.chunk.events[next.index]!.at : undefined;
  }

  peek(count: number): OutboxEvent[] {
    return this.queue.slice(this.position, this.position + count).map(({ chunk, index }) => chunk.events[index]!);
  }

  async loadDeliveredAhead(): Promise<void> {
    const stored = await this.deps.files.read(DELIVERED_AHEAD_PATH);
    const entries = stored ? (JSON.parse(Buffer.from(stored).toString('utf8')) as DeliveredAhead[]) : [];
    this.ahead = new Map(entries.map((entry) => [`${entry.chunk}:${entry.index}`, entry.event_id]));
  }

  /** Positions among the next `count` events that an earlier send already delivered (same chunk, place and id). */
  deliveredAhead(count: number): Set<number> {
    const found = new Set<number>();
    if (this.ahead.size === 0) return found;
    this.queue.slice(this.position, this.position + count).forEach(({ chunk, index }, i) => {
      const id = chunk.events[index]!.eventId;
      if (id !== undefined && this.ahead.get(`${chunk.id}:${index}`) === id) found.add(i);
    });
    return found;
  }

  /** Records which of the next `count` events reached the sink although the send as a whole failed. */
  async recordDeliveredAhead(count: number, delivered: (position: number) => boolean): Promise<void> {
    let added = false;
    this.queue.slice(this.position, this.position + count).forEach(({ chunk, index }, i) => {
      const id = chunk.events[index]!.eventId;
      if (id === undefined || !delivered(i)) return;
      this.ahead.set(`${chunk.id}:${index}`, id);
      added = true;
    });
    if (added) await this.saveDeliveredAhead();
  }

  private async saveDeliveredAhead(): Promise<void> {
    const entries: DeliveredAhead[] = [...this.ahead].map(([key, event_id]) => {
      const at = key.lastIndexOf(':');
      return { chunk: key.slice(0, at), index: Number(key.slice(at + 1)), event_id };
    });
    await this.deps.files.write(DELIVERED_AHEAD_PATH, Buffer.from(JSON.stringify(entries)), 'application/json');
  }

  /**
   * Records that the next `count` events were handled: finished chunks are marked sent, the others checkpoint
   * their cursor (keeping the claim), so a drain that dies now repeats at most this one batch. False when a
   * claim was lost (expired and taken over): stop, do not send twice.
   */
  async advance(count: number): Promise<boolean> {
    const touched = new Set<ClaimedChunk>();
    let passedAhead = false;
    const anyAhead = this.ahead.size > 0;
    for (const { chunk, index } of this.queue.slice(this.position, this.position + count)) {
      this.sentUpTo.set(chunk, index + 1);
      touched.add(chunk);
      if (anyAhead && this.ahead.delete(`${chunk.id}:${index}`)) passedAhead = true;
    }
    this.position += count;
    const finished = [...touched].filter((chunk) => this.sentUpTo.get(chunk)! >= chunk.events.length);
    const partial = [...touched].filter((chunk) => this.sentUpTo.get(chunk)! < chunk.events.length);
    const [kept] = await Promise.all([
      Promise.all(partial.map((chunk) => this.deps.outbox.checkpoint(chunk, this.sentUpTo.get(chunk)!, this.claimUntil()))),
      finished.length > 0 ? this.deps.outbox.completeAll(finished) : Promise.resolve(),
    ]);
    for (const chunk of finished) this.completed.add(chunk);
    // Once the cursors are past them the records are spent (a crash before this leaves them unreachable, not wrong:
    // they name positions behind a cursor).
    if (passedAhead) await this.saveDeliveredAhead();
    return !kept.includes(false);
  }

  /** Releases what was not finished, with its cursor, for the next drain. */
  async release(): Promise<void> {
    await Promise.all(
      this.chunks.filter((chunk) => !this.completed.has(chunk)).map((chunk) => this.deps.outbox.complete(chunk, this.sentUpTo.get(chunk) ?? chunk.cursor)),
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The stream's schedule, or a new one for a state written before schedules existed or a drain while stopped. */
function paceOf(state: StreamState, config: AppConfig, now: number, stopped: boolean): Pace {
  if (stopped) return newPace(config.realtime.emit_interval_ms, config.realtime.burst, now);
  return state.pace ?? newPace(Math.max(10, state.emit_interval_ms), Math.max(1, state.burst), state.started_at ? Date.parse(state.started_at) : now);
}

export async function drainOutbox(
  deps: StreamingDeps,
  initialConfig: AppConfig,
  sink: () => Promise<EventSink>,
  budgetMs: number,
  options: DrainOptions = {},
): Promise<DrainSummary> {
  const clock = options.clock ?? Date.now;
  const claimTtlMs = options.claimTtlMs ?? budgetMs + 30_000;
  const started = clock();
  const summary: DrainSummary = {
    status: 'stopped',
    sent: 0,
    failed: 0,
    dead_lettered: 0,
    withheld: 0,
    batches: 0,
    breaker_state: 'closed',
    elapsed_ms: 0,
    error: null,
  };
  let tally = new DrainTally(started);
  let state = await readStreamState(deps);
  summary.status = state.status;
  const stoppedDrain = state.status !== 'running';
  if (stoppedDrain && !(options.evenWhenStopped && state.status !== 'paused')) return summary;
  if (state.status === 'running' && state.ends_at && Date.parse(state.ends_at) <= started) {
    await deps.state.update(STREAM_STATE_KEY, (s) => (s ? { ...s, status: 'stopped', stopped_at: new Date(started).toISOString() } : s));
    summary.status = 'stopped';
    return summary;
  }
  const lease = deps.lease ? new DrainLeaseHolder(deps.lease, claimTtlMs, clock) : undefined;
  if (lease && !(await lease.acquire())) {
    summary.status = 'busy';
    return summary;
  }

  let config = initialConfig;
  let breaker = new DrainBreaker(new CircuitBreaker(deps.breakerState, breakerSettings(config.realtime), clock));
  await breaker.refresh();
  let pace = paceOf(state, config, started, stoppedDrain);
  const progress = new ChunkProgress(deps, () => clock() + claimTtlMs);
  /** This run's name on its claims: it claims past the chunks it holds itself, never past another drain's. */
  const claimHolder = randomUUID();
  let lastRefresh = started;
  let lastFlush = started;

  /** Records what was done since the last flush, so statistics and the dashboard move while a drain runs. */
  const flush = async (): Promise<void> => {
    const now = clock();
    lastFlush = now;
    tally.addTo(summary);
    if (tally.eventful) await recordStatistics(deps, tally, state.operation_id, now);
    tally = new DrainTally(now);
  };

  /** Reads state and configuration again and saves the schedule; false when the stream no longer runs. */
  const refresh = async (): Promise<boolean> => {
    lastRefresh = clock();
    // One round trip's time, not five: the reads and writes of a refresh do not depend on each other. The lease is
    // renewed as the claims are: a drain that still works keeps both, one that hangs loses both.
    const [kept, nextConfig, saved] = await Promise.all([
      lease ? lease.renew() : Promise.resolve(true),
      options.readConfig ? options.readConfig() : Promise.resolve(config),
      stoppedDrain ? Promise.resolve(state) : savePace(deps, state.operation_id, pace),
      lastRefresh - lastFlush >= STATISTICS_FLUSH_MS ? flush() : Promise.resolve(),
    ]);
    if (!kept) return false;
    if (nextConfig !== config) {
      config = nextConfig;
      breaker = new DrainBreaker(new CircuitBreaker(deps.breakerState, breakerSettings(config.realtime), clock));
    }
    await breaker.refresh();
    if (stoppedDrain) {
      pace = repace(pace, config.realtime.emit_interval_ms, config.realtime.burst, clock());
      return true;
    }
    if (saved.status !== 'running' || saved.operation_id !== state.operation_id) return false;
    state = saved;
    pace = repace(pace, Math.max(10, state.emit_interval_ms), Math.max(1, state.burst), clock());
    return true;
  };

  /** The next claim, made while sending; `exhausted` once a claim found nothing (until a new day is made). */
  let prefetch: Promise<ClaimedChunk[]> | undefined;
  let exhausted = false;
  /**
   * Claims (and decodes) the next chunks while this drain still sends: once half of what it holds is gone, or when
   * the burst of `wanted` events leaves less than the next one needs, so sending never stops for a claim. At most
   * max_buffer_size events are held at a time, or two bursts when a burst is larger.
   */
  const claimAhead = (wanted: number): void => {
    if (prefetch || exhausted || progress.remaining - wanted >= Math.max(wanted, config.realtime.max_buffer_size / 2)) return;
    const room = Math.max(wanted, config.realtime.max_buffer_size - progress.remaining);
    // Live: the first claim is one burst, so the first due events go out without waiting for a budget's worth.
    const perBudget = state.clock && progress.remaining === 0 ? wanted : Math.ceil(budgetMs / pace.interval_ms) * pace.burst;
    prefetch = deps.outbox.claim(Math.min(room, Math.max(wanted, perBudget)), claimTtlMs, clock(), {
      holder: claimHolder,
      generation: state.generation ?? undefined,
    });
  };
  try {
    await progress.loadDeliveredAhead();
    const target = await sink().catch((error: unknown) => {
      // A sink that cannot be set up from the settings (no connection for `stream.sink: eventhubs`) stays so.
      if (error instanceof ValidationError || error instanceof ConflictError) throw new StreamCannotProceed(`The sink cannot be set up: ${error.message}`);
      throw error;
    });
    const active = deps.disruptions ? await listDisruptions({ disruptions: deps.disruptions }, clock()) : [];
    const effects = new DisruptionEffects(active);
    let blocked = false;
    let announced = false;
    /** The interval slot of the last send and how many bursts went in it (catch-up is capped per interval). */
    let slot = 0;
    let burstsInSlot = 0;
    while (!blocked && clock() - started < budgetMs) {
      const refreshEvery = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, pace.interval_ms));
      if (clock() - lastRefresh >= refreshEvery && !(await refresh())) break;
      const now = clock();
      const nextBurst = nextBurstAt(pace, now)!;
      if (nextBurst !== slot) burstsInSlot = 0;
      // One burst per send and checkpoint (a crash repeats at most one burst); behind schedule, up to
      // CATCH_UP_BURSTS bursts go in one interval.
      const wanted = burstsInSlot >= CATCH_UP_BURSTS ? 0 : Math.min(eventsToSend(pace, now), pace.burst);
      if (wanted === 0) {
        // Nothing falls due before this drain's budget ends: leave it to the next one.
        if (nextBurst >= started + budgetMs) break;
        await sleep(Math.min(nextBurst - now, lastRefresh + refreshEvery - now));
        continue;
      }
      claimAhead(wanted);
      if (progress.remaining < wanted && prefetch) {
        const claimed = await prefetch;
        prefetch = undefined;
        exhausted = claimed.length === 0;
        progress.add(claimed);
        // The claim after this one starts now, before this burst is sent.
        claimAhead(wanted);
      }
      if (progress.remaining === 0) {
        if (stoppedDrain || !state.day) break;
        // The day's statistics are recorded before the next day starts, so whoever sees the new day sees them.
        await flush();
        const step = await rollOver(deps, config, state, clock);
        if (step === 'preparing') {
          // Waiting for units is not lag: the schedule does not owe what could not be sent yet. The drain looks
          // again shortly within its budget, so a unit that lands now goes out now, not at the next timer run.
          pace = forgiveOwed(pace, clock());
          if (clock() + UNIT_POLL_MS >= started + budgetMs) break;
          await sleep(UNIT_POLL_MS);
          exhausted = false;
          continue;
        }
        if (step !== 'rolled') break;
        exhausted = false;
        state = await readStreamState(deps);
        if (state.status !== 'running') break;
        // The next day was ready: the rollover's own time (its checks, queueing the day after) is lag like any
        // other, caught up by the next bursts, so the rate over a minute holds across midnight.
        continue;
      }
      // A drain while stopped (DLQ retries) sends at the configured pace, whatever the clock of the last stream.
      const clockNow = stoppedDrain ? null : (state.clock ?? null);
      if (!announced) {
        announced = true;
        // Announced at the time of the next event, so they sit in the streamed day where the shortage begins.
        if (
          !(await announceShortages(
            deps,
            config,
            state,
            active,
            progress,
            clockNow,
            (events) =>
              deliver(
                deps,
                () => config,
                target,
                () => breaker,
                tally,
                clock,
                events,
              ),
            tally,
            clock,
          ))
        ) {
          blocked = true;
          break;
        }
      }
      let batch = progress.peek(wanted);
      if (clockNow) {
        // Live: only what is due by the wall clock; what came before the stream's start is taken out unsent.
        const step = liveStep(clockNow, progress.peek(progress.remaining), wanted, now);
        if (step.skip > 0) {
          tally.skipped += step.skip;
          if (!(await progress.advance(step.skip))) break;
          continue;
        }
        if (step.due === 0) {
          // Nothing is owed while nothing is due: a quiet night is no backlog to burst out at dawn.
          pace = forgiveOwed(pace, now);
          const nextDue = step.next_due_at ?? now + refreshEvery;
          if (nextDue >= started + budgetMs) break;
          await sleep(Math.min(nextDue - now, lastRefresh + refreshEvery - now));
          continue;
        }
        // All that is due goes now: the schedule caps the rate but owes nothing beyond it (behind_events stays true).
        if (step.due < wanted) pace = forgiveOwed(pace, now);
        batch = batch.slice(0, step.due);
      }
      // Active disruptions change or withhold events on the way out; withheld ones count as handled. Events an
      // earlier, partly failed send delivered are not sent again (they count as sent now). In live mode the times of
      // what goes out are moved onto the wall clock (stored events keep their simulated times).
      const outgoing = batch.map((event) => {
        const out = effects.apply(event);
        // An event back from the dead-letter queue went out once already: its times were moved then.
        return out && clockNow && !out.retryCount ? liveEvent(out, clockNow) : out;
      });
      const already = progress.deliveredAhead(batch.length);
      const toSend = outgoing.filter((event, i): event is OutboxEvent => event !== null && !already.has(i));
      const { done, failed, delivered } = await deliver(
        deps,
        () => config,
        target,
        () => breaker,
        tally,
        clock,
        toSend,
      );
      if (!done) {
        // What got through before the breaker stopped the send is recorded, so no later drain sends it again.
        await progress.recordDeliveredAhead(batch.length, (i) => delivered.has(outgoing[i]!));
        pace = recordTick(pace, 0, true, clock());
        blocked = true;
        break;
      }
      tally.recordSent(outgoing, failed, clock());
      tally.withheld += outgoing.filter((event) => event === null).length;
      tally.late += countLate(toSend, failed, state, config.seed);
      tally.lastSimulatedAt = batch[batch.length - 1]!.at;
      tally.lastEventTime = new Date(clock()).toISOString();
      pace = recordTick(pace, batch.length, false, clock());
      slot = nextBurst;
      burstsInSlot++;
      if (!(await progress.advance(batch.length))) break;
    }
    summary.breaker_state = (await breaker.read()).state;
  } catch (error) {
    // Not a send failure (those are handled in deliver): storage, the sink's set-up or the next day's generation.
    tally.error = redactSecrets(error instanceof Error ? error.message : String(error));
    tally.countError(classifySendError(error));
    if (!stoppedDrain && error instanceof StreamCannotProceed) await markError(deps, state.operation_id, tally.error);
  } finally {
    // Record progress even after a failure: what was handled is never handled again, the rest stays in the outbox
    // (chunks claimed ahead included, so the next drain need not wait for their claims to expire).
    if (prefetch) progress.add(await prefetch.catch(() => []));
    await progress.release();
    if (!stoppedDrain) await savePace(deps, state.operation_id, pace);
    await lease?.release();
  }
  await flush();
  summary.elapsed_ms = clock() - started;
  return summary;
}

/** Delivered events that were chosen to arrive late (the same choice the units made from the seed and the event id: ./lateness.ts). */
function countLate(sent: readonly OutboxEvent[], failed: ReadonlySet<OutboxEvent>, state: StreamState, seed: number): number {
  if (!state.lateness) return 0;
  let late = 0;
  for (const event of sent) if (!failed.has(event) && event.eventId && latenessMs(state.lateness, seed, event.eventId) > 0) late++;
  return late;
}

/** Saves the schedule on the stream state (unless it was stopped or restarted meanwhile); returns the state. */
async function savePace(deps: StreamingDeps, operationId: string | null, pace: Pace): Promise<StreamState> {
  const saved = await deps.state.update(STREAM_STATE_KEY, (s) => (s && s.status === 'running' && s.operation_id === operationId ? { ...s, pace } : undefined));
  return saved ?? (await readStreamState(deps));
}

/** The stream cannot go on by itself (its sink cannot be set up, the next day cannot be made): status error. */
async function markError(deps: StreamingDeps, operationId: string | null, reason: string): Promise<void> {
  await deps.state.update(STREAM_STATE_KEY, (s) =>
    s && s.status === 'running' && s.operation_id === operationId ? { ...s, status: 'error', error: reason } : undefined,
  );
}

/** A failure that no later drain can get past by itself; it puts the stream in status `error` with the reason. */
class StreamCannotProceed extends Error {
  override readonly name = 'StreamCannotProceed';
}

/**
 * Nothing of the streamed day is claimable: roll over to the next day when the streamed day is fully written and
 * fully sent (claimed chunks of another drain included) and the next is ready. 'preparing' while units are still
 * to land, 'sending' while another drain still holds chunks of the day, 'rolled' once the state names the next
 * day (whichever drain moved it). A state without units (written before them) has nothing to roll to.
 */
async function rollOver(deps: StreamingDeps, config: AppConfig, seen: StreamState, clock: () => number): Promise<'rolled' | 'preparing' | 'sending'> {
  const state = await readStreamState(deps);
  if (state.operation_id !== seen.operation_id) return 'sending';
  if (state.day !== seen.day || state.generation !== seen.generation) return 'rolled';
  const current = state.preparation;
  if (!current) return 'sending';
  const now = () => new Date(clock());
  try {
    await requeueIfLost(deps, config, state, now);
    if (!current.finished_at) return 'preparing';
    const next = state.next_preparation;
    if (!next) {
      // Normally queued by the day's last unit; after a stop and a start (or a lost queueing) it is done here.
      await prepareNextDay(deps, config, current.generation, now);
      return 'preparing';
    }
    if (!next.finished_at) return 'preparing';
    // Last, as it reads every chunk's status: nothing of the day may be left, another drain's claims included.
    const outbox = await deps.outbox.status(clock(), { generation: state.generation ?? undefined });
    if (outbox.pending_events > 0 || outbox.claimed_events > 0) return 'sending';
  } catch (error) {
    // No queue to send the next day to, or master data gone: no later drain can do better.
    if (error instanceof ConflictError || error instanceof ValidationError) throw new StreamCannotProceed(`The next day cannot be generated: ${error.message}`);
    throw error;
  }
  let rolledTo: string | undefined;
  await deps.state.update(STREAM_STATE_KEY, (s) => {
    rolledTo = undefined;
    if (!s || s.operation_id !== state.operation_id || s.day !== state.day || s.generation !== state.generation) return undefined;
    const next = s.next_preparation;
    if (!next?.finished_at) return undefined;
    rolledTo = next.generation;
    return { ...s, day: next.day, generation: next.generation, preparation: next, next_preparation: null };
  });
  // The day after is queued at once (this one is already fully written), so it is ready before this one is used up.
  if (rolledTo) await prepareNextDay(deps, config, rolledTo, now);
  return 'rolled';
}

/**
 * Sends the stockout and reorder events of shortages not yet announced (once, then marked on the
 * disruption). Returns false when the breaker holds them back.
 */
async function announceShortages(
  deps: StreamingDeps,
  config: AppConfig,
  state: StreamState,
  active: Disruption[],
  progress: ChunkProgress,
  live: LiveClock | null,
  send: (events: OutboxEvent[]) => Promise<Delivery>,
  tally: DrainTally,
  clock: () => number,
): Promise<boolean> {
  for (const disruption of active) {
    if (disruption.disruption_type !== 'inventory_shortage' || disruption.announced_at) continue;
    const at = progress.nextAt() ?? clock();
    // Announced at a simulated time like the events beside it; in live mode moved onto the wall clock like them.
    const events = announcementEvents(disruption, at, (product) => shortageReorder(config, disruption.target_id, product))
      .filter((event) => !state.event_types || state.event_types.includes(event.eventType))
      .map((event) => (live ? liveEvent(event, live) : event));
    const { done, failed } = await send(events);
    if (!done) return false;
    tally.recordSent(events, failed, clock());
    const announcedAt = new Date(clock()).toISOString();
    await deps.disruptions!.update(disruption.id, (current) => (current && !current.announced_at ? { ...current, announced_at: announcedAt } : undefined));
  }
  return true;
}

async function recordStatistics(deps: StreamingDeps, tally: DrainTally, operationId: string | null, now: number): Promise<void> {
  let counted = true;
  await deps.statistics.update(STATISTICS_DOCUMENT, (current) => {
    const stats = current ?? emptyStatistics();
    // The stream was deleted or started again while this drain finished: its counts are not the new stream's.
    counted = stats.operation_id === undefined || stats.operation_id === operationId;
    if (!counted) return undefined;
    tally.applyTo(stats, now);
    return stats;
  });
  if (!counted) return;
  const previous = await deps.files.read(RECENT_EVENTS_PATH);
  const kept = [
    ...(previous ? (JSON.parse(Buffer.from(previous).toString('utf8')) as unknown[]) : []),
    ...tally.recent.map((e) => JSON.parse(e.body) as unknown),
  ].slice(-RECENT_LIMIT);
  await deps.files.write(RECENT_EVENTS_PATH, Buffer.from(JSON.stringify(kept)), 'application/json');
}

export async function recentEvents(deps: StreamingDeps, limit: number): Promise<unknown[]> {
  const stored = await deps.files.read(RECENT_EVENTS_PATH);
  const events = stored ? (JSON.parse(Buffer.from(stored).toString('utf8')) as unknown[]) : [];
  return events.slice(-limit).reverse();
}
