// What the streaming benchmarks share: real events of a default-volume day (never synthetic ones: real bodies
// compress and batch as the stream's do), the AMQP test peer in a worker thread (its own core, as a hub would be),
// Tables in Azurite, and the drain's dependencies over them.
import { EventHubProducerClient } from '@azure/event-hubs';
import { TableClient } from '@azure/data-tables';
import { Worker } from 'node:worker_threads';
import { procCpuMs } from './proc-cpu.mjs';
import { startAzurite } from '../../dist/src/local/azurite.js';
import { TableOutbox } from '../../dist/src/adapters/table-outbox.js';
import { JsonEntityStore } from '../../dist/src/adapters/json-entity.js';
import { EventHubsSink } from '../../dist/src/adapters/eventhubs-sink.js';
import { TableDeadLetterQueue } from '../../dist/src/adapters/table-dead-letters.js';
import { collectDayEvents, collectStoreHours, EventCollector } from '../../dist/src/core/events/factory.js';
import { buildFactContext } from '../../dist/src/core/facts/context.js';
import { openingBalances } from '../../dist/src/core/facts/inventory.js';
import { generateMarketingDay } from '../../dist/src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../dist/src/core/facts/region-day.js';

/**
 * The events of `day` at the config's volume, in time order: of the `regions` busiest supply regions (enough for
 * most runs and quick to make), or of the whole day as a stream's units make it (every region, marketing and store
 * hours) when `regions` is 'all'.
 */
export function dayEvents(config, day, regions = 3) {
  const context = buildFactContext(config);
  const chosen = regions === 'all' ? context.regions : [...context.regions].sort((a, b) => b.stores.length - a.stores.length).slice(0, regions);
  const collector = new EventCollector(null);
  for (const region of chosen) {
    const made = generateRegionDay(context, region, day, openingBalances(config.seed, config.volume, region, context.products.length));
    collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, made.tables[t].build()])));
  }
  if (regions === 'all') {
    collectDayEvents(collector, {
      fact_marketing: generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers).build(),
    });
    collectStoreHours(collector, context, day);
  }
  const events = collector.sorted();
  return { events, regions: chosen.length, stores: chosen.reduce((n, r) => n + r.stores.length, 0) };
}

/** The AMQP test peer in a worker thread: `ask('count' | 'times' | 'verify' | 'reset')` answers with the worker's message. */
export async function startPeer() {
  const worker = new Worker(new URL('./peer-worker.mjs', import.meta.url));
  const ask = (type) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (message.type === type) {
          worker.off('message', listener);
          resolve(message);
        }
      };
      worker.on('message', listener);
      if (type !== 'ready') worker.postMessage({ type });
    });
  const { connectionString } = await ask('ready');
  return {
    connectionString,
    ask,
    count: async () => (await ask('count')).count,
    /** CPU time (ms) of the peer's own thread, or null where it cannot be read. */
    cpuMs: async () => (await ask('cpu')).ms,
    reset: () => ask('reset'),
    /**
     * Decodes every event the peer holds (after the timing: it decodes on read) and throws unless there are exactly
     * `expected`, each with its own message id and a JSON body carrying that id as event_id. Returns a line to print.
     */
    async verify(expected) {
      const { count, distinctIds, mismatched } = await ask('verify');
      if (count !== expected || distinctIds !== expected || mismatched !== 0)
        throw new Error(`the peer holds ${count} events (${distinctIds} distinct ids, ${mismatched} bodies not matching their id), expected ${expected}`);
      return `the peer decoded all ${count.toLocaleString('en-US')} afterwards: each a JSON body with its own event id`;
    },
    async waitForEvents(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while ((await ask('count')).count < count) {
        if (Date.now() > deadline) throw new Error(`the peer received fewer than ${count} events within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    stop: () => worker.postMessage({ type: 'stop' }),
  };
}

/** A producer on the peer and the app's sink over it. */
export async function peerSink(connectionString) {
  const client = new EventHubProducerClient(connectionString, { retryOptions: { maxRetries: 3, retryDelayInMs: 100, timeoutInMs: 30_000 } });
  await client.getEventHubProperties();
  return { client, sink: new EventHubsSink(client) };
}

/** Azurite, with `table(name)` creating a Table in it. */
export async function startStorage() {
  const azurite = await startAzurite();
  return {
    azurite,
    connectionString: azurite.connectionString,
    async table(name) {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
      await client.createTable();
      return client;
    },
    stop: () => azurite.stop(),
  };
}

/** Files that keep nothing (the drain's recent-events sample and delivered-ahead record). */
export const NO_FILES = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };

/** The drain's dependencies over three fresh Tables named after `name`: stream documents, outbox, DLQ. */
export async function drainDeps(storage, name, files = NO_FILES) {
  const docs = await storage.table(`${name}stream`);
  const outboxTable = await storage.table(`${name}outbox`);
  const dlqTable = await storage.table(`${name}dlq`);
  const documents = () => new JsonEntityStore(async () => docs, 'stream');
  return {
    tables: { docs, outbox: outboxTable, dlq: dlqTable },
    deps: {
      state: documents(),
      statistics: documents(),
      breakerState: documents(),
      lease: documents(),
      deadLetters: new TableDeadLetterQueue(async () => dlqTable, files),
      outbox: new TableOutbox(async () => outboxTable),
      files,
      generation: {},
    },
  };
}

/**
 * CPU time (ms) of this process's main thread alone, so the peer on its worker thread does not count: Linux's
 * per-thread counters in /proc (user + system, in clock ticks of 10 ms); null elsewhere.
 */
export function mainThreadCpuMs() {
  return procCpuMs(`/proc/self/task/${process.pid}/stat`);
}

/**
 * Where the CPU goes, read before and after a phase with `cpuSnapshot` and put side by side by `cpuBreakdown`: this
 * process's main thread, its other threads but the peer's (V8's garbage-collector and compiler helpers, libuv's
 * pool), the peer's thread, and Azurite's process. On two cores the four share 2 s of CPU per second.
 */
export async function cpuSnapshot(peer, storage) {
  const processMs = procCpuMs('/proc/self/stat');
  return {
    main: mainThreadCpuMs(),
    process: processMs,
    peer: await peer.cpuMs(),
    azurite: storage.azurite.pid ? procCpuMs(`/proc/${storage.azurite.pid}/stat`) : null,
  };
}

/** "CPU per event: main X, helpers Y, peer Z, Azurite W, in all T µs" between two snapshots. */
export function cpuBreakdown(before, after, events) {
  const per = (ms) => `${((ms * 1000) / events).toFixed(1)}`;
  const delta = (key) => (before[key] === null || after[key] === null ? null : after[key] - before[key]);
  const [main, all, peer, azurite] = ['main', 'process', 'peer', 'azurite'].map(delta);
  if (main === null || all === null || peer === null) return 'CPU per event not measurable here';
  const parts = [`main thread ${per(main)}`, `GC/compiler helpers ${per(all - main - peer)}`, `peer ${per(peer)}`];
  if (azurite !== null) parts.push(`Azurite ${per(azurite)}`);
  return `CPU µs per event: ${parts.join(', ')}; in all ${per(all + (azurite ?? 0))}`;
}
