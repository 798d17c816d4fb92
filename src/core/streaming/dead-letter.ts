/**
 * Events that could not be delivered, kept for inspection and retry (`GET/POST/DELETE /api/stream/dlq`, README "Resilience and monitoring"). The Table
 * implementation is src/adapters/table-dead-letters.ts.
 *
 * When the queue is full (realtime.max_buffer_size dead letters) new failures are refused, not kept: they
 * are still counted in events_failed and error_counts, and the oldest evidence, usually the first sign of a
 * fault, is the most useful to keep. Health reports a full DLQ as unhealthy.
 */
import type { Outbox, OutboxEvent } from './types.js';

export interface DeadLetter {
  id: string;
  event: unknown;
  event_type: string;
  error: string;
  error_type: string;
  timestamp: string;
  retry_count: number;
}

export interface DeadLetterQueue {
  /** Adds events; returns how many were kept: the queue holds at most `maxSize` (realtime.max_buffer_size). */
  add(events: OutboxEvent[], errorType: string, error: string, retryCount: number, maxSize: number): Promise<number>;
  list(page: number, pageSize: number): Promise<{ events: DeadLetter[]; count: number }>;
  summary(): Promise<{ total: number; by_error_type: Record<string, number>; by_event_type: Record<string, number> }>;
  /** Removes and returns the given dead letters (all when ids is undefined) for re-sending. */
  take(ids?: string[]): Promise<DeadLetter[]>;
  /** Returns the given dead letters (all when ids is undefined) without removing them. */
  peek(ids?: string[]): Promise<DeadLetter[]>;
  /** Removes the dead letters with these ids (those already gone are ignored). */
  remove(ids: string[]): Promise<void>;
  clear(): Promise<number>;
}

/**
 * Dead-letters events, recording for each how often it was retried: its earlier trips through the DLQ plus
 * the send attempts of this drain. Returns how many were kept (the rest did not fit, see above).
 */
export async function deadLetter(
  queue: DeadLetterQueue,
  events: OutboxEvent[],
  errorType: string,
  error: string,
  attempts: number,
  maxSize: number,
): Promise<number> {
  const byRetries = new Map<number, OutboxEvent[]>();
  for (const event of events) {
    const retries = (event.retryCount ?? 0) + attempts;
    const group = byRetries.get(retries) ?? [];
    group.push(event);
    byRetries.set(retries, group);
  }
  let kept = 0;
  for (const [retries, group] of byRetries) kept += await queue.add(group, errorType, error, retries, maxSize);
  return kept;
}

/**
 * Sends dead letters (all, or the given ids) back through the outbox, after everything already there, with
 * retry_count + 1; a new day slice never replaces them. If the outbox refuses them they stay in the DLQ, so a
 * failed retry loses nothing. Returns how many went back to the outbox.
 */
export async function retryDeadLetters(deps: { deadLetters: DeadLetterQueue; outbox: Outbox }, ids?: string[]): Promise<number> {
  // Appended first, removed after: a crash in between sends a letter twice (its event id lets a consumer tell)
  // rather than losing it.
  const letters = await deps.deadLetters.peek(ids);
  if (letters.length === 0) return 0;
  const events: OutboxEvent[] = letters.map((letter) => {
    const envelope = (letter.event ?? {}) as { partition_key?: unknown; event_type?: unknown; event_id?: unknown };
    return {
      at: Date.parse(letter.timestamp),
      partitionKey: typeof envelope.partition_key === 'string' ? envelope.partition_key : '',
      eventType: typeof envelope.event_type === 'string' ? envelope.event_type : letter.event_type,
      ...(typeof envelope.event_id === 'string' ? { eventId: envelope.event_id } : {}),
      retryCount: letter.retry_count + 1,
      body: JSON.stringify(letter.event),
    };
  });
  await deps.outbox.append(events);
  await deps.deadLetters.remove(letters.map((letter) => letter.id));
  return events.length;
}
