/**
 * src/core/parquet/index.ts: every column type reads back (hyparquet and DuckDB), the bytes depend only on the
 * input (also in another process), and the output is byte-identical to hyparquet-writer's own string path.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { generateDimensionTables } from '../../src/core/dimensions/index.js';
import type { ColumnarTable } from '../../src/core/columnar-table.js';
import { Utf8Strings } from '../../src/core/utf8-strings.js';
import { encodeParquet, type ParquetTable } from '../../src/core/parquet/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const folder = mkdtempSync(path.join(os.tmpdir(), 'parquet-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const readRows = (bytes: Uint8Array) => parquetReadObjects({ file: arrayBuffer(bytes) });

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** One column of every type, with nulls, non-ASCII text and repeated values. */
const sample: ParquetTable = {
  rowCount: 4,
  columns: [
    { name: 'id', type: 'INT32', data: Int32Array.from([1, 2, 3, 4]), nullable: false },
    { name: 'big', type: 'INT64', data: BigInt64Array.from([1n, -2n, 9_007_199_254_740_993n, 0n]) },
    { name: 'price', type: 'DOUBLE', data: Float64Array.from([1.5, 0.01, -3.25, 1e9]) },
    { name: 'flag', type: 'BOOLEAN', data: [true, false, null, true] },
    { name: 'city', type: 'STRING', data: ['Zoë', '東京 🚚', null, 'Zoë'] },
    { name: 'at', type: 'TIMESTAMP', data: [new Date('2024-03-05T13:45:10.250Z'), null, day('2024-01-01'), day('1999-12-31')] },
    { name: 'launch', type: 'DATE', data: [day('2024-03-05'), day('1970-01-01'), null, day('2030-12-31')] },
  ],
};

describe('encodeParquet', () => {
  it('reads back every type, null and non-ASCII value with hyparquet', async () => {
    const rows = await readRows(encodeParquet(sample));
    expect(rows).toEqual([
      { id: 1, big: 1n, price: 1.5, flag: true, city: 'Zoë', at: new Date('2024-03-05T13:45:10.250Z'), launch: day('2024-03-05') },
      { id: 2, big: -2n, price: 0.01, flag: false, city: '東京 🚚', at: null, launch: day('1970-01-01') },
      { id: 3, big: 9_007_199_254_740_993n, price: -3.25, flag: null, city: null, at: day('2024-01-01'), launch: null },
      { id: 4, big: 0n, price: 1e9, flag: true, city: 'Zoë', at: day('1999-12-31'), launch: day('2030-12-31') },
    ]);
  });

  it('declares the requested physical and logical types, required only when asked, and a fixed writer name', () => {
    const metadata = parquetMetadata(arrayBuffer(encodeParquet(sample)));
    expect(metadata.created_by).toBe('retail-datagen');
    expect(metadata.key_value_metadata ?? []).toEqual([]);
    const columns = metadata.schema.slice(1).map((e) => [e.name, e.type, e.converted_type ?? null, e.repetition_type]);
    expect(columns).toEqual([
      ['id', 'INT32', null, 'REQUIRED'],
      ['big', 'INT64', null, 'OPTIONAL'],
      ['price', 'DOUBLE', null, 'OPTIONAL'],
      ['flag', 'BOOLEAN', null, 'OPTIONAL'],
      ['city', 'BYTE_ARRAY', 'UTF8', 'OPTIONAL'],
      ['at', 'INT64', 'TIMESTAMP_MILLIS', 'OPTIONAL'],
      ['launch', 'INT32', 'DATE', 'OPTIONAL'],
    ]);
    expect(metadata.row_groups[0]!.columns.every((c) => c.meta_data?.codec === 'SNAPPY')).toBe(true);
  });

  it('keeps long and many text values intact across its buffer growth', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? null : `${'é'.repeat(i % 50)}row ${i} ${'x'.repeat(i % 2000)}`));
    const rows = await readRows(encodeParquet({ rowCount: values.length, columns: [{ name: 'text', type: 'STRING', data: values }] }));
    expect(rows.map((r) => r.text)).toEqual(values);
    // A lone surrogate is written as U+FFFD (as TextEncoder does), so it and a real U+FFFD are one value.
    const odd = ['a\uD800', 'a\uFFFD', null, 'a\uD800', 'b'];
    const oddBytes = encodeParquet({ rowCount: odd.length, columns: [{ name: 'text', type: 'STRING', data: odd }] });
    expect((await readRows(oddBytes)).map((r) => r.text)).toEqual(['a\uFFFD', 'a\uFFFD', null, 'a\uFFFD', 'b']);
    // The library handed UTF-8 bytes (as this app did before its own encoder) keys values by bytes too.
    const library = parquetWriteBuffer({
      schema: [
        { name: 'root', num_children: 1 },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
      columnData: [{ name: 'text', data: odd.map((v) => (v === null ? null : new TextEncoder().encode(v))) }],
      codec: 'SNAPPY',
      createdBy: 'retail-datagen',
      rowGroupSize: 100_000,
    });
    expect(sha256(oddBytes)).toBe(sha256(new Uint8Array(library)));
  });

  it('splits into fixed row groups of 100,000 rows', () => {
    const rowCount = 250_001;
    const metadata = parquetMetadata(arrayBuffer(encodeParquet({ rowCount, columns: [{ name: 'n', type: 'INT32', data: new Int32Array(rowCount) }] })));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([100_000, 100_000, 50_001]);
  });

  it('rejects a column whose length differs from the row count, a null in a required column, numbers as text', () => {
    expect(() => encodeParquet({ rowCount: 3, columns: [{ name: 'a', type: 'INT32', data: Int32Array.from([1, 2]) }] })).toThrow(
      /column a has 2 values for 3 rows/,
    );
    expect(() => encodeParquet({ rowCount: 2, columns: [{ name: 'a', type: 'STRING', data: ['x', null], nullable: false }] })).toThrow();
    expect(() => encodeParquet({ rowCount: 1, columns: [{ name: 's', type: 'STRING', data: Int32Array.from([1]) }] })).toThrow(
      /s is STRING but not an array of strings/,
    );
  });
});

