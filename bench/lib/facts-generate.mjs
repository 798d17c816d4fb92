// One round of the facts benchmark in a process of its own: for each range (`start:days`, in order, one process
// as bench/facts.mjs runs them), generates every region-day and the marketing day with the compiled core under `root` (the current tree's dist/ or an earlier commit's
// compiled copy, bench/lib/baseline.mjs), encodes each table to Parquet with that tree's own encoder, and prints
// one JSON line: per range, rows per table, wall and CPU milliseconds of generation and of encoding, and a SHA-256
// over every file's bytes in order (two trees with the same hash wrote the same files).
// Usage: node facts-generate.mjs <root> <start day>:<days>[,<start day>:<days>...]
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, rangesText] = process.argv.slice(2);
const core = path.join(root, 'dist', 'src', 'core');
const load = (file) => import(pathToFileURL(path.join(core, file)).href);
const { defaultConfig } = await load('config/schema.js');
const { addDays } = await load('facts/calendar.js');
const { buildFactContext } = await load('facts/context.js');
const { openingBalances } = await load('facts/inventory.js');
const { generateMarketingDay } = await load('facts/marketing.js');
const { generateRegionDay, REGION_TABLES } = await load('facts/region-day.js');
// The Parquet writer's entry moved (dimensions/parquet.js before the file renames, dataset-parquet.js after).
const { encodeTypedParquet } = await load(existsSync(path.join(core, 'dataset-parquet.js')) ? 'dataset-parquet.js' : 'dimensions/parquet.js');

const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const config = defaultConfig();
const context = buildFactContext(config);
function runRange(start, days) {
  const balances = new Map(context.regions.map((r) => [r.dcId, openingBalances(config.seed, config.volume, r, context.products.length)]));
  const hash = createHash('sha256');
  const rows = {};
  const time = { generateMs: 0, generateCpuMs: 0, encodeMs: 0, encodeCpuMs: 0 };
  let bytes = 0;
  const encode = (builder) => {
    const file = encodeTypedParquet(builder.typed());
    hash.update(file);
    bytes += file.byteLength;
  };
  const timed = (phase, run) => {
    const wall = performance.now();
    const spent = cpu();
    const result = run();
    time[`${phase}Ms`] += performance.now() - wall;
    time[`${phase}CpuMs`] += cpu() - spent;
    return result;
  };
  for (let d = 0; d < days; d++) {
    const day = addDays(start, d);
    for (const region of context.regions) {
      const result = timed('generate', () => generateRegionDay(context, region, day, balances.get(region.dcId)));
      timed('encode', () => {
        for (const t of REGION_TABLES) if (result.tables[t].rowCount) encode(result.tables[t]);
      });
      for (const t of REGION_TABLES) rows[t] = (rows[t] ?? 0) + result.tables[t].rowCount;
      balances.set(region.dcId, result.balances);
    }
    const marketing = timed('generate', () =>
      generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers),
    );
    timed('encode', () => encode(marketing));
    rows.fact_marketing = (rows.fact_marketing ?? 0) + marketing.rowCount;
  }
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  return { start, days, rows, total, ...time, bytes, sha256: hash.digest('hex') };
}

const ranges = rangesText.split(',').map((range) => range.split(':'));
const results = ranges.map(([start, days]) => runRange(start, Number(days)));
console.log(JSON.stringify({ ranges: results, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
