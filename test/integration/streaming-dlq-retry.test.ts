/**
 * Dead letters go back through the outbox: events refused for a non-retryable reason land in the DLQ at
 * once with retry_count 0; retryDeadLetters sends them (all, or chosen ids) back after the outbox's content
 * with retry_count + 1, so a second failure records 1; once the fault is gone they are delivered exactly
 * once; and a retry the outbox refuses puts them back in the DLQ instead of losing them.
 */
import { MessagingError } from '@azure/event-hubs';
import { describe, expect, inject, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { retryDeadLetters } from '../../src/core/streaming/dead-letter.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import type { EventSink, OutboxEvent } from '../../src/core/streaming/types.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
const config = appConfigSchema.parse({ realtime: { retry_attempts: 2, failure_threshold: 100 } });

/** Refuses every send with an error of the events (a partition the hub does not have) while `deny` is set. */
class GuardedSink implements EventSink {
  readonly kind = 'eventhubs' as const;
  deny = true;
  readonly delivered: string[] = [];
  async send(events: OutboxEvent[]) {
    if (this.deny) {
      const error = new MessagingError('The partition does not exist.');
      error.code = 'ArgumentOutOfRangeError';
      throw error;
    }
    this.delivered.push(...events.map((e) => e.eventId!));
    return { bytes: events.reduce((sum, e) => sum + e.body.length, 0), batches: 1 };
  }
}

function slice(count: number): TimedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    at: 1_700_000_000_000 + i,
    envelope: {
      event_id: `dl-${i}`,
      event_type: 'receipt_created',
      payload: { i },
      trace_id: 't',
      ingest_timestamp: new Date(0).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 3}`,
    },
  }));
}

async function drainUntilEmpty(deps: Awaited<ReturnType<typeof streamingTestDeps>>, sink: EventSink) {
  for (let round = 0; round < 5 && (await deps.outbox.status(Date.now())).pending_events > 0; round++) await drainOutbox(deps, config, async () => sink, 2_000);
}

describe('dead-letter retry through the outbox', () => {
  it('dead-letters at once, counts retries, and delivers every retried event once the fault is gone', async () => {
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 50 });
    await deps.outbox.replace(slice(120));
    const sink = new GuardedSink();
    const first = await drainOutbox(deps, config, async () => sink, 2_000);
    expect(first).toMatchObject({ sent: 0, failed: 120, dead_lettered: 120 });
    expect((await deps.deadLetters.list(1, 1)).events[0]).toMatchObject({ error_type: 'invalid_partition', retry_count: 0 });

    // Retry a chosen few while the fault persists: they come back with retry_count 1.
    const chosen = (await deps.deadLetters.list(1, 10)).events.map((l) => l.id);
    expect(await retryDeadLetters(deps, chosen)).toBe(10);
    expect((await deps.outbox.status(Date.now())).pending_events).toBe(10);
    await drainUntilEmpty(deps, sink);
    const letters = (await deps.deadLetters.list(1, 200)).events;
    expect(letters).toHaveLength(120);
    expect(letters.filter((l) => l.retry_count === 1)).toHaveLength(10);

    // The fault is fixed: retrying everything delivers all 120, once each, and empties the DLQ.
    sink.deny = false;
    expect(await retryDeadLetters(deps)).toBe(120);
    await drainUntilEmpty(deps, sink);
    expect(sink.delivered).toHaveLength(120);
    expect(new Set(sink.delivered).size).toBe(120);
    expect((await deps.deadLetters.summary()).total).toBe(0);
  });

  it('keeps the dead letters when the outbox refuses the retry (they are removed only after the append)', async () => {
    const deps = await streamingTestDeps(connectionString, {});
    await deps.deadLetters.add(
      slice(5).map((t) => ({ at: t.at, partitionKey: t.envelope.partition_key ?? '', eventType: t.envelope.event_type, body: JSON.stringify(t.envelope) })),
      'invalid_partition',
      'denied',
      2,
      100,
    );
    const broken = { ...deps, outbox: { ...deps.outbox, append: async () => Promise.reject(new Error('table unavailable')) } };
    await expect(retryDeadLetters(broken)).rejects.toThrow('table unavailable');
    const back = await deps.deadLetters.list(1, 10);
    expect(back.count).toBe(5);
    expect(back.events.every((l) => l.retry_count === 2 && l.error_type === 'invalid_partition')).toBe(true);
  });

  it('keeps letters retried while stopped through the next start: a new day slice does not replace them', async () => {
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 1000 });
    await deps.outbox.replace(slice(30));
    await deps.deadLetters.add(
      slice(4).map((t) => ({
        at: t.at,
        partitionKey: t.envelope.partition_key ?? '',
        eventType: t.envelope.event_type,
        body: JSON.stringify({ ...t.envelope, event_id: `letter-${t.envelope.event_id}` }),
      })),
      'unknown',
      'x',
      0,
      100,
    );
    expect(await retryDeadLetters(deps)).toBe(4);
    // A start generates the next day: the slice is replaced, the retried letters stay and go out after it.
    const next = slice(20).map((t) => ({ ...t, envelope: { ...t.envelope, event_id: `next-${t.envelope.event_id}` } }));
    await deps.outbox.replace(next);
    const claimed = await deps.outbox.claim(1000, 30_000, Date.now(), { holder: 'drain-a' });
    const ids = claimed.flatMap((chunk) => chunk.events.map((e) => (JSON.parse(e.body) as { event_id: string }).event_id));
    // The slice first (its chunks are by store, so its events come store by store), then the letters.
    expect(ids.slice(0, next.length).sort()).toEqual(next.map((t) => t.envelope.event_id).sort());
    expect(ids.slice(next.length).sort()).toEqual(['letter-dl-0', 'letter-dl-1', 'letter-dl-2', 'letter-dl-3']);
  });

  it('stops at a full DLQ instead of dropping events, and goes on once it has room', async () => {
    const small = appConfigSchema.parse({ realtime: { retry_attempts: 0, failure_threshold: 100, max_buffer_size: 10 } });
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 50 });
    await deps.deadLetters.add(
      slice(10).map((t) => ({ at: t.at, partitionKey: 'p', eventType: 'receipt_created', body: JSON.stringify(t.envelope) })),
      'unknown',
      'old',
      0,
      100,
    );
    await deps.outbox.replace(slice(50));
    const sink = new GuardedSink();
    const blocked = await drainOutbox(deps, small, async () => sink, 1_000);
    expect(blocked).toMatchObject({ sent: 0, dead_lettered: 0, failed: 0 });
    expect(blocked.error).toMatch(/^dlq_full: /);
    expect((await deps.outbox.status(Date.now())).pending_events).toBe(50);
    expect((await deps.deadLetters.summary()).total).toBe(10);
    await deps.deadLetters.clear();
    sink.deny = false;
    await drainUntilEmpty(deps, sink);
    expect(new Set(sink.delivered).size).toBe(50);
  });
});
