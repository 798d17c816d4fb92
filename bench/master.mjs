// Master data benchmark: generates the predecessor's shipped volumes (86 stores, 20 DCs, 403,000 customers,
// 10,000 products) and encodes Parquet, printing rows/s per table, totals, peak RSS and the ratio against
// the predecessor's measured 17 s (reference §9: master generation without its DuckDB write, same volumes).
import { generateDimensionTables } from '../dist/src/core/dimensions/index.js';
import { encodeParquet } from '../dist/src/core/dimensions/parquet.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';

const PREDECESSOR_SECONDS = 17;
const config = defaultConfig();
let peakRss = process.memoryUsage().rss;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const totalStart = performance.now();
let generateMs = 0;
let encodeMs = 0;
let bytes = 0;
let rows = 0;
console.log('table                      rows   generate ms  encode ms      rows/s    parquet bytes');
let start = performance.now();
for (const table of generateDimensionTables(config)) {
  const generated = performance.now();
  sample();
  const parquet = encodeParquet(table);
  const encoded = performance.now();
  sample();
  const ms = encoded - start;
  generateMs += generated - start;
  encodeMs += encoded - generated;
  bytes += parquet.byteLength;
  rows += table.rowCount;
  console.log(
    `${table.name.padEnd(24)} ${String(table.rowCount).padStart(8)} ${(generated - start).toFixed(0).padStart(11)} ${(encoded - generated).toFixed(0).padStart(10)} ${Math.round(table.rowCount / (ms / 1000)).toLocaleString('en-US').padStart(11)} ${parquet.byteLength.toLocaleString('en-US').padStart(16)}`,
  );
  start = performance.now();
}
const seconds = (performance.now() - totalStart) / 1000;
console.log(`\ntotal: ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s (generate ${(generateMs / 1000).toFixed(2)} s, Parquet ${(encodeMs / 1000).toFixed(2)} s), ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, ${(bytes / 1e6).toFixed(1)} MB Parquet`);
console.log(`peak RSS: ${(peakRss / 1e6).toFixed(0)} MB`);
console.log(`vs predecessor (${PREDECESSOR_SECONDS} s without writing): ${(PREDECESSOR_SECONDS / seconds).toFixed(1)}x faster including Parquet encoding; ${(PREDECESSOR_SECONDS / (generateMs / 1000)).toFixed(1)}x on generation alone`);
