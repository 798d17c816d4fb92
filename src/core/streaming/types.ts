/** The contracts of streaming: the outbox (Table), sinks (Event Hubs, Blob) and the shared streaming state. */
import { z } from 'zod';
import type { TimedEvent } from '../events/factory.js';
import type { LatenessSettings } from './lateness.js';
import type { LiveClock } from './live-clock.js';
import type { Pace } from './pacer.js';

/** A stored event, already serialised as it is sent. */
export interface OutboxEvent {
  at: number;
  partitionKey: string;
  eventType: string;
  body: string;
  /** The envelope's event_id, kept beside the body so sending needs no JSON parse. */
  eventId?: string;
  /** Times this event has already come back from the dead-letter queue (absent for fresh events). */
  retryCount?: number;
}

export interface ClaimedChunk {
  id: string;
  etag: string;
  events: OutboxEvent[];
  /** Events of this chunk already sent by earlier drains. */
  cursor: number;
}

export interface OutboxStatus {
  pending_events: number;
  claimed_events: number;
  sent_events: number;
  pending_chunks: number;
  claimed_chunks: number;
  sent_chunks: number;
  oldest_pending_event_time: string | null;
}

/** Which part of which day a set of chunks holds: one generation unit's output (see ./day-units.ts). */
export interface OutboxSlice {
  day: string;
  /** The day's generation id: chunks of another generation (an earlier stream) are never claimed for this one. */
  generation: string;
  /** The unit that wrote them (a supply region's DC, or the network-wide unit). */
  unit: string;
}

export interface OutboxFilter {
  /** Only chunks of this generation (and events sent back from the DLQ, which belong to no generation). */
  generation?: string | undefined;
}

/** Options of a claim. */
export interface ClaimOptions extends OutboxFilter {
  /** The claiming drain (one id per drain run): it claims past chunks it holds itself, never past another's. */
  holder: string;
}

export interface Outbox {
  /**
   * Writes one unit's events, sorted by time, as chunks of the slice: each event in the shard of its partition key,
   * row keys ordered by (day, generation, first event time, unit, sequence). Insert only: chunks already there
   * (a redelivered or restarted unit, which makes the same chunks) are left as they are, sent or not.
   */
  writeUnit(slice: OutboxSlice, events: TimedEvent[], options?: { abortSignal?: AbortSignal }): Promise<{ events: number; chunks: number; created: number }>;
  /** Replaces the outbox content with one slice of events (tests and benchmarks; the stream writes units). */
  replace(events: TimedEvent[]): Promise<{ events: number; chunks: number }>;
  /** Adds events after everything already in the outbox (dead letters sent back for another try). */
  append(events: OutboxEvent[]): Promise<number>;
  /**
   * Claims the earliest unsent chunks (ETag-guarded) holding about `maxEvents` unsent events (each shard is read for
   * its even share, so an uneven shard may leave some for the next claim), in row-key order,
   * and the earliest of every other shard (so the drain can merge the shards by time). A shard is claimed up to the
   * first chunk another drain holds (head of line: ./claim-plan.ts), past chunks the claiming drain holds itself.
   */
  claim(maxEvents: number, claimTtlMs: number, now: number, options: ClaimOptions): Promise<ClaimedChunk[]>;
  /** Records progress: all sent → chunk sent; else released for the next drain with its cursor. */
  complete(chunk: ClaimedChunk, sentUpTo: number): Promise<void>;
  /** Marks many fully sent chunks at once (batch transactions per partition). */
  completeAll(chunks: ClaimedChunk[]): Promise<void>;
  /**
   * Records progress while keeping the claim, so a drain killed mid-way repeats at most what it sent since
   * its last checkpoint, and extends the claim to `claimUntil` (epoch ms) when given. Returns false when the claim
   * was lost (expired and taken over).
   */
  checkpoint(chunk: ClaimedChunk, sentUpTo: number, claimUntil?: number): Promise<boolean>;
  status(now: number, filter?: OutboxFilter): Promise<OutboxStatus>;
  preview(limit: number): Promise<unknown[]>;
  /** Deletes the chunks of every generation but `keep` (days already streamed, earlier streams); returns how many. */
  removeGenerations(keep: readonly string[]): Promise<number>;
  clear(): Promise<number>;
}

export interface SendResult {
  bytes: number;
  batches: number;
}

/** A send that failed part-way: the events at `sentIndexes` were delivered, the rest were not. */
export class PartialSendError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly sentIndexes: ReadonlySet<number>,
    readonly result: SendResult,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'PartialSendError';
  }
}

export interface SendOptions {
  /** Most events in one batch on the wire (`realtime.max_batch_size`). */
  maxBatchSize?: number;
  /** Ends the send when aborted (the drain bounds one send by `realtime.batch_timeout_ms`). */
  abortSignal?: AbortSignal;
}

export interface EventSink {
  readonly kind: 'eventhubs' | 'blob';
  send(events: OutboxEvent[], options?: SendOptions): Promise<SendResult>;
}

/** The word for where a stream is (`StreamState.status`); the `GET /api/stream/status` answer is `streamStatusSchema` in control.ts. */
export const streamStateStatusSchema = z.enum(['running', 'paused', 'stopped', 'error']);
export type StreamStatus = z.infer<typeof streamStateStatusSchema>;

