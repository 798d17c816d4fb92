// Streaming benchmark, all measured in one run against the AMQP test peer and Azurite on this machine:
//  1. raw producer: the @azure/event-hubs client sending full batches straight to the peer (events/s)
//  2. outbox fill: TableOutbox.replace (gzip chunks, batch transactions) into Azurite (events/s)
//  3. full path: outbox -> paced drain -> EventHubsSink -> peer, unthrottled settings, as a ratio of (1)
//  4. paced: emit_interval_ms=100, burst=100 (1,000 events/s) for 60 s, achieved rate vs target
import { EventHubProducerClient } from '@azure/event-hubs';
import { TableClient } from '@azure/data-tables';
import { Worker } from 'node:worker_threads';
import { startAzurite } from '../dist/src/local/azurite.js';
import { TableOutbox } from '../dist/src/adapters/table-outbox.js';
import { JsonEntityStore } from '../dist/src/adapters/json-entity.js';
import { EventHubsSink } from '../dist/src/adapters/eventhubs-sink.js';
import { TableDeadLetterQueue } from '../dist/src/adapters/table-dead-letters.js';
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { appConfigSchema } from '../dist/src/core/config/schema.js';
import { makeEvents } from './lib/events.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 60);
const config = appConfigSchema.parse({});

// The peer runs in a worker thread: producer and peer each get a core, as a real client and hub would.
const worker = new Worker(new URL('./lib/peer-worker.mjs', import.meta.url));
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
const peer = {
  connectionString: (await ask('ready')).connectionString,
  async waitForEvents(count, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await ask('count')).count >= count) return;
      if (Date.now() > deadline) throw new Error(`peer received fewer than ${count} events`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  },
  reset: () => ask('reset'),
  stop: () => worker.postMessage({ type: 'stop' }),
};
const azurite = await startAzurite();
const retryOptions = { maxRetries: 3, retryDelayInMs: 100, timeoutInMs: 30_000 };
const events = makeEvents(EVENTS);
const bodies = events.map((e) => ({ at: e.at, partitionKey: e.envelope.partition_key, eventType: e.envelope.event_type, body: JSON.stringify(e.envelope) }));
console.log(`events: ${EVENTS.toLocaleString('en-US')} of ~${Math.round(bodies.reduce((s, b) => s + b.body.length, 0) / EVENTS)} bytes`);

// 1. Raw producer
const client = new EventHubProducerClient(peer.connectionString, { retryOptions });
await client.getEventHubProperties();
// The bare SDK: full batches per partition key, all keys concurrently.
const byKey = new Map();
for (const e of events) {
  const list = byKey.get(e.envelope.partition_key) ?? [];
  list.push({ body: e.envelope, contentType: 'application/json', messageId: e.envelope.event_id });
  byKey.set(e.envelope.partition_key, list);
}
let start = performance.now();
await Promise.all(
  [...byKey].map(async ([partitionKey, list]) => {
    let batch = await client.createBatch({ partitionKey });
    for (const data of list) {
      if (batch.tryAdd(data)) continue;
      await client.sendBatch(batch);
      batch = await client.createBatch({ partitionKey });
      batch.tryAdd(data);
    }
    if (batch.count > 0) await client.sendBatch(batch);
  }),
);
await peer.waitForEvents(EVENTS, 120_000);
const rawRate = EVENTS / ((performance.now() - start) / 1000);
console.log(`1. raw producer -> peer:          ${Math.round(rawRate).toLocaleString('en-US')} events/s (target >= 100,000)`);
await peer.reset();

// 2. Outbox fill
const outboxTable = TableClient.fromConnectionString(azurite.connectionString, 'benchoutbox', { allowInsecureConnection: true });
await outboxTable.createTable();
const outbox = new TableOutbox(async () => outboxTable);
start = performance.now();
await outbox.replace(events);
const fillRate = EVENTS / ((performance.now() - start) / 1000);
console.log(`2. outbox fill (Azurite):         ${Math.round(fillRate).toLocaleString('en-US')} events/s (target >= 100,000)`);

// 3. Full path, unthrottled
const docs = TableClient.fromConnectionString(azurite.connectionString, 'benchstream', { allowInsecureConnection: true });
await docs.createTable();
const state = new JsonEntityStore(async () => docs, 'stream');
const statistics = new JsonEntityStore(async () => docs, 'stream');
const files = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };
const dlqTable = TableClient.fromConnectionString(azurite.connectionString, 'benchdlq', { allowInsecureConnection: true });
await dlqTable.createTable();
const deps = {
  state,
  statistics,
  breakerState: new JsonEntityStore(async () => docs, 'stream'),
  deadLetters: new TableDeadLetterQueue(async () => dlqTable, files),
  outbox,
  files,
  generation: {},
};
await state.write('state', { ...stoppedState(), status: 'running', emit_interval_ms: 10, burst: 20_000 }, undefined);
const sink = new EventHubsSink(client);
start = performance.now();
while ((await outbox.status(Date.now())).pending_events > 0) await drainOutbox(deps, config, async () => sink, 10_000);
await peer.waitForEvents(EVENTS, 120_000);
const fullRate = EVENTS / ((performance.now() - start) / 1000);
console.log(
  `3. outbox -> drain -> peer:       ${Math.round(fullRate).toLocaleString('en-US')} events/s = ${(fullRate / rawRate).toFixed(2)} of raw (target >= 0.5)`,
);
await peer.reset();

// 4. Paced at 1,000 events/s
await outbox.replace(events.slice(0, Math.min(EVENTS, 1000 * PACED_SECONDS + 5000)));
await state.update('state', (s) => ({ ...s, emit_interval_ms: 100, burst: 100 }));
start = performance.now();
let sent = 0;
while (performance.now() - start < PACED_SECONDS * 1000) {
  const budget = Math.min(5_000, PACED_SECONDS * 1000 - (performance.now() - start));
  sent += (await drainOutbox(deps, config, async () => sink, budget)).sent;
}
const pacedSeconds = (performance.now() - start) / 1000;
const pacedRate = sent / pacedSeconds;
console.log(
  `4. paced 1,000 events/s, ${pacedSeconds.toFixed(1)} s: ${pacedRate.toFixed(1)} events/s (${((pacedRate / 1000 - 1) * 100).toFixed(1)}% off target, goal within 5%)`,
);

await client.close();
await peer.stop();
await azurite.stop();
process.exit(0);
