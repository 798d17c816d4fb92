// Master data benchmark: the predecessor's shipped volumes (86 stores, 20 DCs, 403,000 customers, 10,000
// products). Prints per table: generation time, Parquet encoding time (src/core/parquet/index.ts), rows/s and
// bytes; then totals, peak RSS, the ratio against the predecessor's measured 17 s (master
// generation including its DataFrames, excluding its DuckDB write, same volumes, 2-core machine), the
// library's own string path for comparison, and the upload of the six files to Blob storage on Azurite.
// Run after `npx tsc -p tsconfig.json` (npm run bench builds first).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobDatasetFiles } from '../dist/src/adapters/blob-dataset-files.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { generateDimensionTables } from '../dist/src/core/dimensions/index.js';
import { APP_VERSION } from '../dist/src/core/version.js';
import { encodeWithLibrary } from './lib/library-encoder.mjs';
import { encodeParquet } from '../dist/src/core/parquet/index.js';
import { masterFilePath, PARQUET_CONTENT_TYPE } from '../dist/src/core/storage/files.js';
import { startAzurite } from '../dist/src/local/azurite.js';

const PREDECESSOR_SECONDS = 17;
const LIBRARY_MODE = '--library-strings';
const config = defaultConfig();

if (process.argv[2] === LIBRARY_MODE) {
  let ms = 0;
  for (const table of generateDimensionTables(config)) {
    const t = performance.now();
    encodeWithLibrary(table, { createdBy: `retail-datagen ${APP_VERSION}` });
    ms += performance.now() - t;
  }
  console.log(ms.toFixed(0));
  process.exit(0);
}
// The kernel's high-water mark, so peaks inside long synchronous steps count too.
const peakRssMb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);
const seconds = (ms) => (ms / 1000).toFixed(2);
const number = (n) => Math.round(n).toLocaleString('en-US');

console.log(
  `seed ${config.seed}, ${number(config.volume.total_customers)} customers, ${number(config.volume.total_products)} products, ${config.volume.stores} stores`,
);
console.log('table                        rows  generate ms  encode ms   gen rows/s  total rows/s  parquet bytes');
const files = [];
let generateMs = 0;
let encodeMs = 0;
let rows = 0;
const totalStart = performance.now();
let start = performance.now();
for (const table of generateDimensionTables(config)) {
  const generated = performance.now();
  const parquet = encodeParquet(table);
  const encoded = performance.now();
  generateMs += generated - start;
  encodeMs += encoded - generated;
  rows += table.rowCount;
  files.push({ name: table.name, parquet });
  console.log(
    `${table.name.padEnd(24)} ${String(table.rowCount).padStart(8)} ${(generated - start).toFixed(0).padStart(12)} ${(encoded - generated).toFixed(0).padStart(10)}` +
      ` ${number(table.rowCount / ((generated - start) / 1000)).padStart(12)} ${number(table.rowCount / ((encoded - start) / 1000)).padStart(13)} ${number(parquet.byteLength).padStart(14)}`,
  );
  start = performance.now();
}
const inMemoryMs = performance.now() - totalStart;
const bytes = files.reduce((sum, f) => sum + f.parquet.byteLength, 0);
console.log(
  `\nin memory: ${number(rows)} rows in ${seconds(inMemoryMs)} s (generate ${seconds(generateMs)} s, Parquet ${seconds(encodeMs)} s), ${number(rows / (inMemoryMs / 1000))} rows/s, ${(bytes / 1e6).toFixed(1)} MB Parquet`,
);
console.log(`peak RSS (generate + encode): ${peakRssMb()} MB`);
console.log(
  `vs predecessor (${PREDECESSOR_SECONDS} s, no write): ${(PREDECESSOR_SECONDS / (generateMs / 1000)).toFixed(1)}x on generation, ` +
    `${(PREDECESSOR_SECONDS / (inMemoryMs / 1000)).toFixed(1)}x with Parquet encoding (target: under 1.5 s)`,
);

// The old path (plain arrays into hyparquet-writer, text as shared UTF-8 views), in a fresh process so that
// neither encoder inherits the other's flattened strings or warmed-up code.
const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), LIBRARY_MODE], { encoding: 'utf8' });
const libraryMs = Number(child.stdout.trim());
console.log(
  `Parquet, old path (hyparquet-writer): ${seconds(libraryMs)} s; new (src/core/parquet/encoder.ts): ${seconds(encodeMs)} s (${(libraryMs / encodeMs).toFixed(1)}x; bench/parquet.mjs checks they write the same bytes)`,
);
console.log(`master data with Parquet: old ${seconds(generateMs + libraryMs)} s, new ${seconds(inMemoryMs)} s (target: under 1 s)`);

// Upload to Blob storage on an in-memory Azurite, through the app's adapter (4 parallel blocks per file).
const azurite = await startAzurite();
try {
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const container = service.getContainerClient('bench-master');
  await container.createIfNotExists();
  const target = new BlobDatasetFiles(async () => container);
  const uploadStart = performance.now();
  await Promise.all(files.map((f) => target.write(masterFilePath(f.name), f.parquet, PARQUET_CONTENT_TYPE)));
  const uploadMs = performance.now() - uploadStart;
  const stored = (await target.list('master/')).reduce((sum, f) => sum + f.bytes, 0);
  if (stored !== bytes) throw new Error(`Blob holds ${stored} bytes under master/, expected ${bytes}`);
  console.log(
    `Blob upload (Azurite, in memory): ${(bytes / 1e6).toFixed(1)} MB in ${seconds(uploadMs)} s; generate + encode + upload ${seconds(inMemoryMs + uploadMs)} s (target: under 5 s)`,
  );
} finally {
  await azurite.stop();
}
console.log(`peak RSS (whole run): ${peakRssMb()} MB`);
