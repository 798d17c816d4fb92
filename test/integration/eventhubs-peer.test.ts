/** The AMQP test peer with the real EventHubProducerClient: metadata, batches, size limit, faults. */
import { EventHubProducerClient, RetryMode, type RetryOptions } from '@azure/event-hubs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';

let peer: EventHubsPeer;
const retryOptions: RetryOptions = { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 200, mode: RetryMode.Exponential, timeoutInMs: 5_000 };
const clients: EventHubProducerClient[] = [];
const producer = (options: RetryOptions = retryOptions) => {
  const client = new EventHubProducerClient(peer.connectionString, { retryOptions: options });
  clients.push(client);
  return client;
};
/** The SDK's retry throws an AggregateError of every attempt's error once maxRetries > 0 (core-amqp retry.js). */
const codes = (error: unknown): string[] => {
  const e = error as { code?: string; errors?: unknown[] };
  return [...(e?.code ? [e.code] : []), ...(Array.isArray(e?.errors) ? e.errors.flatMap(codes) : [])];
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('the send should fail'),
    (error: unknown) => error,
  );
const tagged = (tag: string) => peer.events.filter((e) => (e.body as { tag?: string } | undefined)?.tag === tag);

beforeAll(async () => {
  peer = await startEventHubsPeer({ partitionCount: 4 });
});
afterEach(async () => {
  peer.faults.clear();
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
});
afterAll(async () => {
  await peer?.stop();
});

