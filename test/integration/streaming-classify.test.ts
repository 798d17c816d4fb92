/**
 * Real SDK errors against the AMQP peer, through the real EventHubProducerClient: each rejection condition
 * is classified as the operators' error_counts expect (the peer's description always says "server busy", so
 * only the condition code can tell them apart); an event too large for any batch is dead-lettered alone
 * while the rest of its batch is delivered; a server-busy burst is retried and delivered.
 */
import { EventHubProducerClient } from '@azure/event-hubs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventHubsSink } from '../../src/adapters/eventhubs-sink.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { CircuitBreaker } from '../../src/core/streaming/breaker.js';
import { readStatistics } from '../../src/core/streaming/control.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { classifySendError } from '../../src/core/streaming/send-errors.js';
import { PartialSendError, type OutboxEvent } from '../../src/core/streaming/types.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const storage = inject('storageConnectionString');
let peer: EventHubsPeer;
let client: EventHubProducerClient;
beforeAll(async () => {
  peer = await startEventHubsPeer({ partitionCount: 2 });
  client = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } });
});
afterAll(async () => {
  await client?.close();
  await peer?.stop();
});

function event(id: string, partitionKey = 'store-1', pad = 0): OutboxEvent {
  const envelope = { event_id: id, event_type: 'ble_ping_detected', payload: { store_id: 1, pad: 'x'.repeat(pad) }, partition_key: partitionKey };
  return { at: 0, partitionKey, eventType: 'ble_ping_detected', eventId: id, body: JSON.stringify(envelope) };
}

function timed(events: OutboxEvent[]): TimedEvent[] {
  return events.map((e) => ({ at: e.at, envelope: JSON.parse(e.body) as TimedEvent['envelope'] }));
}

const received = (prefix: string) => peer.events.map((e) => String((e.body as { event_id?: string }).event_id)).filter((id) => id.startsWith(prefix));

async function failureOf(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('the send did not fail');
}

describe('send errors from the real SDK', () => {
  it('classifies each rejection by its AMQP condition', async () => {
    const sink = new EventHubsSink(client);
    const cases: [string, string][] = [
      ['com.microsoft:server-busy', 'throttling'],
      ['amqp:resource-limit-exceeded', 'quota'],
      ['amqp:unauthorized-access', 'authentication'],
      ['amqp:link:message-size-exceeded', 'message_too_large'],
      ['com.microsoft:argument-out-of-range', 'invalid_partition'],
      ['com.microsoft:timeout', 'connection_timeout'],
    ];
    const seen: Record<string, string> = {};
    for (const [condition, expected] of cases) {
      peer.faults.rejectNextBatches(1, condition);
      const error = await failureOf(() => sink.send([event(`cls-${condition}`)]));
      expect(error).toBeInstanceOf(PartialSendError);
      seen[condition] = classifySendError(error);
      expect(seen[condition], condition).toBe(expected);
    }
    console.log(`classification of peer rejections: ${JSON.stringify(seen)}`);
  });

  it('classifies a refused CBS token as authentication and an unreachable hub as a connection problem', async () => {
    peer.faults.rejectAuth(true);
    const denied = new EventHubProducerClient(peer.connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 3000 } });
    try {
      expect(classifySendError(await failureOf(() => new EventHubsSink(denied).send([event('cls-auth')])))).toBe('authentication');
    } finally {
      peer.faults.rejectAuth(false);
      await denied.close();
    }
    // Nothing listens on port 9: refused at once.
    const nowhere = new EventHubProducerClient(
      'Endpoint=sb://127.0.0.1:9;SharedAccessKeyName=k;SharedAccessKey=dGVzdA==;EntityPath=hub;UseDevelopmentEmulator=true',
      {
        retryOptions: { maxRetries: 0, timeoutInMs: 2000 },
      },
    );
    try {
      const refused = await failureOf(() => new EventHubsSink(nowhere).send([event('cls-down')]));
      expect(['connection_failure', 'connection_timeout']).toContain(classifySendError(refused));
    } finally {
      await nowhere.close();
    }
  });

  it('reports an event too large for any batch alone, delivering the events around it', async () => {
    const sink = new EventHubsSink(client);
    const batch = [event('big-0'), event('big-1', 'store-1', 1_100_000), event('big-2'), event('big-3', 'store-2')];
    const error = await failureOf(() => sink.send(batch));
    expect(error).toBeInstanceOf(PartialSendError);
    expect(classifySendError(error)).toBe('message_too_large');
    expect([...(error as PartialSendError).sentIndexes].sort()).toEqual([0, 2, 3]);
    expect(received('big-').sort()).toEqual(['big-0', 'big-2', 'big-3']);
  });
});

describe('the drain with real SDK errors', () => {
  it('retries server-busy until delivered, and dead-letters only the oversized event without tripping the breaker', async () => {
    const config = appConfigSchema.parse({ realtime: { retry_attempts: 4, backoff_multiplier: 1.5, failure_threshold: 3, timeout_seconds: 60 } });
    const deps = await streamingTestDeps(storage, { emit_interval_ms: 10, burst: 100 });
    const events = Array.from({ length: 300 }, (_, i) => event(`drn-${i}`, `store-${i % 3}`, i === 150 ? 1_100_000 : 0));
    await deps.outbox.replace(timed(events));
    peer.faults.rejectNextBatches(2);
    for (let round = 0; round < 5 && (await deps.outbox.status(Date.now())).pending_events > 0; round++) {
      await drainOutbox(deps, config, async () => new EventHubsSink(client), 5_000);
    }
    const ids = received('drn-');
    const stats = await readStatistics(deps);
    const dlq = await deps.deadLetters.list(1, 10);
    const breaker = await new CircuitBreaker(deps.breakerState, { enabled: true, failureThreshold: 3, timeoutSeconds: 60, halfOpenMaxCalls: 1 }).read();
    console.log(
      `drain with 2 server-busy batches and 1 oversized event: delivered ${new Set(ids).size}/299, DLQ ${dlq.count} ${JSON.stringify(stats.error_counts)}, breaker ${breaker.state}`,
    );
    expect(new Set(ids).size).toBe(299);
    expect(ids).not.toContain('drn-150');
    expect(dlq.count).toBe(1);
    expect(dlq.events[0]).toMatchObject({ error_type: 'message_too_large', event: { event_id: 'drn-150' } });
    expect(stats.error_counts.throttling).toBeGreaterThanOrEqual(1);
    expect(stats.events_sent_successfully).toBe(299);
    expect(stats.events_failed).toBe(1);
    expect(breaker.state).toBe('closed');
  });
});