export interface StreamState {
  status: StreamStatus;
  operation_id: string | null;
  started_at: string | null;
  stopped_at: string | null;
  ends_at: string | null;
  emit_interval_ms: number;
  burst: number;
  event_types: string[] | null;
  day: string | null;
  /** Events prepared in the outbox for this stream (day slices), whether sent yet or not. */
  events_generated: number;
  error: string | null;
  /** The schedule (absent in states written before it existed: the drain starts one). */
  pace?: Pace;
  /** The generation id of the day being streamed: only its chunks are claimed (absent: any chunk, as before units). */
  generation?: string | null;
  /** How far the streamed day's units are (absent in states written before units). */
  preparation?: DayPreparation | null;
  /** The next day, generated ahead of need once the streamed day is fully written. */
  next_preparation?: DayPreparation | null;
  /** The live clock (`time_mode: live`, ./live-clock.ts); absent or null when paced. */
  clock?: LiveClock | null;
  /** Late events of the day slices (./lateness.ts); absent or null when none. */
  lateness?: LatenessSettings | null;
}

/** The stream state's document key (`StreamState`). */
export const STREAM_STATE_DOCUMENT = 'state';
/** The stream statistics' document key (`StreamStatistics`). */
export const STATISTICS_DOCUMENT = 'statistics';

/** One day's generation as queued units (./day-units.ts): admitted once, by an ETag'd update of the stream state. */
export interface DayPreparation {
  day: string;
  /** Carried by every chunk of this day's generation. */
  generation: string;
  units_total: number;
  /** Events written by each finished unit, by unit id (a DC id, or 0 for the network-wide unit). */
  done: Record<string, number>;
  created_at: string;
  /** When its units were sent to the queue (null: recorded, not queued yet). */
  queued_at: string | null;
  /** When its last unit was recorded. */
  finished_at: string | null;
}

export interface StreamStatistics {
  /**
   * The stream these count (set at start, null after a reset, absent in documents written before it existed): a
   * drain still finishing when the stream was deleted or restarted does not add its counts to the next one's.
   */
  operation_id?: string | null;
  events_generated: number;
  events_sent_successfully: number;
  events_failed: number;
  batches_sent: number;
  bytes_sent: number;
  total_streaming_time: number;
  last_event_time: string | null;
  event_type_counts: Record<string, number>;
  error_counts: Record<string, number>;
  connection_failures: number;
  circuit_breaker_trips: number;
  /** Events an active disruption kept from going out (absent before the first). */
  events_withheld_by_disruptions?: number;
  /** Rolling window of (epoch second, events sent) for events_per_second. */
  recent_rate: [number, number][];
  /** (epoch second, events_sent_successfully) every 10 s for the last hour: long monitoring windows. */
  sent_history?: [number, number][];
  /** Events dead-lettered since the stream started (part of events_failed until retried). */
  events_dead_lettered?: number;
  /** Outcome of the latest send attempt, for the health of the sink. */
  last_send_ok_at?: string | null;
  last_send_failed_at?: string | null;
  last_send_error?: string | null;
  last_send_error_kind?: string | null;
  /** Batch send latency: counts per SEND_LATENCY_BUCKETS upper bound (seconds; last = +Inf), sum and count. */
  send_latency_counts?: number[];
  send_latency_sum?: number;
  send_latency_count?: number;
  /** Delivered events that were held back to arrive late (./lateness.ts). */
  events_delivered_late?: number;
  /** Live mode: events of the day before the stream's start, taken out unsent. */
  events_skipped_before_start?: number;
  /** Simulated time (epoch ms) of the latest delivered event, as stored (before any live rewrite). */
  last_simulated_at?: number | null;
}

/** Upper bounds (seconds) of the batch send latency histogram. */
export const SEND_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export function latencyBucket(seconds: number): number {
  const index = SEND_LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
  return index === -1 ? SEND_LATENCY_BUCKETS.length : index;
}

export function emptyStatistics(): StreamStatistics {
  return {
    events_generated: 0,
    events_sent_successfully: 0,
    events_failed: 0,
    batches_sent: 0,
    bytes_sent: 0,
    total_streaming_time: 0,
    last_event_time: null,
    event_type_counts: {},
    error_counts: {},
    connection_failures: 0,
    circuit_breaker_trips: 0,
    recent_rate: [],
  };
}

export function stoppedState(): StreamState {
  return {
    status: 'stopped',
    operation_id: null,
    started_at: null,
    stopped_at: null,
    ends_at: null,
    emit_interval_ms: 0,
    burst: 0,
    event_types: null,
    day: null,
    events_generated: 0,
    error: null,
  };
}

/** The last events sent (for GET /api/stream/events/recent and the dashboard), in the dataset files. */
export const RECENT_EVENTS_PATH = 'state/stream/recent.json';

/** Seconds of per-second counts kept in `recent_rate`; longer windows use `sent_history`. */
export const RECENT_RATE_SECONDS = 120;
/** `sent_history` keeps one point per this many seconds, for an hour (the largest monitoring_interval). */
export const SENT_HISTORY_STEP_SECONDS = 10;
export const SENT_HISTORY_SECONDS = 3600;

/**
 * Events per second over the last `windowSeconds` (realtime.monitoring_interval): exact per-second counts for
 * windows up to two minutes, the cumulative history (10-s points) beyond.
 */
export function eventsPerSecond(stats: StreamStatistics, nowMs: number, windowSeconds = 10): number {
  const nowSecond = Math.floor(nowMs / 1000);
  let sent: number;
  if (windowSeconds <= RECENT_RATE_SECONDS) {
    const since = nowSecond - windowSeconds;
    sent = stats.recent_rate.filter(([second]) => second > since).reduce((sum, [, count]) => sum + count, 0);
  } else {
    const history = stats.sent_history ?? [];
    const before = [...history].reverse().find(([second]) => second <= nowSecond - windowSeconds) ?? history[0];
    sent = before ? stats.events_sent_successfully - before[1] : 0;
  }
  return Math.round((sent / windowSeconds) * 10) / 10;
}
