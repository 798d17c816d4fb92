/** The contracts of streaming: the outbox (Table), sinks (Event Hubs, Blob) and the shared streaming state. */
import { z } from 'zod';
import type { TimedEvent } from '../events/factory.js';

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

export interface Outbox {
  /** Replaces the outbox content with a new day slice (the outbox holds only the slice being streamed). */
  replace(events: TimedEvent[]): Promise<{ events: number; chunks: number }>;
  /** Adds events after everything already in the outbox (dead letters sent back for another try). */
  append(events: OutboxEvent[]): Promise<number>;
  /** Claims the earliest unsent chunks (ETag-guarded) holding at least `maxEvents` unsent events. */
  claim(maxEvents: number, claimTtlMs: number, now: number): Promise<ClaimedChunk[]>;
  /** Records progress: all sent → chunk sent; else released for the next drain with its cursor. */
  complete(chunk: ClaimedChunk, sentUpTo: number): Promise<void>;
  /** Marks many fully sent chunks at once (batch transactions per partition). */
  completeAll(chunks: ClaimedChunk[]): Promise<void>;
  /**
   * Records progress while keeping the claim, so a drain killed mid-way repeats at most what it sent since
   * its last checkpoint. Returns false when the claim was lost (expired and taken over).
   */
  checkpoint(chunk: ClaimedChunk, sentUpTo: number): Promise<boolean>;
  status(now: number): Promise<OutboxStatus>;
  preview(limit: number): Promise<unknown[]>;
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

export interface EventSink {
  readonly kind: 'eventhubs' | 'blob';
  send(events: OutboxEvent[]): Promise<SendResult>;
}

export const streamStatusSchema = z.enum(['running', 'paused', 'stopped', 'error']);
export type StreamStatus = z.infer<typeof streamStatusSchema>;

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
  events_generated: number;
  error: string | null;
}

export interface StreamStatistics {
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
  /** Batch send latency: counts per SEND_LATENCY_BUCKETS upper bound (seconds; last = +Inf), sum and count. */
  send_latency_counts?: number[];
  send_latency_sum?: number;
  send_latency_count?: number;
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
  return { status: 'stopped', operation_id: null, started_at: null, stopped_at: null, ends_at: null, emit_interval_ms: 0, burst: 0, event_types: null, day: null, events_generated: 0, error: null };
}

/** Events per second over the last `windowSeconds` seconds. */
export function eventsPerSecond(stats: StreamStatistics, nowMs: number, windowSeconds = 10): number {
  const since = Math.floor(nowMs / 1000) - windowSeconds;
  const sent = stats.recent_rate.filter(([second]) => second > since).reduce((sum, [, count]) => sum + count, 0);
  return Math.round((sent / windowSeconds) * 10) / 10;
}