describe('Event Hubs test peer', () => {
  it('answers hub and partition metadata', { timeout: 5_000 }, async () => {
    const client = producer();
    const hub = await client.getEventHubProperties();
    expect(hub.name).toBe('hub');
    expect(hub.partitionIds).toEqual(['0', '1', '2', '3']);
    expect(await client.getPartitionIds()).toEqual(['0', '1', '2', '3']);
    const partition = await client.getPartitionProperties('2');
    expect(partition).toMatchObject({ eventHubName: 'hub', partitionId: '2', isEmpty: true });
  });

  it('records batched events with body, partition key, content type and properties', { timeout: 5_000 }, async () => {
    const client = producer();
    const batch = await client.createBatch({ partitionKey: 'store-7' });
    expect(batch.maxSizeInBytes).toBe(1024 * 1024);
    for (let i = 0; i < 5; i++) {
      expect(batch.tryAdd({ body: { tag: 'keyed', i }, contentType: 'application/json', messageId: `m${i}`, properties: { kind: 'sale' } })).toBe(true);
    }
    const before = peer.events.length;
    await client.sendBatch(batch);
    const received = (await peer.waitForEvents(before + 5, 3_000)).slice(before);
    expect(received.map((e) => e.body)).toEqual([0, 1, 2, 3, 4].map((i) => ({ tag: 'keyed', i })));
    for (const [i, event] of received.entries()) {
      expect(event).toMatchObject({ partitionKey: 'store-7', contentType: 'application/json', messageId: `m${i}`, applicationProperties: { kind: 'sale' } });
      expect(event.properties).toMatchObject({ message_id: `m${i}`, content_type: 'application/json' });
      expect(event.partitionId).toBeUndefined();
    }
    expect(new Set(received.map((e) => e.batch)).size).toBe(1);

    // A batch for one partition goes over a `hub/Partitions/N` link.
    const pinned = await client.createBatch({ partitionId: '3' });
    pinned.tryAdd({ body: { tag: 'pinned' } });
    await client.sendBatch(pinned);
    await peer.waitForEvents(before + 6, 3_000);
    expect(tagged('pinned')).toMatchObject([{ partitionId: '3' }]);
    expect(await client.getPartitionProperties('3')).toMatchObject({ isEmpty: false, lastEnqueuedSequenceNumber: 0 });
  });

  it('limits a batch to 1 MB', { timeout: 5_000 }, async () => {
    const client = producer();
    const batch = await client.createBatch();
    const big = 'x'.repeat(300_000);
    expect([1, 2, 3, 4].map(() => batch.tryAdd({ body: big }))).toEqual([true, true, true, false]);
    expect(batch.tryAdd({ body: 'y'.repeat(1_100_000) })).toBe(false);
  });

  it('retries server-busy rejections (the SDK retryOptions) and delivers exactly once', { timeout: 5_000 }, async () => {
    const client = producer();
    const batch = await client.createBatch({ partitionKey: 'retry' });
    batch.tryAdd({ body: { tag: 'retried' } });
    batch.tryAdd({ body: { tag: 'retried' } });
    const rejectedBefore = peer.batchesRejected;
    peer.faults.rejectNextBatches(2);
    await client.sendBatch(batch);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(peer.batchesRejected - rejectedBefore).toBe(2);
    expect(tagged('retried')).toHaveLength(2);
  });

  it('fails with ServerBusyError once the retries are used up', { timeout: 5_000 }, async () => {
    const client = producer({ ...retryOptions, maxRetries: 1 });
    peer.faults.rejectNextBatches(5);
    const error = await failure(client.sendBatch([{ body: { tag: 'busy' } }]));
    expect(codes(error)).toEqual(['ServerBusyError', 'ServerBusyError']);
    expect(error).toMatchObject({ retryable: true });
    expect(tagged('busy')).toHaveLength(0);
  });

  it('fails sends when authentication is refused', { timeout: 5_000 }, async () => {
    peer.faults.rejectAuth(true);
    const client = producer({ ...retryOptions, maxRetries: 1 });
    const error = await failure(client.sendBatch([{ body: { tag: 'denied' } }]));
    expect(new Set(codes(error))).toEqual(new Set(['UnauthorizedError']));
    expect(tagged('denied')).toHaveLength(0);
    peer.faults.rejectAuth(false);
    await client.sendBatch([{ body: { tag: 'allowed' } }]);
    expect(tagged('allowed')).toHaveLength(1);
  });

  it('reconnects after the peer was down and came back', { timeout: 10_000 }, async () => {
    const client = producer();
    await client.sendBatch([{ body: { tag: 'before-down' } }]);
    const opened = peer.connectionsOpened;
    await peer.faults.down();
    // Nested retries (send × link): (maxRetries + 1)² connection attempts, about 2 s with these options.
    expect(codes(await failure(client.sendBatch([{ body: { tag: 'while-down' } }])))).toContain('ECONNREFUSED');
    await peer.faults.up();
    await client.sendBatch([{ body: { tag: 'after-up' } }]);
    expect(tagged('after-up')).toHaveLength(1);
    expect(tagged('while-down')).toHaveLength(0);
    expect(peer.connectionsOpened).toBeGreaterThan(opened);

    // A send that starts during the outage succeeds through the SDK's retries once the peer is back.
    const patient = producer({ ...retryOptions, maxRetries: 10, retryDelayInMs: 100, mode: RetryMode.Fixed });
    await patient.getEventHubProperties();
    await peer.faults.down();
    setTimeout(() => void peer.faults.up(), 300);
    await patient.sendBatch([{ body: { tag: 'across-outage' } }]);
    expect(tagged('across-outage')).toHaveLength(1);
  });

  it('survives detached links and dropped connections', { timeout: 8_000 }, async () => {
    const client = producer();
    await client.sendBatch([{ body: { tag: 'link' } }]);
    peer.faults.detachSenders();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.sendBatch([{ body: { tag: 'link' } }]);
    peer.faults.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.sendBatch([{ body: { tag: 'link' } }]);
    expect(tagged('link')).toHaveLength(3);
  });

  it('discards a batch held when its connection drops; the SDK resends it after its attempt timeout', { timeout: 8_000 }, async () => {
    const client = producer({ ...retryOptions, timeoutInMs: 1_000 });
    await client.getEventHubProperties();
    peer.faults.stall(300);
    const started = Date.now();
    const sending = client.sendBatch([{ body: { tag: 'in-flight' } }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    peer.faults.dropConnections();
    await sending;
    // The SDK does not fail an in-flight send when its connection drops: it waits out timeoutInMs, then retries.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(tagged('in-flight')).toHaveLength(1);
  });

  it('stalls dispositions: the SDK times out, the held batch is accepted later', { timeout: 8_000 }, async () => {
    const client = producer({ ...retryOptions, maxRetries: 0, timeoutInMs: 500 });
    await client.getEventHubProperties(); // connect and authorize before the stall
    peer.faults.stall(1_000);
    const started = Date.now();
    await expect(client.sendBatch([{ body: { tag: 'stalled' } }])).rejects.toMatchObject({ code: 'OperationTimeoutError' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(tagged('stalled')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(tagged('stalled')).toHaveLength(1); // at-least-once: the client gave up, the hub kept it
  });

  it('rejects a seeded share of batches reproducibly', { timeout: 8_000 }, async () => {
    const client = producer({ ...retryOptions, maxRetries: 0 });
    const outcomes = async () => {
      const results: boolean[] = [];
      for (let i = 0; i < 20; i++)
        results.push(
          await client.sendBatch([{ body: { tag: 'ratio' } }]).then(
            () => true,
            () => false,
          ),
        );
      return results;
    };
    peer.faults.rejectRatio(0.3, 42);
    const first = await outcomes();
    peer.faults.rejectRatio(0.3, 42);
    const second = await outcomes();
    expect(second).toEqual(first);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(tagged('ratio')).toHaveLength([...first, ...second].filter(Boolean).length);
  });
});

describe('Event Hubs test peer decoding on read (the benchmarks)', () => {
  it('counts events as they arrive and decodes them when read, in arrival order, the same as on arrival', { timeout: 8_000 }, async () => {
    const lazy = await startEventHubsPeer({ partitionCount: 2, decode: 'read' });
    const client = new EventHubProducerClient(lazy.connectionString, { retryOptions });
    try {
      const send = async (tag: string, count: number, partitionKey: string) => {
        const batch = await client.createBatch({ partitionKey });
        for (let i = 0; i < count; i++) expect(batch.tryAdd({ body: { tag, i }, contentType: 'application/json', messageId: `${tag}-${i}` })).toBe(true);
        await client.sendBatch(batch);
      };
      await send('a', 300, 'k1');
      // A single event (not a batch envelope) between two batches keeps its place.
      await client.sendBatch([{ body: { tag: 'single', i: 0 }, messageId: 'single-0' }], { partitionId: '1' });
      await send('b', 200, 'k2');
      const deadline = Date.now() + 3_000;
      while (lazy.eventCount < 501 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(lazy.eventCount).toBe(501);
      const events = lazy.events;
      expect(events.map((e) => e.messageId)).toEqual([
        ...Array.from({ length: 300 }, (_, i) => `a-${i}`),
        'single-0',
        ...Array.from({ length: 200 }, (_, i) => `b-${i}`),
      ]);
      expect(events[0]).toMatchObject({ body: { tag: 'a', i: 0 }, partitionKey: 'k1', contentType: 'application/json', batch: 1 });
      expect(events[300]).toMatchObject({ body: { tag: 'single', i: 0 }, partitionId: '1', batch: 2 });
      expect(events[500]).toMatchObject({ body: { tag: 'b', i: 199 }, partitionKey: 'k2', batch: 3 });
      await send('c', 10, 'k1');
      expect((await lazy.waitForEvents(511, 3_000)).slice(501).map((e) => e.body)).toEqual(Array.from({ length: 10 }, (_, i) => ({ tag: 'c', i })));
      lazy.clearEvents();
      expect([lazy.eventCount, lazy.events.length]).toEqual([0, 0]);
    } finally {
      await client.close();
      await lazy.stop();
    }
  });
});
