// Parquet encoder candidates side by side on our own tables: every fact file of an ordinary weekday (2024-03-05,
// all supply regions and marketing, shipped volumes) and the six master tables. Each candidate encodes the same
// tables in the same process, alternating, best of BENCH_PARQUET_ROUNDS (default 2) rounds against the noise of
// a shared 2-core machine; every file is read back (hyparquet metadata: row count) so a candidate cannot win
// by writing less. Candidates:
//   old         the previous path: plain arrays (Dates, strings as UTF-8 views) into hyparquet-writer
//   lib-typed   hyparquet-writer fed typed columns end to end (Int32/Float64 arrays, BigInt64Array timestamps,
//               text as shared UTF-8 views from the dictionary codes): the library itself, fed at its best
//   ours        src/core/parquet/encoder.ts on the builders' typed columns (byte-identical to old)
//   parquet-wasm  Rust parquet (arrow-rs) in WebAssembly, through an Arrow table (apache-arrow) and IPC
//   duckdb      @duckdb/node-api: data chunks into a table, COPY ... (FORMAT parquet, COMPRESSION snappy)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, DOUBLE, INTEGER, VARCHAR, DuckDBDataChunk } from '@duckdb/node-api';
import { Table as ArrowTable, Utf8, Int32, Float64, TimestampMillisecond, vectorFromArray, tableToIPC } from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import * as wasm from 'parquet-wasm/node';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { generateDimensionTables } from '../dist/src/core/dimensions/index.js';
import { encodeParquet, encodeTypedParquet } from '../dist/src/core/dataset-parquet.js';
import { buildFactContext } from '../dist/src/core/facts/context.js';
import { openingBalances } from '../dist/src/core/facts/inventory.js';
import { generateMarketingDay } from '../dist/src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../dist/src/core/facts/region-day.js';
import { Utf8Strings } from '../dist/src/core/utf8-strings.js';
import { APP_VERSION } from '../dist/src/core/version.js';
import { encodeWithLibrary } from './lib/library-encoder.mjs';

const ROUNDS = Number(process.env.BENCH_PARQUET_ROUNDS ?? 2);
const createdBy = `retail-datagen ${APP_VERSION}`;
const config = defaultConfig();
const number = (n) => Math.round(n).toLocaleString('en-US');
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const rowsIn = (bytes) => Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).num_rows);

// --- The tables -------------------------------------------------------------------------------------------------
const context = buildFactContext(config);
const facts = [];
for (const region of context.regions) {
  const day = generateRegionDay(context, region, '2024-03-05', openingBalances(config.seed, config.volume, region, context.products.length));
  for (const t of REGION_TABLES) if (day.tables[t].rowCount) facts.push(day.tables[t]);
}
facts.push(generateMarketingDay(config.seed, '2024-03-05', config.volume.marketing_impressions_per_day, config.volume.total_customers));
const factRows = facts.reduce((sum, b) => sum + b.rowCount, 0);
const factPlain = facts.map((b) => b.build());
const master = [...generateDimensionTables(config)];
const masterRows = master.reduce((sum, t) => sum + t.rowCount, 0);
// The old path had every text column as strings: dim_customers' columns built as UTF-8 bytes
// (src/core/utf8-strings.ts) are handed to it as the strings they hold, converted before the timing.
const masterStrings = master.map((table) => ({
  ...table,
  columns: table.columns.map((column) => (column.data instanceof Utf8Strings ? { ...column, data: column.data.toArray() } : column)),
}));

// --- Candidates ---------------------------------------------------------------------------------------------------
const encoder = new TextEncoder();

/** hyparquet-writer with typed columns: what the library can do when nothing per row is left to convert. */
function libraryTyped(builder) {
  const typed = builder.typed();
  const schema = [{ name: 'root', num_children: typed.columns.length }];
  const columnData = typed.columns.map((c) => {
    if (c.type === 'STRING') {
      schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
      const views = c.dictionary.map((s) => encoder.encode(s));
      return { name: c.name, data: Array.from(c.codes, (code) => (code < 0 ? null : views[code])) };
    }
    if (c.type === 'TIMESTAMP') {
      schema.push({ name: c.name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' });
      if (!c.nulls) return { name: c.name, data: BigInt64Array.from(c.values, (v) => BigInt(v)) };
      return { name: c.name, data: Array.from(c.values, (v, i) => (c.nulls[i] ? null : BigInt(v))) };
    }
    schema.push({ name: c.name, type: c.type, repetition_type: 'OPTIONAL' });
    return { name: c.name, data: c.nulls ? Array.from(c.values, (v, i) => (c.nulls[i] ? null : v)) : c.values };
  });
  // A typed TIMESTAMP column is declared INT64 so the library writes the BigInt64Array without converting it.
  for (const element of schema) if (element.converted_type === 'TIMESTAMP_MILLIS') delete element.converted_type;
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, codec: 'SNAPPY', createdBy, rowGroupSize: 100_000 }));
}

const wasmProperties = () =>
  new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY).setMaxRowGroupSize(100_000).setCreatedBy(createdBy).build();
const ARROW_TYPES = { INT32: () => new Int32(), DOUBLE: () => new Float64(), STRING: () => new Utf8(), TIMESTAMP: () => new TimestampMillisecond() };

