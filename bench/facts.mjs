// Historical facts benchmark: one ordinary weekday (2024-03-05) and the three pre-Thanksgiving days
// (2024-11-25..27) at the predecessor's shipped volumes (86 stores, 403,000 customers, 10,000 products),
// all regions in one process, generation and Parquet encoding timed separately. The predecessor measured
// ≈680k rows in 33.8 s for the weekday (≈20k rows/s) and 4.0M rows in 212 s for the three days (reference §9).
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { encodeParquet } from '../dist/src/core/dimensions/parquet.js';
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

function runDays(start, days) {
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
      const built = REGION_TABLES.map((t) => result.tables[t].build());
      const t1 = performance.now();
      for (const table of built) if (table.rowCount) bytes += encodeParquet(table).byteLength;
      encodeMs += performance.now() - t1;
      generateMs += t1 - t0;
      for (const table of built) rows[table.name] = (rows[table.name] ?? 0) + table.rowCount;
      balances.set(region.dcId, result.balances);
      sample();
    }
    const t0 = performance.now();
    const marketing = generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers).build();
    const t1 = performance.now();
    bytes += encodeParquet(marketing).byteLength;
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
  const r = runDays(start, days);
  const seconds = (r.generateMs + r.encodeMs) / 1000;
  console.log(`\n${label}`);
  for (const [table, count] of Object.entries(r.rows)) console.log(`  ${table.padEnd(28)} ${count.toLocaleString('en-US').padStart(12)}`);
  console.log(`  total ${r.total.toLocaleString('en-US')} rows: generate ${(r.generateMs / 1000).toFixed(2)} s (${Math.round(r.total / (r.generateMs / 1000)).toLocaleString('en-US')} rows/s), Parquet ${(r.encodeMs / 1000).toFixed(2)} s, ${(r.bytes / 1e6).toFixed(1)} MB`);
  const ours = r.total / seconds;
  const theirs = predecessorRows / predecessorSeconds;
  console.log(`  with Parquet: ${Math.round(ours).toLocaleString('en-US')} rows/s vs predecessor ${Math.round(theirs).toLocaleString('en-US')} rows/s (without its writes) = ${(ours / theirs).toFixed(1)}x`);
}
console.log(`\npeak RSS: ${(peakRss / 1e6).toFixed(0)} MB`);
