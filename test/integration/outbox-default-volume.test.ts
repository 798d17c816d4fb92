/**
 * The outbox at the default business size, on Azurite without `--loose`: real events of a default-volume day
 * (403,000 customers compress worse than a test business's few hundred), written with batch transactions that
 * the service must accept (4 MiB of body and 100 operations each), then read back whole and in order.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import {
  MAX_TRANSACTION_BODY_BYTES,
  MAX_TRANSACTION_OPERATIONS,
  TRANSACTION_BODY_BUDGET_BYTES,
  transactionBatches,
} from '../../src/adapters/table-transactions.js';
import { defaultConfig } from '../../src/core/config/schema.js';
import { collectDayEvents, EventCollector } from '../../src/core/events/factory.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import { freshTable } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');

/** Events of the two busiest regions of a default-volume Friday (enough for several transactions per shard). */
function defaultVolumeEvents() {
  const config = defaultConfig();
  const context = buildFactContext(config);
  const busiest = [...context.regions].sort((a, b) => b.stores.length - a.stores.length).slice(0, 2);
  const collector = new EventCollector(null);
  for (const region of busiest) {
    const result = generateRegionDay(context, region, '2026-03-06', openingBalances(config.seed, config.volume, region, context.products.length));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  }
  return collector.sorted();
}

/**
 * Records every transaction body as it leaves the client (a pipeline policy sees the request the SDK built), so
 * the sizes checked are the bytes on the wire, not our own estimate.
 */
function recordingBodies(client: TableClient): { client: TableClient; bodies: number[]; operations: number[] } {
  const bodies: number[] = [];
  const operations: number[] = [];
  client.pipeline.addPolicy({
    name: 'record-transaction-bodies',
    sendRequest: async (request, next) => {
      if (request.url.endsWith('$batch')) {
        const body = typeof request.body === 'string' ? request.body : '';
        bodies.push(Buffer.byteLength(body));
        operations.push((body.match(/^Content-Type: application\/http\r?$/gm) ?? []).length);
      }
      return next(request);
    },
  });
  return { client, bodies, operations };
}

describe('outbox at the default business size', () => {
  it('writes a default-volume slice in transactions the service accepts and reads every event back, each key in order', async () => {
    const events = defaultVolumeEvents();
    expect(events.length).toBeGreaterThan(50_000);
    const recorded = recordingBodies(await freshTable(connectionString, 'outboxdefault'));
    const outbox = new TableOutbox(async () => recorded.client);
    const written = await outbox.replace(events);
    expect(written.events).toBe(events.length);
    // More than one transaction per shard, each within the limits as sent on the wire.
    expect(recorded.operations.length).toBeGreaterThan(4);
    for (const count of recorded.operations) expect(count).toBeLessThanOrEqual(MAX_TRANSACTION_OPERATIONS);
    // Azure's limit, and our tighter budget (see table-transactions.ts); 100 chunks of this business are about
    // 2 MB, so a batch cut by count alone would be over the budget.
    for (const bytes of recorded.bodies) expect(bytes).toBeLessThanOrEqual(Math.min(MAX_TRANSACTION_BODY_BYTES, TRANSACTION_BODY_BUDGET_BYTES));
    expect(recorded.operations.some((count) => count < MAX_TRANSACTION_OPERATIONS / 2)).toBe(true);

    // Claimed as the drain does, claim after claim until nothing is left (a claim reads each shard's share, and
    // shards by partition key are not even).
    const claimed = [];
    for (let round = 0; round < 20; round++) {
      const more = await outbox.claim(events.length, 60_000, Date.now(), { holder: 'one-drain' });
      if (more.length === 0) break;
      claimed.push(...more);
    }
    const ids = claimed.flatMap((chunk) => chunk.events.map((e) => e.eventId));
    expect([...ids].sort()).toEqual(events.map((e) => e.envelope.event_id).sort());
    // Chunks hold one shard's keys each, so across keys the chunks interleave; each key's events come back in order.
    const byKey = (list: { key: string; id: string | undefined }[]) => {
      const keys = new Map<string, (string | undefined)[]>();
      for (const { key, id } of list) {
        const ids = keys.get(key);
        if (ids) ids.push(id);
        else keys.set(key, [id]);
      }
      return keys;
    };
    const read = byKey(claimed.flatMap((chunk) => chunk.events.map((e) => ({ key: e.partitionKey, id: e.eventId }))));
    const made = byKey(events.map((e) => ({ key: e.envelope.partition_key ?? '', id: e.envelope.event_id })));
    expect(read.size).toBe(made.size);
    for (const [key, list] of made) expect(read.get(key), key).toEqual(list);
  }, 180_000);

  it('splits by bytes as well as by count', () => {
    const big = new Uint8Array(100 * 1024);
    const actions: TransactionAction[] = Array.from({ length: 20 }, (_, i) => ['create', { partitionKey: 'p', rowKey: String(i), data0: big }]);
    const batches = transactionBatches(actions);
    // 100 KiB of binary is about 133 KiB of base64: three fit the 512 KiB budget, four would not.
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 3, 3, 3, 2]);
    const small: TransactionAction[] = Array.from({ length: 250 }, (_, i) => ['delete', { partitionKey: 'p', rowKey: String(i) }]);
    expect(transactionBatches(small).map((b) => b.length)).toEqual([100, 100, 50]);
  });
});
