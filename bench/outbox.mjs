// Outbox benchmark against Azurite, on the compiled app (`npx tsc -p tsconfig.json` first; `npm run bench`
// does it). What the outbox itself costs, apart from any hub (the peer path is figure 3 of streaming.mjs):
//  1. append: TableOutbox.replace (gzip chunks, sharded partitions, batch transactions), events/s
//  2. drain to a null sink: claim + decode + checkpoint + mark sent, unthrottled — the outbox's own ceiling
//  3. drain to the Blob sink (NDJSON append blobs in Azurite), unthrottled, events/s
//  4. the same with two drains overlapping on one outbox: events/s, and every event exactly once
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../dist/src/local/azurite.js';
import { TableOutbox, EVENTS_PER_CHUNK, SHARDS } from '../dist/src/adapters/table-outbox.js';
import { BlobEventSink } from '../dist/src/adapters/blob-event-sink.js';
import { JsonEntityStore } from '../dist/src/adapters/json-entity.js';
import { TableDeadLetterQueue } from '../dist/src/adapters/table-dead-letters.js';
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { appConfigSchema } from '../dist/src/core/config/schema.js';
import { dayEvents } from './lib/rig.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const config = appConfigSchema.parse({});
const rate = (count, ms) => `${Math.round(count / (ms / 1000)).toLocaleString('en-US')} events/s`;

const azurite = await startAzurite();
const tables = [];
async function table(name) {
  const client = TableClient.fromConnectionString(azurite.connectionString, `${name}${Math.random().toString(36).slice(2, 8)}`, {
    allowInsecureConnection: true,
  });
  await client.createTable();
  tables.push(client);
  return client;
}
const noFiles = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };

async function streamingDeps(outbox) {
  const docs = await table('benchstream');
  const state = new JsonEntityStore(async () => docs, 'stream');
  // Unthrottled: 20,000 events per 10 ms tick is far above what either side can do.
  await state.write('state', { ...stoppedState(), status: 'running', emit_interval_ms: 10, burst: 20_000 }, undefined);
  const dlq = await table('benchdlq');
  return {
    state,
    statistics: new JsonEntityStore(async () => docs, 'stream'),
    breakerState: new JsonEntityStore(async () => docs, 'stream'),
    deadLetters: new TableDeadLetterQueue(async () => dlq, noFiles),
    outbox,
    files: noFiles,
    generation: {},
  };
}

async function drainAll(deps, sinks) {
  const start = performance.now();
  while ((await deps.outbox.status(Date.now())).pending_events > 0) {
    await Promise.all(sinks.map((sink) => drainOutbox(deps, config, async () => sink, 10_000)));
  }
  return performance.now() - start;
}

// Real events of a default-volume weekday (the busiest supply regions), in time order.
const events = dayEvents(config, '2026-03-04', 5).events.slice(0, EVENTS);
if (events.length < EVENTS) throw new Error(`the regions made ${events.length} events, fewer than BENCH_EVENTS ${EVENTS}`);
const bytes = events.reduce((sum, e) => sum + JSON.stringify(e.envelope).length, 0);
console.log(`events: ${EVENTS.toLocaleString('en-US')} of ~${Math.round(bytes / EVENTS)} bytes; ${EVENTS_PER_CHUNK} events per chunk, ${SHARDS} shards`);

// 1. Append
const outboxTable = await table('benchoutbox');
const outbox = new TableOutbox(async () => outboxTable);
let start = performance.now();
const filled = await outbox.replace(events);
const appendMs = performance.now() - start;
console.log(
  `1. append (replace) into Azurite:   ${rate(EVENTS, appendMs)} (${filled.chunks} chunks, ${(bytes / filled.chunks / 1024).toFixed(0)} KiB raw per chunk)`,
);

// 2. Drain to a null sink
const nullSink = { kind: 'blob', send: async (batch) => ({ bytes: batch.reduce((s, e) => s + e.body.length, 0), batches: 1 }) };
let deps = await streamingDeps(outbox);
console.log(`2. drain -> null sink:              ${rate(EVENTS, await drainAll(deps, [nullSink]))}`);

// 3. Drain to the Blob sink
const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`events-${Math.random().toString(36).slice(2, 8)}`);
await container.createIfNotExists();
const blobSink = () => new BlobEventSink(async () => container, 'local', 'bench');
await outbox.replace(events);
deps = await streamingDeps(outbox);
console.log(`3. drain -> Blob sink (NDJSON):     ${rate(EVENTS, await drainAll(deps, [blobSink()]))}`);

// 4. Two overlapping drains to the Blob sink, and a check that each event was written once
const overlapContainer = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
  `events-${Math.random().toString(36).slice(2, 8)}`,
);
await overlapContainer.createIfNotExists();
await outbox.replace(events);
deps = await streamingDeps(outbox);
start = performance.now();
const overlapMs = await drainAll(deps, [
  new BlobEventSink(async () => overlapContainer, 'a', 'bench'),
  new BlobEventSink(async () => overlapContainer, 'b', 'bench'),
]);
const ids = new Set();
let lines = 0;
for await (const blob of overlapContainer.listBlobsFlat()) {
  for (const line of (await overlapContainer.getBlobClient(blob.name).downloadToBuffer()).toString('utf8').split('\n')) {
    if (!line) continue;
    lines++;
    ids.add(JSON.parse(line).event_id);
  }
}
console.log(
  `4. two overlapping drains -> Blob:  ${rate(EVENTS, overlapMs)} (${ids.size.toLocaleString('en-US')} distinct of ${lines.toLocaleString('en-US')} lines written)`,
);

await Promise.all(tables.map((client) => client.deleteTable().catch(() => undefined)));
await azurite.stop();
process.exit(0);