function parquetWasm(plain) {
  const vectors = Object.fromEntries(
    plain.columns.map((c) => [
      c.name,
      vectorFromArray(c.data instanceof Int32Array || c.data instanceof Float64Array ? Array.from(c.data) : c.data, ARROW_TYPES[c.type]()),
    ]),
  );
  const ipc = tableToIPC(new ArrowTable(vectors), 'stream');
  return wasm.writeParquet(wasm.Table.fromIPCStream(ipc), wasmProperties());
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-parquet-'));
const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const DUCK_TYPES = { INT32: INTEGER, DOUBLE: DOUBLE, STRING: VARCHAR, TIMESTAMP: DOUBLE };
let duckFile = 0;

async function duckdb(plain) {
  const name = `t${duckFile++}`;
  const columns = plain.columns;
  await duck.run(
    `create table ${name} (${columns.map((c) => `"${c.name}" ${c.type === 'STRING' ? 'VARCHAR' : c.type === 'INT32' ? 'INTEGER' : 'DOUBLE'}`).join(', ')})`,
  );
  const appender = await duck.createAppender(name);
  const types = columns.map((c) => DUCK_TYPES[c.type]);
  for (let start = 0; start < plain.rowCount; start += 2048) {
    const end = Math.min(plain.rowCount, start + 2048);
    const chunk = DuckDBDataChunk.create(types, end - start);
    columns.forEach((c, i) => {
      const slice = Array.prototype.slice.call(c.data, start, end);
      chunk.setColumnValues(i, c.type === 'TIMESTAMP' ? slice.map((d) => (d === null ? null : d.getTime())) : slice);
    });
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  const file = path.join(folder, `${name}.parquet`);
  const select = columns.map((c) => (c.type === 'TIMESTAMP' ? `epoch_ms(cast("${c.name}" as bigint)) as "${c.name}"` : `"${c.name}"`)).join(', ');
  await duck.run(`copy (select ${select} from ${name}) to '${file}' (format parquet, compression snappy, row_group_size 100000)`);
  await duck.run(`drop table ${name}`);
  return new Uint8Array(readFileSync(file));
}

const candidates = [
  ['old (hyparquet-writer, plain arrays)', (i) => encodeWithLibrary(factPlain[i], { createdBy })],
  ['hyparquet-writer, typed columns', (i) => libraryTyped(facts[i])],
  ['ours (typed columns)', (i) => encodeTypedParquet(facts[i].typed())],
  ['parquet-wasm (arrow-rs)', (i) => parquetWasm(factPlain[i])],
  ['duckdb (COPY to parquet)', (i) => duckdb(factPlain[i])],
];

async function timeCandidate(run, count, expectedRows) {
  const cpu = cpuMs();
  const wall = performance.now();
  const outputs = [];
  for (let i = 0; i < count; i++) outputs.push(await run(i));
  const result = { wall: performance.now() - wall, cpu: cpuMs() - cpu, bytes: outputs.reduce((s, b) => s + b.byteLength, 0), outputs };
  const rows = outputs.reduce((s, b) => s + rowsIn(b), 0);
  if (rows !== expectedRows) throw new Error(`a candidate wrote ${rows} rows, expected ${expectedRows}`);
  return result;
}

console.log(`ordinary weekday: ${facts.length} fact files, ${number(factRows)} rows; best of ${ROUNDS} rounds, candidates alternating`);
const best = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, run] of candidates) {
    const r = await timeCandidate(run, facts.length, factRows);
    const previous = best.get(label);
    if (!previous || r.wall < previous.wall) best.set(label, r);
  }
}
const old = best.get(candidates[0][0]);
console.log('candidate                               wall ms   cpu ms   rows/s (wall)   vs old   MB     same bytes as old');
for (const [label] of candidates) {
  const r = best.get(label);
  const same = r.outputs.every((b, i) => Buffer.from(b).equals(Buffer.from(old.outputs[i])));
  console.log(
    `${label.padEnd(38)} ${r.wall.toFixed(0).padStart(8)} ${r.cpu.toFixed(0).padStart(8)} ${number(factRows / (r.wall / 1000)).padStart(15)} ${(old.wall / r.wall).toFixed(1).padStart(7)}x ${(r.bytes / 1e6).toFixed(1).padStart(6)}   ${same ? 'yes' : 'no'}`,
  );
}

// Master data: the old path and ours on the six dimension tables (as the generators make them).
let masterOld = Infinity;
let masterOurs = Infinity;
let masterSame = true;
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  const a = masterStrings.map((table) => encodeWithLibrary(table, { createdBy }));
  masterOld = Math.min(masterOld, performance.now() - t);
  t = performance.now();
  const b = master.map((table) => encodeParquet(table));
  masterOurs = Math.min(masterOurs, performance.now() - t);
  masterSame &&= a.every((bytes, i) => Buffer.from(bytes).equals(Buffer.from(b[i])));
}
console.log(
  `\nmaster data (${number(masterRows)} rows, 6 files), encode only: old ${masterOld.toFixed(0)} ms, ours ${masterOurs.toFixed(0)} ms = ${(masterOld / masterOurs).toFixed(1)}x, same bytes: ${masterSame ? 'yes' : 'no'}`,
);
duck.closeSync();
rmSync(folder, { recursive: true, force: true });
