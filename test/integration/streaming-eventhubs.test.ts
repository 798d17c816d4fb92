/**
 * A day slice through the real path: event factory → Table outbox → paced drain → EventHubsSink (the real
 * @azure/event-hubs producer) → the AMQP test peer. Every event arrives exactly once, validates against its
 * schema with the whole envelope, and each store's events keep their order.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EventHubsSink, producerFor } from '../../src/adapters/eventhubs-sink.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { resolveConnection } from '../../src/core/config/config-service.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../src/core/events/factory.js';
import { ENVELOPE_FIELDS, parseEvent } from '../../src/core/events/schemas.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
let peer: EventHubsPeer | undefined;
afterAll(async () => {
  await peer?.stop();
});

describe('streaming to Event Hubs (AMQP peer)', () => {
  it('delivers every event of a slice exactly once, valid and in per-store order', async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    const config = appConfigSchema.parse({
      seed: 21,
      realtime: { azure_connection_string: peer.connectionString },
      volume: {
        stores: 5,
        dcs: 2,
        total_geographies: 5,
        total_customers: 1500,
        total_products: 250,
        customers_per_day: 30,
        online_orders_per_day: 20,
        marketing_impressions_per_day: 200,
      },
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

    const deps = await streamingTestDeps(connectionString, { emit_interval_ms: 10, burst: 2000 });
    const outbox = deps.outbox;
    await outbox.replace(slice);
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

describe('the producer for a connection string', () => {
  it('uses stream.hub when the connection string has an empty EntityPath (it used to fail with the SDK TypeError)', async () => {
    peer ??= await startEventHubsPeer({ partitionCount: 2 });
    const withEmptyEntityPath = peer.connectionString.replace(/EntityPath=[^;]*/, 'EntityPath=');
    expect(withEmptyEntityPath).toContain('EntityPath=;');
    const config = appConfigSchema.parse({ realtime: { azure_connection_string: withEmptyEntityPath }, stream: { hub: 'hub' } });
    const connection = resolveConnection(config, {});
    expect(connection.hub).toBe('hub');
    const properties = await (await producerFor(connection, config)).getEventHubProperties();
    expect(properties.name).toBe('hub');
  });
});
