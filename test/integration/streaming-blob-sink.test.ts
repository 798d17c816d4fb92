/**
 * The Blob sink on Azurite: NDJSON in append blobs under an Event-Hubs-Capture-like path
 * (`<namespace>/<hub>/<partition>/<yyyy>/<MM>/<dd>/<HH>/<mm>.ndjson`), one store's events always in one
 * partition, every line exactly an event body in send order, and writing resumes after the container was
 * deleted underneath it (a data reset while streaming).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';
import { BlobEventSink } from '../../src/adapters/blob-event-sink.js';
import type { OutboxEvent } from '../../src/core/streaming/types.js';

const connectionString = inject('storageConnectionString');

async function freshContainer(): Promise<ContainerClient> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(`events-${Math.random().toString(36).slice(2, 10)}`);
  await container.createIfNotExists();
  return container;
}

function events(count: number, prefix: string): OutboxEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const partitionKey = `store-${i % 6}`;
    const body = JSON.stringify({
      event_id: `${prefix}-${i}`,
      event_type: 'receipt_created',
      payload: { n: i, text: 'line\nbreak "quoted"' },
      partition_key: partitionKey,
    });
    return { at: i, partitionKey, eventType: 'receipt_created', eventId: `${prefix}-${i}`, body };
  });
}

async function readAll(container: ContainerClient): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>();
  for await (const blob of container.listBlobsFlat()) {
    const text = (await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
    files.set(blob.name, text.split('\n').filter(Boolean));
  }
  return files;
}

describe('BlobEventSink', () => {
  it('writes NDJSON under a Capture-like path, readable back line by line', async () => {
    const container = await freshContainer();
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 59));
    const sink = new BlobEventSink(
      async () => container,
      'local',
      'retail-events',
      () => at,
    );
    const sent = events(600, 'nd');
    const first = await sink.send(sent.slice(0, 250));
    await sink.send(sent.slice(250));
    expect(first.bytes).toBe(sent.slice(0, 250).reduce((sum, e) => sum + Buffer.byteLength(e.body) + 1, 0));

    const files = await readAll(container);
    for (const name of files.keys()) expect(name).toMatch(/^local\/retail-events\/[0-3]\/2026\/01\/02\/03\/04\.ndjson$/);
    const lines = [...files.values()].flat();
    expect(lines).toHaveLength(600);
    expect(new Set(lines)).toEqual(new Set(sent.map((e) => e.body)));
    // Every line parses back to its event (newlines inside values are escaped by JSON), in send order per store.
    for (const [, fileLines] of files) {
      const parsed = fileLines.map((line) => JSON.parse(line) as { event_id: string; partition_key: string });
      const stores = new Set(parsed.map((p) => p.partition_key));
      for (const store of stores) {
        const order = parsed.filter((p) => p.partition_key === store).map((p) => Number(p.event_id.split('-')[1]));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    }
    // One store, one partition (as a hub keeps a partition key's events together).
    const partitionOf = new Map<string, string>();
    for (const [name, fileLines] of files) {
      for (const line of fileLines) {
        const store = (JSON.parse(line) as { partition_key: string }).partition_key;
        expect(partitionOf.get(store) ?? name).toBe(name);
        partitionOf.set(store, name);
      }
    }
  });

  it('starts a new file each minute and recovers when the container is deleted meanwhile', async () => {
    const container = await freshContainer();
    const clock = { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 0)) };
    const sink = new BlobEventSink(
      async () => container,
      'ns',
      'hub',
      () => clock.at,
    );
    await sink.send(events(10, 'm1'));
    clock.at = new Date(Date.UTC(2026, 0, 2, 3, 5, 0));
    await sink.send(events(10, 'm2'));
    const names = [...(await readAll(container)).keys()];
    expect(names.some((n) => n.endsWith('/03/04.ndjson'))).toBe(true);
    expect(names.some((n) => n.endsWith('/03/05.ndjson'))).toBe(true);

    await container.delete();
    await sink.send(events(10, 'm3'));
    const after = [...(await readAll(container)).values()].flat().map((line) => (JSON.parse(line) as { event_id: string }).event_id);
    expect(after.sort()).toEqual(
      events(10, 'm3')
        .map((e) => e.eventId!)
        .sort(),
    );
  });
});
