// Realism report benchmark: seven default-volume days (86 stores, 403,000 customers, 10,000 products;
// 2024-03-04..10, an ordinary week) are generated and written as the blob layout to a temporary folder, then
// the report (src/core/report/) is computed over them through a folder-backed DatasetFiles, and DuckDB runs
// the same scans (the report's columns, every fact table) over the same files beside it for a reference rate.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { encodeTypedParquet } from '../dist/src/core/dataset-parquet.js';
import { encodedDimensionTables } from '../dist/src/core/dimensions/index.js';
import { addDays } from '../dist/src/core/facts/calendar.js';
import { buildFactContext } from '../dist/src/core/facts/context.js';
import { openingBalances } from '../dist/src/core/facts/inventory.js';
import { generateMarketingDay } from '../dist/src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../dist/src/core/facts/region-day.js';
import { factFilePath, MARKETING_UNIT } from '../dist/src/core/generation/historical-job.js';
import { computeRealismReport } from '../dist/src/core/report/realism-report.js';
import { TALLY_COLUMNS } from '../dist/src/core/report/tally.js';
import { masterFilePath } from '../dist/src/core/storage/files.js';

const START = '2024-03-04';
const DAYS = 7;
const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));

/** DatasetFiles over a local folder laid out like the blob container. */
const files = {
  async open() {
    return undefined;
  },
  async write(file, bytes) {
    const target = path.join(folder, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  },
  async read(file) {
    try {
      return new Uint8Array(readFileSync(path.join(folder, file)));
    } catch {
      return undefined;
    }
  },
  async list(prefix) {
    const dir = path.join(folder, prefix);
    let names = [];
    try {
      names = readdirSync(dir, { recursive: true });
    } catch {
      return [];
    }
    return names
      .map((name) => `${prefix}${String(name).split(path.sep).join('/')}`)
      .filter((file) => statSync(path.join(folder, file)).isFile())
      .map((file) => ({ path: file, bytes: statSync(path.join(folder, file)).size }));
  },
  async deletePrefix() {
    return 0;
  },
};

try {
  const config = defaultConfig();
  const generationStart = performance.now();
  for (const dimension of encodedDimensionTables(config)) await files.write(masterFilePath(dimension.table), dimension.parquet);
  const context = buildFactContext(config);
  const balances = new Map(context.regions.map((r) => [r.dcId, openingBalances(config.seed, config.volume, r, context.products.length)]));
  let rows = 0;
  for (let d = 0; d < DAYS; d++) {
    const day = addDays(START, d);
    for (const region of context.regions) {
      const result = generateRegionDay(context, region, day, balances.get(region.dcId));
      for (const table of REGION_TABLES) {
        const builder = result.tables[table];
        rows += builder.rowCount;
        if (builder.rowCount) await files.write(factFilePath(table, day, region.dcId), encodeTypedParquet(builder.typed()));
      }
      balances.set(region.dcId, result.balances);
    }
    const marketing = generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers);
    rows += marketing.rowCount;
    await files.write(factFilePath('fact_marketing', day, MARKETING_UNIT), encodeTypedParquet(marketing.typed()));
  }
  console.log(
    `generated ${DAYS} default-volume days (${START}..${addDays(START, DAYS - 1)}): ${rows.toLocaleString('en-US')} fact rows in ${((performance.now() - generationStart) / 1000).toFixed(1)} s`,
  );

  const reportStart = performance.now();
  const report = await computeRealismReport(files, { start: START, end: addDays(START, DAYS - 1) });
  const reportSeconds = (performance.now() - reportStart) / 1000;
  const rss = process.memoryUsage().rss;

  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const duckStart = performance.now();
  let duckRows = 0;
  for (const [table, columns] of Object.entries(TALLY_COLUMNS)) {
    const glob = path.join(folder, 'facts', table, '*', '*.parquet');
    const result = await duck.runAndReadAll(
      `select count(*), ${columns.map((c) => `count("${c}")`).join(', ')} from read_parquet('${glob}', hive_partitioning=1)`,
    );
    duckRows += Number(result.getRows()[0][0]);
  }
  const duckSeconds = (performance.now() - duckStart) / 1000;

  console.log(`\nrealism report over ${DAYS} default-volume days, ${duckRows.toLocaleString('en-US')} rows in the tables it reads:`);
  console.log(
    `  report (hyparquet, file by file):  ${reportSeconds.toFixed(2)} s, ${Math.round(duckRows / reportSeconds).toLocaleString('en-US')} rows/s, rss ${(rss / 1e6).toFixed(0)} MB`,
  );
  console.log(`  DuckDB scanning the same columns:  ${duckSeconds.toFixed(2)} s, ${Math.round(duckRows / duckSeconds).toLocaleString('en-US')} rows/s`);
  console.log(`  report / DuckDB time: ${(reportSeconds / duckSeconds).toFixed(1)}×`);
  console.log(
    `  sample: ${report.basket.receipts.toLocaleString('en-US')} sales, tender credit ${(report.tender.in_store.CREDIT_CARD?.share * 100).toFixed(1)}%, ` +
      `returns ${(report.returns.value_rate * 100).toFixed(1)}% of sales, stockout rate ${(report.stockouts.rate * 100).toFixed(2)}%`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
