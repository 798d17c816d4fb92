// Historical facts benchmark: one ordinary weekday (2024-03-05) and the three pre-Thanksgiving days
// (2024-11-25..27) at the predecessor's shipped volumes (86 stores, 403,000 customers, 10,000 products),
// all regions in one process, generation and Parquet encoding timed separately. The predecessor measured
// ≈680k rows in 33.8 s for the weekday (≈20k rows/s) and 4.0M rows in 212 s for the three days.
// Each range runs twice in one process, the old Parquet path (plain arrays into hyparquet-writer) beside the new
// one (typed columns into src/core/parquet/encoder.ts), and prints both and their ratio; the bytes are the same.
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { encodeTypedParquet } from '../dist/src/core/dataset-parquet.js';
import { APP_VERSION } from '../dist/src/core/version.js';
import { encodeWithLibrary } from './lib/library-encoder.mjs';
import { addDays } from '../dist/src/core/facts/calendar.js';
import { buildFactContext } from '../dist/src/core/facts/context.js';
import { openingBalances } from '../dist/src/core/facts/inventory.js';
import { generateMarketingDay } from '../dist/src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../dist/src/core/facts/region-day.js';

const config = defaultConfig();
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const setupStart = performance.now();
const context = buildFactContext(config);
console.log(`set-up (master data in memory, regions): ${(performance.now() - setupStart).toFixed(0)} ms (predecessor 4.7 s)`);

const createdBy = `retail-datagen ${APP_VERSION}`;
const encoders = {
  old: (builder) => encodeWithLibrary(builder.build(), { createdBy }),
  new: (builder) => encodeTypedParquet(builder.typed()),
};

function runDays(start, days, encode) {
  const balances = new Map(context.regions.map((r) => [r.dcId, openingBalances(config.seed, config.volume, r, context.products.length)]));
  const rows = {};
  let generateMs = 0;
  let encodeMs = 0;
  let bytes = 0;
  for (let d = 0; d < days; d++) {
    const day = addDays(start, d);
    for (const region of context.regions) {
      const t0 = performance.now();
      const result = generateRegionDay(context, region, day, balances.get(region.dcId));
      const t1 = performance.now();
      for (const t of REGION_TABLES) {
        const builder = result.tables[t];
        if (builder.rowCount) bytes += encode(builder).byteLength;
        rows[t] = (rows[t] ?? 0) + builder.rowCount;
      }
      encodeMs += performance.now() - t1;
      generateMs += t1 - t0;
      balances.set(region.dcId, result.balances);
      sample();
    }
    const t0 = performance.now();
    const marketing = generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers);
    const t1 = performance.now();
    bytes += encode(marketing).byteLength;
    encodeMs += performance.now() - t1;
    generateMs += t1 - t0;
    rows.fact_marketing = (rows.fact_marketing ?? 0) + marketing.rowCount;
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return { rows, total, generateMs, encodeMs, bytes };
}

for (const [label, start, days, predecessorRows, predecessorSeconds] of [
  ['ordinary weekday 2024-03-05', '2024-03-05', 1, 680_000, 33.8],
  ['pre-Thanksgiving 2024-11-25..27', '2024-11-25', 3, 4_000_000, 212],
]) {
  const results = { old: runDays(start, days, encoders.old), new: runDays(start, days, encoders.new) };
  console.log(`\n${label}`);
  for (const [table, count] of Object.entries(results.new.rows)) console.log(`  ${table.padEnd(28)} ${count.toLocaleString('en-US').padStart(12)}`);
  const rate = {};
  for (const [path, r] of Object.entries(results)) {
    const seconds = (r.generateMs + r.encodeMs) / 1000;
    rate[path] = r.total / seconds;
    console.log(
      `  ${path} path: ${r.total.toLocaleString('en-US')} rows: generate ${(r.generateMs / 1000).toFixed(2)} s (${Math.round(r.total / (r.generateMs / 1000)).toLocaleString('en-US')} rows/s), ` +
        `Parquet ${(r.encodeMs / 1000).toFixed(2)} s (${Math.round(r.total / (r.encodeMs / 1000)).toLocaleString('en-US')} rows/s), ${(r.bytes / 1e6).toFixed(1)} MB; with Parquet ${Math.round(rate[path]).toLocaleString('en-US')} rows/s`,
    );
  }
  if (results.old.bytes !== results.new.bytes) throw new Error(`old and new paths wrote ${results.old.bytes} and ${results.new.bytes} bytes`);
  const theirs = predecessorRows / predecessorSeconds;
  console.log(
    `  new vs old: Parquet encoding ${(results.old.encodeMs / results.new.encodeMs).toFixed(1)}x, with Parquet ${(rate.new / rate.old).toFixed(1)}x (target >= 1,000,000 rows/s); ` +
      `vs predecessor ${Math.round(theirs).toLocaleString('en-US')} rows/s (without its writes) = ${(rate.new / theirs).toFixed(1)}x`,
  );
}
console.log(`\npeak RSS: ${(peakRss / 1e6).toFixed(0)} MB`);
