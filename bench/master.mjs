// Master data benchmark: the predecessor's shipped volumes (86 stores, 20 DCs, 403,000 customers, 10,000
// products). Prints per table: generation time, Parquet encoding time (src/core/parquet/index.ts), rows/s and
// bytes; then totals, peak RSS, the ratio against the predecessor's measured 17 s (master
// generation including its DataFrames, excluding its DuckDB write, same volumes, 2-core machine), the old
// path beside it (customers' text as strings into hyparquet-writer, in a fresh process), a check that both
// customer generators write the same file, and the upload of the six files to Blob storage on Azurite.
// Run after `npx tsc -p tsconfig.json` (npm run bench builds first).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobDatasetFiles } from '../dist/src/adapters/blob-dataset-files.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { generateDimensionTables } from '../dist/src/core/dimensions/index.js';
import { selectGeographies } from '../dist/src/core/dimensions/places.js';
import { createHash } from 'node:crypto';
import { customersTableAsStrings } from './lib/customers-strings.mjs';
import { APP_VERSION } from '../dist/src/core/version.js';
import { encodeWithLibrary } from './lib/library-encoder.mjs';
import { encodeParquet } from '../dist/src/core/parquet/index.js';
import { masterFilePath, PARQUET_CONTENT_TYPE } from '../dist/src/core/storage/files.js';
import { startAzurite } from '../dist/src/local/azurite.js';

const PREDECESSOR_SECONDS = 17;
const LIBRARY_MODE = '--library-strings';
const config = defaultConfig();

// The old path: customers' text as one JavaScript string a value (bench/lib/customers-strings.mjs), every table
// into hyparquet-writer. Prints its generation and encoding milliseconds.
if (process.argv[2] === LIBRARY_MODE) {
  let generateMs = 0;
  let encodeMs = 0;
  let ourEncoderMs = 0; // the new encoder on the same strings: the step between the two paths
  let start = performance.now();
  for (const generated of generateDimensionTables(config)) {
    let table = generated;
    if (table.name === 'dim_customers') {
      start = performance.now(); // the new generator's time does not count: the old one's replaces it
      table = customersTableAsStrings(config.seed, config.volume, selectGeographies(config.seed, config.volume));
    }
    const t = performance.now();
    generateMs += t - start;
    encodeWithLibrary(table, { createdBy: `retail-datagen ${APP_VERSION}` });
    const encoded = performance.now();
    encodeMs += encoded - t;
    encodeParquet(table);
    ourEncoderMs += performance.now() - encoded;
    start = performance.now();
  }
  console.log(JSON.stringify({ generateMs, encodeMs, ourEncoderMs }));
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

// The old path in a fresh process, so that neither path inherits the other's flattened strings or warmed-up code.
const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), LIBRARY_MODE], { encoding: 'utf8' });
if (child.status !== 0) throw new Error(`old path failed: ${child.stderr}`);
const old = JSON.parse(child.stdout.trim());
console.log(
  `generation, old path (customers' text as strings, bench/lib/customers-strings.mjs): ${seconds(old.generateMs)} s; new (UTF-8 bytes, src/core/utf8-strings.ts): ${seconds(generateMs)} s (${(old.generateMs / generateMs).toFixed(1)}x)`,
);
console.log(
  `Parquet, old path (hyparquet-writer on strings): ${seconds(old.encodeMs)} s; new (src/core/parquet/encoder.ts): ${seconds(encodeMs)} s (${(old.encodeMs / encodeMs).toFixed(1)}x)`,
);
console.log(
  `master data with Parquet, strings into src/core/parquet/encoder.ts (the path before src/core/utf8-strings.ts): ${seconds(old.generateMs + old.ourEncoderMs)} s`,
);
console.log(
  `master data with Parquet: old ${seconds(old.generateMs + old.encodeMs)} s, new ${seconds(inMemoryMs)} s (${((old.generateMs + old.encodeMs) / inMemoryMs).toFixed(1)}x; target: under 1 s)`,
);
// Both customer generators must make the same file, or the comparison above would be of different work.
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const asStrings = encodeParquet(customersTableAsStrings(config.seed, config.volume, selectGeographies(config.seed, config.volume)));
const customersFile = files.find((f) => f.name === 'dim_customers').parquet;
if (sha256(asStrings) !== sha256(customersFile)) throw new Error('dim_customers differs between the string and the UTF-8 generator');
console.log(`dim_customers from both generators: the same bytes (SHA-256 ${sha256(customersFile).slice(0, 16)}...)`);

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
