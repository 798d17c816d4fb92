/**
 * Faults against the AMQP peer through the real producer, each bounded in time, printing its figures:
 * server-busy rejections are retried to full delivery, refused credentials keep the events in the outbox (a fault
 * of the connection, not of the events) until they work again, and a peer outage opens the shared circuit breaker,
 * keeps the events in the outbox and recovers.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventHubsSink } from '../../src/adapters/eventhubs-sink.js';
import { EventHubProducerClient } from '@azure/event-hubs';
import { appConfigSchema } from '../../src/core/config/schema.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { CircuitBreaker } from '../../src/core/streaming/breaker.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { readStatistics } from '../../src/core/streaming/control.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
let peer: EventHubsPeer;
beforeAll(async () => {
  peer = await startEventHubsPeer({ partitionCount: 4 });
});
afterAll(async () => {
  await peer?.stop();
});

function slice(count: number, prefix: string): TimedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    at: 1_700_000_000_000 + i,
    envelope: {
      event_id: `${prefix}-${i}`,
      event_type: 'ble_ping_detected',
      payload: { store_id: i % 5, beacon_id: 'B', customer_ble_id: 'BLE000001', rssi: -50, zone: 'ENTRANCE' },
      trace_id: 't',
      ingest_timestamp: new Date(1_700_000_000_000 + i).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 5}`,
    },
  }));
}

const received = (prefix: string) => peer.events.filter((e) => String((e.body as { event_id?: string }).event_id).startsWith(`${prefix}-`));

describe('streaming under faults', () => {
  it('delivers 100% with 20% of batches rejected as server busy, nothing dead-lettered', async () => {
    const config = appConfigSchema.parse({ realtime: { retry_attempts: 5, backoff_multiplier: 1.5, failure_threshold: 50 } });
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 50 });
    await deps.outbox.replace(slice(2000, 'busy'));
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    peer.faults.rejectRatio(0.2);
    try {
      for (let round = 0; round < 10 && (await deps.outbox.status(Date.now())).pending_events > 0; round++) {
        await drainOutbox(deps, config, async () => new EventHubsSink(client), 5_000);
      }
    } finally {
      peer.faults.rejectRatio(0);
      await client.close();
    }
    const ids = received('busy').map((e) => (e.body as { event_id: string }).event_id);
    const stats = await readStatistics(deps);
    const dlq = await deps.deadLetters.summary();
    console.log(
      `fault 20% server-busy: delivered ${new Set(ids).size}/2000 (${ids.length} deliveries), throttling errors ${stats.error_counts.throttling ?? 0}, DLQ ${dlq.total}`,
    );
    expect(new Set(ids).size).toBe(2000);
    expect(dlq.total).toBe(0);
    expect(stats.error_counts.throttling).toBeGreaterThan(0);
    expect(stats.events_sent_successfully).toBe(2000);
  });

  it('keeps the events in the outbox while credentials are refused, dead-letters none, and delivers all once they work', async () => {
    const config = appConfigSchema.parse({ realtime: { retry_attempts: 1, failure_threshold: 2, timeout_seconds: 1, half_open_max_calls: 1 } });
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 100 });
    await deps.outbox.replace(slice(300, 'auth'));
    peer.faults.rejectAuth(true);
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } });
    try {
      for (let round = 0; round < 3; round++) await drainOutbox(deps, config, async () => new EventHubsSink(client), 1_500);
      const dlq = await deps.deadLetters.summary();
      const stats = await readStatistics(deps);
      console.log(
        `fault authentication: DLQ ${dlq.total}, kept ${(await deps.outbox.status(Date.now())).pending_events}/300, auth errors ${stats.error_counts.authentication ?? 0}, breaker trips ${stats.circuit_breaker_trips}`,
      );
      expect(dlq.total).toBe(0);
      expect(stats.error_counts.authentication).toBeGreaterThan(0);
      expect(stats.circuit_breaker_trips).toBeGreaterThan(0);
      expect(received('auth')).toHaveLength(0);
      expect((await deps.outbox.status(Date.now())).pending_events).toBe(300);

      // The credentials work again (the role assignment propagated): every event goes out, once.
      peer.faults.rejectAuth(false);
      for (let round = 0; round < 10 && (await deps.outbox.status(Date.now())).pending_events > 0; round++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await drainOutbox(deps, config, async () => new EventHubsSink(client), 2_000);
      }
    } finally {
      peer.faults.rejectAuth(false);
      await client.close();
    }
    const ids = received('auth').map((e) => (e.body as { event_id: string }).event_id);
    console.log(`fault authentication restored: delivered ${new Set(ids).size}/300 (${ids.length} deliveries)`);
    expect(new Set(ids).size).toBe(300);
    expect(ids.length).toBe(300);
  });

  it('opens the shared breaker when the peer is down, keeps the events, and recovers when it is back', async () => {
    const config = appConfigSchema.parse({ realtime: { retry_attempts: 1, failure_threshold: 2, timeout_seconds: 1, half_open_max_calls: 1 } });
    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 100 });
    await deps.outbox.replace(slice(500, 'down'));
    await peer.faults.down();
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 1000, retryDelayInMs: 50 } });
    try {
      const during = await drainOutbox(deps, config, async () => new EventHubsSink(client), 4_000);
      const breaker = await new CircuitBreaker(deps.breakerState, { enabled: true, failureThreshold: 2, timeoutSeconds: 1, halfOpenMaxCalls: 1 }).read();
      const outbox = await deps.outbox.status(Date.now());
      console.log(`fault peer down: breaker ${breaker.state} after ${breaker.trips} trip(s), sent ${during.sent}, outbox pending ${outbox.pending_events}`);
      expect(breaker.state).toBe('open');
      expect(breaker.trips).toBeGreaterThanOrEqual(1);
      expect(outbox.pending_events + outbox.sent_events).toBe(500);
      await peer.faults.up();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      for (let round = 0; round < 10 && (await deps.outbox.status(Date.now())).pending_events > 0; round++)
        await drainOutbox(deps, config, async () => new EventHubsSink(client), 3_000);
    } finally {
      await client.close();
    }
    const after = await new CircuitBreaker(deps.breakerState, { enabled: true, failureThreshold: 2, timeoutSeconds: 1, halfOpenMaxCalls: 1 }).read();
    const stats = await readStatistics(deps);
    const delivered = new Set(received('down').map((e) => (e.body as { event_id: string }).event_id)).size;
    const dlq = (await deps.deadLetters.summary()).total;
    console.log(`fault peer down → up: breaker ${after.state}, delivered ${delivered}/500, DLQ ${dlq}, trips ${stats.circuit_breaker_trips}`);
    expect(after.state).toBe('closed');
    expect(delivered).toBe(500);
    expect(dlq).toBe(0);
    expect(stats.circuit_breaker_trips).toBeGreaterThanOrEqual(1);
  });
});
