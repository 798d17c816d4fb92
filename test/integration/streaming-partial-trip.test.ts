/**
 * A breaker trip after a partly sent burst: the hub refuses one partition key's batch and accepts the others, the
 * breaker opens. What got through is recorded before the drain stops, so later drains (a failing half-open probe,
 * then the recovery) send only what the hub has not got: every event arrives once, each key in order. Counted
 * from what the AMQP peer accepted.
 */
import { EventHubProducerClient } from '@azure/event-hubs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EventHubsSink } from '../../src/adapters/eventhubs-sink.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { readStatistics } from '../../src/core/streaming/control.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
let peer: EventHubsPeer | undefined;
let client: EventHubProducerClient | undefined;
afterAll(async () => {
  await client?.close();
  await peer?.stop();
});

const KEYS = 5;
const TOTAL = 500;
const events: TimedEvent[] = Array.from({ length: TOTAL }, (_, i) => ({
  at: 1_700_000_000_000 + i,
  envelope: {
    event_id: `partial-${i}`,
    event_type: 'store_opened',
    payload: { store_id: i % KEYS, operation_time: new Date(i).toISOString(), operation_type: 'OPEN' },
    trace_id: 't',
    ingest_timestamp: new Date(1_700_000_000_000 + i).toISOString(),
    schema_version: '1.0',
    source: 'retail-datagen',
    partition_key: `store-${i % KEYS}`,
  },
}));

describe('a breaker trip after a partly sent burst', () => {
  it('records what was delivered, so no later drain sends it again', { timeout: 60_000 }, async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    client = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    const sink = new EventHubsSink(client);
    const config = appConfigSchema.parse({ realtime: { retry_attempts: 3, failure_threshold: 1, timeout_seconds: 1, half_open_max_calls: 1 } });
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 100 });
    await deps.outbox.replace(events);

    // The first burst: five keys' batches go out at once, the first to arrive is refused and the breaker opens.
    peer.faults.rejectNextBatches(1);
    const first = await drainOutbox(deps, config, async () => sink, 1_000);
    const afterFirst = peer.events.length;
    expect(first.sent).toBe(0);
    expect(afterFirst).toBe(100 - 100 / KEYS);
    // Half-open: the probe is refused again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    peer.faults.rejectNextBatches(1);
    await drainOutbox(deps, config, async () => sink, 1_000);
    const afterProbe = peer.events.length;
    // The hub is fine again.
    for (let round = 0; round < 10 && new Set(peer.events.map((e) => (e.body as { event_id: string }).event_id)).size < TOTAL; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await drainOutbox(deps, config, async () => sink, 2_000);
    }

    const ids = peer.events.map((e) => (e.body as { event_id: string }).event_id);
    const unique = new Set(ids);
    let orderViolations = 0;
    const last = new Map<string, number>();
    for (const event of peer.events) {
      const i = Number((event.body as { event_id: string }).event_id.split('-')[1]);
      if (i < (last.get(event.partitionKey!) ?? -1)) orderViolations++;
      last.set(event.partitionKey!, Math.max(i, last.get(event.partitionKey!) ?? -1));
    }
    const stats = await readStatistics(deps);
    console.log(
      `partial send then trip: ${afterFirst} accepted in the first burst, ${afterProbe - afterFirst} by the failed probe; ${unique.size}/${TOTAL} delivered, duplicates ${ids.length - unique.size}, order violations ${orderViolations}, trips ${stats.circuit_breaker_trips}`,
    );
    expect(stats.circuit_breaker_trips).toBeGreaterThanOrEqual(2);
    expect(unique.size).toBe(TOTAL);
    expect(ids.length - unique.size).toBe(0);
    expect(orderViolations).toBe(0);
    // Counted once each, in the drain that went past them.
    expect(stats.events_sent_successfully).toBe(TOTAL);
  });
});
