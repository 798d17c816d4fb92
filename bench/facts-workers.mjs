// Historical facts end to end: 14 days at the shipped volumes written as Parquet to Azurite (region-day units, as
// the queue workers do), with 1 worker and with 2 worker processes sharing the regions. Prints end-to-end rows/s
// (issue target >= 250k rows/s) and the speed-up of 2 workers over 1 (target >= 1.6x) on this 2-core machine.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../dist/src/local/azurite.js';
import { buildFactContext } from '../dist/src/core/facts/context.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';

const DAYS = Number(process.env.BENCH_FACT_DAYS ?? 14);
const START = '2024-03-04';
const azurite = await startAzurite();
const regions = buildFactContext(defaultConfig()).regions.map((r) => r.dcId);
const worker = fileURLToPath(new URL('./lib/facts-worker.mjs', import.meta.url));

function runWorker(prefix, share) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], {
      env: { ...process.env, STORAGE: azurite.connectionString, PREFIX: prefix, REGIONS: share.join(','), START, DAYS: String(DAYS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out).rows) : reject(new Error(`worker exited ${code}`))));
  });
}

async function run(label, prefix, workers) {
  const shares = Array.from({ length: workers }, (_, w) => regions.filter((_, i) => i % workers === w));
  const start = performance.now();
  const rows = (await Promise.all(shares.map((share) => runWorker(prefix, share)))).reduce((a, b) => a + b, 0);
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label}: ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s end to end (Parquet in Azurite)`);
  return seconds;
}

console.log(`${DAYS} days from ${START}, ${regions.length} supply regions, shipped volumes`);
const one = await run('1 worker ', 'benchone', 1);
const two = await run('2 workers', 'benchtwo', 2);
console.log(`2 workers vs 1: ${(one / two).toFixed(2)}x (target >= 1.6x)`);
await azurite.stop();
process.exit(0);
