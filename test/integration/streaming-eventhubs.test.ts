/**
 * A day slice through the real path: event factory → Table outbox → paced drain → EventHubsSink (the real
 * @azure/event-hubs producer) → the AMQP test peer. Every event arrives exactly once, validates against its
 * schema with the whole envelope, and each store's events keep their order.
 */
import { TableClient } from '@azure/data-tables';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EventHubsSink, producerFor } from '../../src/adapters/eventhubs-sink.js';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { resolveConnection } from '../../src/core/config/service.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../src/core/events/factory.js';
import { ENVELOPE_FIELDS, parseEvent } from '../../src/core/events/schemas.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import type { GenerationStateStore } from '../../src/core/generation/state.js';
import type { DatasetFiles } from '../../src/core/storage/files.js';
import type { StreamingDeps } from '../../src/core/streaming/control.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { stoppedState, type StreamState, type StreamStatistics } from '../../src/core/streaming/types.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';

const connectionString = inject('storageConnectionString');
let peer: EventHubsPeer | undefined;
afterAll(async () => {
  await peer?.stop();
});

async function table(name: string): Promise<TableClient> {
  const client = TableClient.fromConnectionString(connectionString, `${name}${Math.random().toString(36).slice(2, 10)}`, { allowInsecureConnection: true });
  await client.createTable();
  return client;
}

const noFiles: DatasetFiles = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };

describe('streaming to Event Hubs (AMQP peer)', () => {
  it('delivers every event of a slice exactly once, valid and in per-store order', async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    const config = appConfigSchema.parse({
      seed: 21,
      realtime: { azure_connection_string: peer.connectionString },
      volume: { stores: 5, dcs: 2, total_geographies: 5, total_customers: 1500, total_products: 250, customers_per_day: 30, online_orders_per_day: 20, marketing_impressions_per_day: 200 },
    });
    const context = buildFactContext(config);
    const collector = new EventCollector(null);
    for (const region of context.regions) {
      const result = generateRegionDay(context, region, '2024-05-01', openingBalances(config.seed, config.volume, region, context.products.length));
      collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
    }
    collectStoreHours(collector, context, '2024-05-01');
    const slice = collector.sorted();
    expect(slice.length).toBeGreaterThan(2000);

    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    await outbox.replace(slice);
    const docs = await table('stream');
    const state = new JsonEntityStore<StreamState>(async () => docs, 'stream');
    await state.write('state', { ...stoppedState(), status: 'running', emit_interval_ms: 10, burst: 2000 }, undefined);
    const deps: StreamingDeps = { state, statistics: new JsonEntityStore<StreamStatistics>(async () => docs, 'stream'), outbox, files: noFiles, generation: {} as GenerationStateStore };
    const sink = new EventHubsSink(await producerFor(resolveConnection(config, {}), config));

    for (let round = 0; round < 20 && (await outbox.status(Date.now())).pending_events > 0; round++) {
      const summary = await drainOutbox(deps, config, async () => sink, 3_000);
      expect(summary.error).toBeNull();
    }
    await peer.waitForEvents(slice.length, 20_000);
    const ids = peer.events.map((e) => (e.body as { event_id: string }).event_id);
    expect(ids).toHaveLength(slice.length);
    expect(new Set(ids)).toEqual(new Set(slice.map((e) => e.envelope.event_id)));

    const lastSeen = new Map<string, number>();
    const expectedOrder = new Map(slice.map((e, i) => [e.envelope.event_id, i]));
    for (const received of peer.events) {
      const envelope = parseEvent(received.body);
      for (const field of ENVELOPE_FIELDS.filter((f) => f !== 'correlation_id')) expect(envelope, field).toHaveProperty(field);
      expect(received.partitionKey).toBe(envelope.partition_key);
      expect(received.contentType).toBe('application/json');
      const position = expectedOrder.get(envelope.event_id)!;
      expect(position, `order within ${envelope.partition_key}`).toBeGreaterThan(lastSeen.get(envelope.partition_key!) ?? -1);
      lastSeen.set(envelope.partition_key!, position);
    }
  });
});
