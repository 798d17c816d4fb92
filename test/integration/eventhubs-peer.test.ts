/** The AMQP test peer with the real EventHubProducerClient: metadata, batches, size limit, faults. */
import { EventHubProducerClient } from '@azure/event-hubs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';

let peer: EventHubsPeer;
const retryOptions = { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 200, timeoutInMs: 5_000 };

beforeAll(async () => {
  peer = await startEventHubsPeer({ partitionCount: 4 });
});
afterAll(async () => {
  await peer?.stop();
});

describe('Event Hubs test peer', () => {
  it('answers hub metadata and records batched events with partition key and content type', async () => {
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions });
    try {
      expect((await client.getEventHubProperties()).partitionIds).toEqual(['0', '1', '2', '3']);
      const batch = await client.createBatch({ partitionKey: 'store-7' });
      expect(batch.maxSizeInBytes).toBe(1024 * 1024);
      for (let i = 0; i < 5; i++) expect(batch.tryAdd({ body: { i }, contentType: 'application/json', messageId: `m${i}` })).toBe(true);
      const before = peer.events.length;
      await client.sendBatch(batch);
      const received = (await peer.waitForEvents(before + 5)).slice(before);
      expect(received.map((e) => e.body)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
      expect(received.every((e) => e.partitionKey === 'store-7' && e.contentType === 'application/json')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('limits a batch to 1 MB', async () => {
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions });
    try {
      const batch = await client.createBatch();
      const big = 'x'.repeat(300_000);
      const added = [1, 2, 3, 4].map(() => batch.tryAdd({ body: big }));
      expect(added).toEqual([true, true, true, false]);
    } finally {
      await client.close();
    }
  });

  it('retries a server-busy rejection and delivers exactly once', async () => {
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions });
    try {
      const batch = await client.createBatch({ partitionKey: 'retry' });
      batch.tryAdd({ body: { retried: true } });
      peer.faults.rejectNextBatches(2);
      await client.sendBatch(batch);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(peer.events.filter((e) => (e.body as { retried?: boolean })?.retried)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('fails sends when authentication is refused', async () => {
    peer.faults.rejectAuth(true);
    const client = new EventHubProducerClient(peer.connectionString, { retryOptions: { ...retryOptions, maxRetries: 0 } });
    try {
      await expect(client.getEventHubProperties()).rejects.toThrow();
    } finally {
      peer.faults.rejectAuth(false);
      await client.close();
    }
  });
});
