// End-to-end streaming with one and with two drain processes, in one run: real events of a default-volume weekday
// go into the Table outbox (Azurite), then drain processes (test/support/drain-child.mjs, each a separate Node
// process over dist/, taking the drain lease as every drain path does) send them to the AMQP test peer, which runs
// in a worker thread here. Prints events/s from the first drain's start until the peer holds every event, for each
// run, and their ratio. Every drain takes the one lease, so a second process is a standby, not a second sender:
// the ratio shows what it costs or gains (README "Streaming": how the stream scales).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonEntityStore } from '../dist/src/adapters/json-entity.js';
import { TableOutbox } from '../dist/src/adapters/table-outbox.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { dayEvents, startPeer, startStorage } from './lib/rig.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WANTED = Number(process.env.BENCH_DRAIN_EVENTS ?? 60_000);

const made = dayEvents(defaultConfig(), '2026-03-04');
const events = made.events.slice(0, WANTED);
console.log(`events: ${events.length.toLocaleString('en-US')} real events of a default-volume weekday (${made.regions} supply regions)`);

const peer = await startPeer();
const storage = await startStorage();

async function run(processes, label) {
  const docs = await storage.table(`drainsstream${processes}`);
  const outboxTable = await storage.table(`drainsoutbox${processes}`);
  const dlqTable = await storage.table(`drainsdlq${processes}`);
  await new TableOutbox(async () => outboxTable).replace(events);
  // Unthrottled: a schedule far above what the path takes, so the rate measured is the path's.
  await new JsonEntityStore(async () => docs, 'stream').write(
    'state',
    { ...stoppedState(), status: 'running', emit_interval_ms: 10, burst: 20_000 },
    undefined,
  );
  await peer.ask('reset');
  const env = {
    ...process.env,
    STORAGE: storage.connectionString,
    OUTBOX_TABLE: outboxTable.tableName,
    STREAM_TABLE: docs.tableName,
    DLQ_TABLE: dlqTable.tableName,
    PEER: peer.connectionString,
    BUDGET_MS: '4500',
    CLAIM_TTL_MS: '35000',
    REALTIME: JSON.stringify({ retry_attempts: 3, max_batch_size: 1000, batch_timeout_ms: 30_000 }),
  };
  const start = performance.now();
  const children = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, [path.join(here, '../test/support/drain-child.mjs')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
  }
  const deadline = Date.now() + 300_000;
  while ((await peer.count()) < events.length) {
    if (Date.now() > deadline) throw new Error(`${label}: the peer did not get every event within 300 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - start) / 1000;
  const received = await peer.count();
  await Promise.all(children.map((child) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')))));
  const rate = events.length / seconds;
  console.log(
    `${label.padEnd(22)} ${Math.round(rate).toLocaleString('en-US').padStart(8)} events/s  (${seconds.toFixed(1)} s, ${received.toLocaleString('en-US')} received, process start-up included)`,
  );
  return rate;
}

const one = await run(1, 'one drain process');
const two = await run(2, 'two drain processes');
console.log(
  `two / one: ${(two / one).toFixed(2)} (one lease: the second process takes over when the first lets go or dies, it does not send at the same time)`,
);
peer.stop();
await storage.stop();
process.exit(0);
