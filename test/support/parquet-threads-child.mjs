// The Parquet encoder threads' side of test/unit/parquet-threads.test.ts: the compiled dist/ (where the worker file is
// beside its module, so the threads are used) generates one day of the given config and encodes every fact table
// through `encodeOffThread`, then a malformed table. Prints one JSON line: the pool size, each file's SHA-256 by
// `<table>/<region>`, whether the columns left for the thread (transferred, so the caller's views are empty), and
// the message of the malformed table's rejection.
// Usage: node parquet-threads-child.mjs <config JSON> <day>
import { createHash } from 'node:crypto';
import { buildFactContext } from '../../dist/src/core/facts/context.js';
import { openingBalances } from '../../dist/src/core/facts/inventory.js';
import { generateMarketingDay } from '../../dist/src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../dist/src/core/facts/region-day.js';
import { encodeOffThread, encodeThreads } from '../../dist/src/core/generation/parquet-threads.js';

const [configJson, day] = process.argv.slice(2);
const config = JSON.parse(configJson);
const context = buildFactContext(config);
const pending = [];
const tables = [];
const encode = (key, builder) => {
  const table = builder.typed();
  tables.push(table);
  const encoding = encodeOffThread(table);
  pending.push(encoding.then((bytes) => [key, createHash('sha256').update(bytes).digest('hex')]));
};
for (const region of context.regions) {
  const result = generateRegionDay(context, region, day, openingBalances(config.seed, config.volume, region, context.products.length));
  for (const table of REGION_TABLES) if (result.tables[table].rowCount > 0) encode(`${table}/${region.dcId}`, result.tables[table]);
}
encode('fact_marketing/network', generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers));
const files = Object.fromEntries(await Promise.all(pending));
// Each table is posted when a thread is free for it; by now all were.
const detached = tables.every((table) => table.columns.every((c) => (c.type === 'STRING' ? c.codes : c.values).byteLength === 0));
const malformed = { rowCount: 3, columns: [{ name: 'qty', type: 'INT32', nullable: true, values: new Int32Array(2), nulls: null }] };
const error = await encodeOffThread(malformed).then(
  () => null,
  (e) => (e instanceof Error ? e.message : `not an Error: ${String(e)}`),
);
console.log(JSON.stringify({ threads: encodeThreads()?.size ?? null, files, detached, error }));