describe('determinism and compatibility', () => {
  const config = appConfigSchema.parse({ seed: 42, volume: { total_customers: 20_000, total_products: 2_000 } });
  const tables = [...generateDimensionTables(config)];

  it('is a drop-in for hyparquet-writer given the strings: byte-identical files for every dimension table', () => {
    // The library's own path (strings in, one TextEncoder call per value), as the app encoded until now.
    const reference = (table: ColumnarTable) =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: table.columns.map((c) => ({
            name: c.name,
            data: c.data instanceof Utf8Strings ? c.data.toArray() : (c.data as unknown[]),
            type: c.type,
          })),
          codec: 'SNAPPY',
          createdBy: 'retail-datagen',
          rowGroupSize: 100_000,
        }),
      );
    for (const table of tables) expect(sha256(encodeParquet(table)), table.name).toBe(sha256(reference(table)));
  });

  it('gives the same bytes in a separate process (compiled dist/)', () => {
    const modules = ['dist/src/core/parquet/index.js', 'dist/src/core/dimensions/index.js', 'dist/src/core/config/schema.js'].map((file) =>
      path.join(root, file),
    );
    for (const file of modules) expect(existsSync(file), `${file} missing: run npx tsc -p tsconfig.json first`).toBe(true);
    const script = `
      const { encodeParquet } = await import(${JSON.stringify(modules[0])});
      const { generateDimensionTables } = await import(${JSON.stringify(modules[1])});
      const { appConfigSchema } = await import(${JSON.stringify(modules[2])});
      const { createHash } = await import('node:crypto');
      const config = appConfigSchema.parse({ seed: 42, volume: { total_customers: 20000, total_products: 2000 } });
      const out = {};
      for (const t of generateDimensionTables(config)) out[t.name] = createHash('sha256').update(encodeParquet(t)).digest('hex');
      console.log(JSON.stringify(out));`;
    const child = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, string>;
    expect(child).toEqual(Object.fromEntries(tables.map((t) => [t.name, sha256(encodeParquet(t))])));
  });

  it('is read by DuckDB with the declared SQL types and the same values', async () => {
    const file = path.join(folder, 'sample.parquet');
    writeFileSync(file, encodeParquet(sample));
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const described = await connection.runAndReadAll(`describe select * from '${file}'`);
    expect(described.getRows().map((row) => `${String(row[0])}:${String(row[1])}`)).toEqual([
      'id:INTEGER',
      'big:BIGINT',
      'price:DOUBLE',
      'flag:BOOLEAN',
      'city:VARCHAR',
      'at:TIMESTAMP',
      'launch:DATE',
    ]);
    const values = await connection.runAndReadAll(
      `select city, strftime("at", '%Y-%m-%d %H:%M:%S.%g'), strftime(launch, '%Y-%m-%d'), big from '${file}' order by id`,
    );
    expect(values.getRows().map((row) => row.map((v) => (v === null ? null : String(v))))).toEqual([
      ['Zoë', '2024-03-05 13:45:10.250', '2024-03-05', '1'],
      ['東京 🚚', null, '1970-01-01', '-2'],
      [null, '2024-01-01 00:00:00.000', null, '9007199254740993'],
      ['Zoë', '1999-12-31 00:00:00.000', '2030-12-31', '0'],
    ]);
    const customers = tables.find((t) => t.name === 'dim_customers')!;
    const customersFile = path.join(folder, 'dim_customers.parquet');
    writeFileSync(customersFile, encodeParquet(customers));
    const summary = await connection.runAndReadAll(`select count(*), count(distinct LoyaltyCard), min(ID), max(ID) from '${customersFile}'`);
    expect(summary.getRows()[0]!.map(Number)).toEqual([20_000, 20_000, 1, 20_000]);
    connection.closeSync();
  });
});
