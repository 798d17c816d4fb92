// Streaming start benchmark, at the default business size (`npm start`'s settings): how long start takes to
// answer, how long until the first event reaches the sink, and whether the stream waits at the day rollover.
// The real path: startStreaming records the stream and queues the day's units; two generation "instances"
// (worker threads running the queue worker's runStreamUnit) write them into the TableOutbox in Azurite while
// drainOutbox runs as the timer runs it (a 4.5-s budget every 5 s) into EventHubsSink -> the AMQP test peer.
// The stream is paced at BENCH_STREAM_RATE events/s (default 5,000) so a default-volume day (about 1 M events)
// lasts a few minutes: the next day must be written before the first is used up. Targets: start < 1 s, first
// event < 10 s, no gap at the rollover (the next day ready before it is needed).
import { Worker } from 'node:worker_threads';
import { JsonEntityStore } from '../dist/src/adapters/json-entity.js';
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { readStreamState, startStreaming } from '../dist/src/core/streaming/control.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { masterFingerprint } from '../dist/src/core/generation/master-job.js';
import { GenerationStateStore } from '../dist/src/core/generation/state.js';
import { drainDeps, peerSink, startPeer, startStorage } from './lib/rig.mjs';

const RATE = Number(process.env.BENCH_STREAM_RATE ?? 5_000);
const GENERATORS = 2;
const TIMER_MS = 5_000;
const BUDGET_MS = 4_500;
const HISTORY_END = '2026-03-03';
const config = defaultConfig();

const peer = await startPeer();
const storage = await startStorage();
const files = new Map();
const memoryFiles = {
  write: async (path, bytes) => void files.set(path, bytes),
  read: async (path) => files.get(path),
  open: async () => undefined,
  list: async () => [],
  deletePrefix: async () => 0,
};
const { deps: drain, tables } = await drainDeps(storage, 'start', memoryFiles);
const docs = tables.docs;
const outboxTable = tables.outbox;
const generation = new GenerationStateStore(new JsonEntityStore(async () => docs, 'generation'));
await generation.update((s) => {
  s.master = { generated_at: '', operation_id: 'bench', seed: config.seed, config_fingerprint: masterFingerprint(config), tables: {} };
  s.facts = { start_date: HISTORY_END, end_date: HISTORY_END, last_run: '', tables: {} };
});

// The generation queue: units wait here until a generator is free, as queue messages wait for an instance.
const queue = [];
const idle = [];
const unitLog = [];
let retries = 0;
const dispatch = () => {
  while (queue.length > 0 && idle.length > 0) idle.shift().postMessage({ type: 'unit', message: queue.shift() });
};
const generators = await Promise.all(
  Array.from({ length: GENERATORS }, (_, index) => {
    const worker = new Worker(new URL('./lib/unit-worker.mjs', import.meta.url), {
      workerData: {
        connectionString: storage.connectionString,
        streamTable: docs.tableName,
        outboxTable: outboxTable.tableName,
        historyEnd: HISTORY_END,
        seedHistory: index === 0,
      },
    });
    worker.on('message', (m) => {
      if (m.type === 'file') files.set(m.path, m.bytes);
      if (m.type === 'read') worker.postMessage({ type: 'file-read', id: m.id, bytes: files.get(m.path) ?? null });
      if (m.type === 'enqueue') {
        queue.push(m.message);
        dispatch();
      }
      if (m.type === 'unit-failed') {
        retries++;
        queue.push(m.message);
        idle.push(worker);
        dispatch();
      }
      if (m.type === 'unit-done') {
        unitLog.push({ at: Date.now(), ...m });
        idle.push(worker);
        dispatch();
      }
    });
    return new Promise((resolve) =>
      worker.once('message', () => {
        idle.push(worker);
        resolve(worker);
      }),
    );
  }),
);

const deps = {
  ...drain,
  generation,
  enqueue: async (message) => {
    queue.push(message);
    dispatch();
  },
};
const { client, sink } = await peerSink(peer.connectionString);
const runConfig = { ...config, realtime: { ...config.realtime, max_batch_size: 1000, batch_timeout_ms: 10_000, max_buffer_size: 50_000 } };
const interval = 100;
const burst = Math.round((RATE * interval) / 1000);

const requested = Date.now();
await startStreaming(deps, runConfig, { emit_interval_ms: interval, burst });
const answered = Date.now();
console.log(
  `start answered in ${answered - requested} ms (target < 1000 ms; core startStreaming on Azurite, ${queue.length + GENERATORS - idle.length} units queued)`,
);

