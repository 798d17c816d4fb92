// Historical facts end to end: 14 days at the shipped volumes written as Parquet to Azurite (region-day units, as
// the queue workers do), with 1 worker and with 2 worker processes sharing the regions. Prints end-to-end rows/s
// (issue targets >= 600k rows/s with 1 worker, 2 workers >= 1.6x of 1) on this 2-core machine. Each worker runs
// units through generateUnit with BENCH_UNITS_IN_FLIGHT (default 2) units at once, as the host hands a queue batch
// to one instance, so one unit's tables encode on the encoder threads while the next generates; 1 worker is also
// run the way it ran before the encoder threads (encoding inline, one unit at a time) for the ratio.
// Each run gets a fresh in-memory Azurite: one that still holds the first run's ~1 GB of blobs is slower for the
// second run (its heap and GC grow), which would bias the comparison against whichever runs second.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../dist/src/local/azurite.js';
import { procCpuMs } from './lib/proc-cpu.mjs';
import { buildFactContext } from '../dist/src/core/facts/context.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { addDays } from '../dist/src/core/facts/calendar.js';

const DAYS = Number(process.env.BENCH_FACT_DAYS ?? 14);
const UNITS_IN_FLIGHT = Number(process.env.BENCH_UNITS_IN_FLIGHT ?? 2);
/** Node flags of the worker processes (BENCH_NODE_FLAGS), e.g. to compare heap settings. */
const WORKER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const START = '2024-03-04';
const regions = buildFactContext(defaultConfig()).regions.map((r) => r.dcId);
const worker = fileURLToPath(new URL('./lib/facts-worker.mjs', import.meta.url));

/**
 * Hands out (region, day) units the way the generation queue does: a region's next day becomes available when
 * its previous day has landed (days chain through the carried inventory), and an idle worker takes the
 * available unit of the region with the most days left, so the long chains start first.
 */
function dispatch(azurite, prefix, workers, { inFlight, inline }) {
  const next = new Map(regions.map((r) => [r, 0]));
  const busy = new Set();
  let rows = 0;
  let running = workers;
  workerCpu = 0;
  return new Promise((resolve, reject) => {
    const take = () => {
      const free = regions.filter((r) => !busy.has(r) && next.get(r) < DAYS).sort((a, b) => next.get(a) - next.get(b));
      if (free.length === 0) return null;
      const region = free[0];
      busy.add(region);
      const day = addDays(START, next.get(region));
      next.set(region, next.get(region) + 1);
      return { region, day };
    };
    const children = [];
    const sent = new Map();
    let finished = false;
    // Tops every worker up to `inFlight` units; when every unit has landed, tells them all to stop.
    const feed = () => {
      for (const child of children) {
        while (sent.get(child) < inFlight) {
          const unit = take();
          if (!unit) break;
          sent.set(child, sent.get(child) + 1);
          child.send(unit);
        }
      }
      if (!finished && [...next.values()].every((d) => d >= DAYS) && busy.size === 0) {
        finished = true;
        for (const child of children) child.send('done');
      }
    };
    let ready = 0;
    for (let w = 0; w < workers; w++) {
      const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, worker], {
        env: { ...process.env, STORAGE: azurite.connectionString, PREFIX: prefix, START, DAYS: String(DAYS), INLINE_PARQUET: inline ? '1' : '0' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      sent.set(child, 0);
      child.on('message', (message) => {
        if (message.cpuSeconds !== undefined) {
          workerCpu += message.cpuSeconds;
          return;
        }
        if (message.ready) {
          // Every worker is up before the first unit goes out, so the units spread as the queue spreads them.
          if (++ready === workers) feed();
          return;
        }
        rows += message.rows;
        busy.delete(message.region);
        sent.set(child, sent.get(child) - 1);
        // A finished unit may free the next day of its region for any worker.
        feed();
      });
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`worker exited ${code}`));
        else if (--running === 0) resolve(rows);
      });
    }
  });
}

/** CPU seconds (all threads) of the workers of the current run, reported by each as it exits. */
let workerCpu = 0;

/** CPU seconds a process has used so far (Linux /proc), or NaN where there is no /proc. */
function processCpuSeconds(pid) {
  return (procCpuMs(`/proc/${pid}/stat`) ?? Number.NaN) / 1000;
}

async function run(label, prefix, workers, options = { inFlight: UNITS_IN_FLIGHT, inline: false }) {
  const azurite = await startAzurite();
  const azuriteBefore = processCpuSeconds(azurite.pid);
  const start = performance.now();
  const rows = await dispatch(azurite, prefix, workers, options);
  const seconds = (performance.now() - start) / 1000;
  const azuriteCpu = processCpuSeconds(azurite.pid) - azuriteBefore;
  await azurite.stop();
  console.log(
    `${label}: ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s end to end (Parquet in Azurite)`,
  );
  console.log(
    `           CPU: workers ${workerCpu.toFixed(1)} s + Azurite ${azuriteCpu.toFixed(1)} s = ${((workerCpu + azuriteCpu) / seconds).toFixed(2)} of ${availableParallelism()} cores busy on average`,
  );
  return { seconds, rate: rows / seconds };
}

console.log(`${DAYS} days from ${START}, ${regions.length} supply regions, shipped volumes`);
const before = await run('1 worker, inline encoding, 1 unit at a time (before the encoder threads)', 'benchinline', 1, { inFlight: 1, inline: true });
const one = await run(`1 worker, encoder threads, ${UNITS_IN_FLIGHT} units in flight`, 'benchone', 1);
console.log(`1 worker pipelined vs before: ${(one.rate / before.rate).toFixed(2)}x (target >= 600,000 rows/s)`);
const two = await run(`2 workers, encoder threads, ${UNITS_IN_FLIGHT} units in flight each`, 'benchtwo', 2);
console.log(`2 workers vs 1: ${(one.seconds / two.seconds).toFixed(2)}x (target >= 1.6x)`);
process.exit(0);
