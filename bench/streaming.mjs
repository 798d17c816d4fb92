// Streaming benchmark, all measured in one run against the AMQP test peer and Azurite on this machine:
//  1. raw producer: the @azure/event-hubs client sending full batches straight to the peer (events/s)
//  1b. the app's EventHubsSink alone on the same events, in the drain's bursts, with no outbox (events/s)
//  2. outbox fill: TableOutbox.replace (gzip chunks, batch transactions) into Azurite (events/s)
//  3. full path: outbox -> paced drain -> EventHubsSink -> peer, unthrottled settings, as a ratio of (1) and (1b)
//  4. paced: emit_interval_ms=100, burst=100 (1,000 events/s) for 60 s, achieved rate vs target
import { EventHubProducerClient } from '@azure/event-hubs';
import { EventHubsSink } from '../dist/src/adapters/eventhubs-sink.js';
import { toOutboxEvents } from '../dist/src/adapters/table-outbox.js';
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { newPace } from '../dist/src/core/streaming/pacer.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { appConfigSchema } from '../dist/src/core/config/schema.js';
import { cpuBreakdown, cpuSnapshot, dayEvents, drainDeps, startPeer, startStorage } from './lib/rig.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 60);
const config = appConfigSchema.parse({});

const peer = await startPeer();
const storage = await startStorage();
const retryOptions = { maxRetries: 3, retryDelayInMs: 100, timeoutInMs: 30_000 };
// Real events of a default-volume weekday (the busiest supply regions), in time order.
const events = dayEvents(config, '2026-03-04', 5).events.slice(0, EVENTS);
if (events.length < EVENTS) throw new Error(`the regions made ${events.length} events, fewer than BENCH_EVENTS ${EVENTS}`);
const bytes = events.reduce((sum, e) => sum + JSON.stringify(e.envelope).length, 0);
console.log(`events: ${EVENTS.toLocaleString('en-US')} real events of a default-volume weekday, ~${Math.round(bytes / EVENTS)} bytes each`);

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
let cpuBefore = await cpuSnapshot(peer, storage);
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
console.log(`   ${cpuBreakdown(cpuBefore, await cpuSnapshot(peer, storage), EVENTS)}`);
console.log(`   ${await peer.verify(EVENTS)}`);
await peer.reset();

// 1b. The app's sink alone, as the drain calls it (serialised bodies, max_batch_size per batch, bursts of 20,000 one
// after another) with no outbox: the drain's own cost is the difference between this and phase 3. Phase 1's
// messages are let go first, as the drain's phase lets go of the day's events.
byKey.clear();
const sinkAlone = new EventHubsSink(client);
const outboxEvents = toOutboxEvents(events);
start = performance.now();
cpuBefore = await cpuSnapshot(peer, storage);
for (let i = 0; i < outboxEvents.length; i += 20_000) await sinkAlone.send(outboxEvents.slice(i, i + 20_000), { maxBatchSize: config.realtime.max_batch_size });
await peer.waitForEvents(EVENTS, 120_000);
const sinkRate = EVENTS / ((performance.now() - start) / 1000);
console.log(`1b. EventHubsSink alone -> peer:  ${Math.round(sinkRate).toLocaleString('en-US')} events/s (bursts of 20,000, no outbox)`);
console.log(`   ${cpuBreakdown(cpuBefore, await cpuSnapshot(peer, storage), EVENTS)}`);
console.log(`   ${await peer.verify(EVENTS)}`);
await peer.reset();
outboxEvents.length = 0;

// 2. Outbox fill
const { deps } = await drainDeps(storage, 'bench');
const outbox = deps.outbox;
const state = deps.state;
start = performance.now();
await outbox.replace(events);
const fillRate = EVENTS / ((performance.now() - start) / 1000);
console.log(`2. outbox fill (Azurite):         ${Math.round(fillRate).toLocaleString('en-US')} events/s (target >= 100,000)`);

// 3. Full path, unthrottled. The drain runs as in the app, whose heap holds no day of events meanwhile (phase 4 makes
// its own again), so the garbage collector does not also mark 100,000 events the drain never sees.
events.length = 0;
globalThis.gc?.();
await state.write('state', { ...stoppedState(), status: 'running', emit_interval_ms: 10, burst: 20_000 }, undefined);
const sink = new EventHubsSink(client);
start = performance.now();
cpuBefore = await cpuSnapshot(peer, storage);
while ((await outbox.status(Date.now())).pending_events > 0) await drainOutbox(deps, config, async () => sink, 10_000);
await peer.waitForEvents(EVENTS, 120_000);
const fullRate = EVENTS / ((performance.now() - start) / 1000);
console.log(
  `3. outbox -> drain -> peer:       ${Math.round(fullRate).toLocaleString('en-US')} events/s = ${(fullRate / rawRate).toFixed(2)} of raw, ${(fullRate / sinkRate).toFixed(2)} of the sink alone (target >= 0.5; issue 20: >= 50,000)`,
);
// Claims, decoding, checkpoints and the SDK's send on the main thread; the claims' reads and writes in Azurite.
console.log(`   ${cpuBreakdown(cpuBefore, await cpuSnapshot(peer, storage), EVENTS)}`);
console.log(`   ${await peer.verify(EVENTS)}`);
await peer.reset();

// 4. Paced at 1,000 events/s
await outbox.replace(dayEvents(config, '2026-03-04', 5).events.slice(0, Math.min(EVENTS, 1000 * PACED_SECONDS + 5000)));
// A new schedule, as a new stream's start makes: the unthrottled run above left its own far ahead.
await state.update('state', (s) => ({ ...s, emit_interval_ms: 100, burst: 100, pace: newPace(100, 100, Date.now()) }));
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
peer.stop();
await storage.stop();
process.exit(0);