// Samples of (time, events at the sink, streamed day), taken while the drains run.
const samples = [];
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    samples.push({ at: Date.now(), count: await peer.count(), day: (await readStreamState(deps)).day });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
})();

let rolledAt;
const firstDay = (await readStreamState(deps)).day;
const limit = answered + Number(process.env.BENCH_STREAM_MAX_SECONDS ?? 600) * 1000;
for (let tick = 0; ; tick++) {
  const wait = answered + tick * TIMER_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await drainOutbox(deps, runConfig, async () => sink, BUDGET_MS);
  const state = await readStreamState(deps);
  if (!rolledAt && state.day !== firstDay) rolledAt = Date.now();
  if (state.status !== 'running') throw new Error(`the stream stopped: ${state.status} ${state.error}`);
  // Ten seconds of the second day are enough to see whether it went on without a wait.
  if ((rolledAt && Date.now() - rolledAt > 10_000) || Date.now() > limit) break;
}
sampling = false;
await sampler;

const first = samples.find((s) => s.count > 0);
console.log(`first event at the sink ${first ? `${((first.at - answered) / 1000).toFixed(1)} s` : 'never'} after start answered (target < 10 s)`);
const state = await readStreamState(deps);
const firstDayUnits = unitLog.filter((u) => u.message.day === firstDay);
const nextDayUnits = unitLog.filter((u) => u.message.day !== firstDay && u.message.day === state.day);
const dayWritten = Math.max(...firstDayUnits.map((u) => u.at));
const nextWritten = nextDayUnits.length ? Math.max(...nextDayUnits.map((u) => u.at)) : undefined;
console.log(
  `units: ${firstDay} written ${((dayWritten - answered) / 1000).toFixed(1)} s after start (${firstDayUnits.length} units, slowest ${Math.max(...firstDayUnits.map((u) => u.ms))} ms) by ${GENERATORS} generators, ${retries} unit tries repeated after a storage error`,
);
if (!rolledAt) {
  console.log(`rollover: none within the time limit (day ${state.day}); no gap measured`);
} else {
  // The longest time without a new event at the sink around the rollover, beside the timer's own pause
  // (drains of 4.5 s every 5 s leave 0.5 s without sending).
  const around = samples.filter((s) => s.at >= rolledAt - 30_000 && s.at <= rolledAt + 10_000);
  let longest = 0;
  let lastIncrease = around[0]?.at ?? rolledAt;
  for (let i = 1; i < around.length; i++) {
    if (around[i].count > around[i - 1].count) {
      longest = Math.max(longest, around[i].at - lastIncrease);
      lastIncrease = around[i].at;
    }
  }
  // Events at the sink over the minute around the rollover, beside a minute of the day before it: what falls due
  // during the rollover is owed and caught up by the next bursts (a rollover to a ready day forgives nothing).
  const countAt = (at) => samples.filter((s) => s.at <= at).at(-1)?.count ?? 0;
  const windowEnd = Math.min(rolledAt + 30_000, samples.at(-1)?.at ?? rolledAt);
  const windowStart = windowEnd - 60_000;
  const rateOver = (from, to) => (countAt(to) - countAt(from)) / ((to - from) / 1000);
  const minuteRate = rateOver(windowStart, windowEnd);
  // The same drains' rate in the minute that ends 30 s before that one, for the ratio.
  const earlierRate = rateOver(windowStart - 90_000, windowStart - 30_000);
  console.log(
    `the minute around the rollover: ${Math.round(minuteRate).toLocaleString('en-US')} events/s at the sink, a minute of the day 30 s before it ` +
      `${Math.round(earlierRate).toLocaleString('en-US')} events/s (${(minuteRate / earlierRate).toFixed(3)}x; ${RATE.toLocaleString('en-US')} configured)`,
  );
  const lead = nextWritten ? (rolledAt - nextWritten) / 1000 : NaN;
  console.log(
    `rollover ${firstDay} -> ${state.day} at ${((rolledAt - answered) / 1000).toFixed(1)} s: next day written ${lead.toFixed(1)} s before it was needed; ` +
      `longest pause at the sink around it ${(longest / 1000).toFixed(1)} s (timer pause ${(TIMER_MS - BUDGET_MS) / 1000} s; target: no wait for the day)`,
  );
}
const sent = samples.at(-1)?.count ?? 0;
console.log(
  `sent ${sent.toLocaleString('en-US')} events in ${((Date.now() - answered) / 1000).toFixed(0)} s at ${RATE.toLocaleString('en-US')} events/s configured`,
);
await client.close();
for (const worker of generators) await worker.terminate();
peer.stop();
await storage.stop();
process.exit(0);
