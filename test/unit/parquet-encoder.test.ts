/**
 * src/core/parquet/encoder.ts against two independent implementations: hyparquet-writer must write the same
 * bytes for the same values (random tables of every type: nulls, NaN, -0, repeats and uniques, long text that
 * splits pages, several row groups, required columns), and hyparquet must read every value back. Snappy alone is
 * held to the library's compressor on random bytes.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { snappyCompress as librarySnappy } from 'hyparquet-writer/src/snappy.js';
import type { SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { encodeTypedParquet } from '../../src/core/dataset-parquet.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import { encodeParquet, type ParquetColumn, type ParquetTable } from '../../src/core/parquet/index.js';
import { snappyCompress } from '../../src/core/parquet/snappy.js';
import { APP_VERSION } from '../../src/core/version.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** The library's own path for the same table: UTF-8 bytes for text, Dates for timestamps, plain arrays. */
function libraryBytes(table: ParquetTable, rowGroupSize: number, createdBy = 'test'): Uint8Array {
  const encoder = new TextEncoder();
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  const columnData = table.columns.map((c) => {
    const repetition_type = c.nullable === false ? 'REQUIRED' : 'OPTIONAL';
    if (c.type === 'STRING') schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type });
    else if (c.type === 'TIMESTAMP') schema.push({ name: c.name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type });
    else if (c.type === 'DATE') schema.push({ name: c.name, type: 'INT32', converted_type: 'DATE', repetition_type });
    else schema.push({ name: c.name, type: c.type, repetition_type });
    const data = c.type === 'STRING' ? (c.data as (string | null)[]).map((v) => (v === null ? null : encoder.encode(v))) : c.data;
    return { name: c.name, data: data as unknown[] };
  });
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, codec: 'SNAPPY', createdBy, rowGroupSize }));
}

/** A column of `rows` values drawn from a small or large pool, with a share of nulls. */
function columnArbitrary(rows: number, index: number): fc.Arbitrary<ParquetColumn> {
  const withNulls = <T>(value: fc.Arbitrary<T>, nullable: boolean) => (nullable ? fc.option(value, { nil: null, freq: 4 }) : value);
  return fc
    .record({
      type: fc.constantFrom('INT32', 'INT64', 'DOUBLE', 'BOOLEAN', 'STRING', 'TIMESTAMP', 'DATE'),
      nullable: fc.boolean(),
      pool: fc.constantFrom(1, 3, 40, 2_000, 100_000), // 2,000 puts a 1,000-value sample near the library's 90% cut
      long: fc.boolean(),
    })
    .chain(({ type, nullable, pool, long }): fc.Arbitrary<ParquetColumn> => {
      const name = `c${index}`;
      const pick = fc.integer({ min: 0, max: pool - 1 });
      switch (type) {
        case 'INT32':
          return fc
            .array(
              withNulls(
                pick.map((v) => v * 7919 - 50_000),
                nullable,
              ),
              { minLength: rows, maxLength: rows },
            )
            .map((data) => ({ name, type, nullable, data }));
        case 'INT64':
          return fc
            .array(
              withNulls(
                pick.map((v) => BigInt(v) * 92_233_720_368_547n - 3n),
                nullable,
              ),
              { minLength: rows, maxLength: rows },
            )
            .map((data) => ({ name, type, nullable, data }));
        case 'DOUBLE': {
          const specials = [0, -0, Number.NaN, 1.5, -2.25, 1e300];
          const value = fc.oneof(
            pick.map((v) => v / 8 - 3),
            fc.constantFrom(...specials),
          );
          return fc.array(withNulls(value, nullable), { minLength: rows, maxLength: rows }).map((data) => ({ name, type, nullable, data }));
        }
        case 'BOOLEAN':
          return fc.array(withNulls(fc.boolean(), nullable), { minLength: rows, maxLength: rows }).map((data) => ({ name, type, nullable, data }));
        case 'STRING': {
          const words = ['', 'a', 'Zoë', '東京 🚚', 'STOCKOUT', 'ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ', 'z'.repeat(20)];
          const value = fc.oneof(
            fc.constantFrom(...words),
            pick.map((v) => `${long ? 'x'.repeat(400) : ''}value-${v}-${'é'.repeat(v % 5)}`),
          );
          return fc.array(withNulls(value, nullable), { minLength: rows, maxLength: rows }).map((data) => ({ name, type, nullable, data }));
        }
        case 'TIMESTAMP':
          return fc
            .array(
              withNulls(
                pick.map((v) => new Date(Date.UTC(2024, 0, 1) + v * 60_000 - 5e12)),
                nullable,
              ),
              { minLength: rows, maxLength: rows },
            )
            .map((data) => ({ name, type, nullable, data }));
        default:
          return fc
            .array(
              withNulls(
                pick.map((v) => new Date((v - 20) * 86_400_000)),
                nullable,
              ),
              { minLength: rows, maxLength: rows },
            )
            .map((data) => ({ name, type, nullable, data }));
      }
    });
}

const tableArbitrary = fc
  .record({
    rows: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 2_000, max: 6_000 })),
    columns: fc.integer({ min: 1, max: 4 }),
    rowGroupSize: fc.constantFrom(100_000, 1_500),
  })
  .chain(({ rows, columns, rowGroupSize }) =>
    fc
      .tuple(...Array.from({ length: columns }, (_, i) => columnArbitrary(rows, i)))
      .map((cols) => ({ rowGroupSize, table: { rowCount: rows, columns: cols } as ParquetTable })),
  );

describe('the typed Parquet encoder', () => {
  it('writes the bytes hyparquet-writer writes for the same random tables, and hyparquet reads the values back', async () => {
    // Plus one table whose text is over 1 MiB per row group, so its pages split and get an offset index.
    const longText = Array.from({ length: 5000 }, (_, i) => (i % 7 === 3 ? null : `${'x'.repeat(300)}${i}`));
    // And one where a spread sample of 1,000 is about 80% distinct but the whole chunk still favours a
    // dictionary, so only the library's sampling rule decides the encoding.
    let state = 7;
    const draw = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) % 1800;
    const midInts = Array.from({ length: 60_000 }, () => draw());
    const midText = Array.from({ length: 60_000 }, () => `sku-${draw()}`);
    const samples = [
      {
        rowGroupSize: 100_000,
        table: {
          rowCount: 60_000,
          columns: [
            { name: 'ints', type: 'INT32', data: midInts },
            { name: 'text', type: 'STRING', data: midText },
          ],
        } as ParquetTable,
      },
      ...fc.sample(tableArbitrary, { numRuns: 60, seed: 20 }),
      { rowGroupSize: 100_000, table: { rowCount: 5000, columns: [{ name: 'long', type: 'STRING', data: longText }] } as ParquetTable },
    ];
    let pagesSplit = 0;
    let dictionaries = 0;
    for (const { table, rowGroupSize } of samples) {
      const ours = encodeParquet(table, { createdBy: 'test', rowGroupSize });
      expect(sha256(ours), JSON.stringify(table.columns.map((c) => [c.type, c.nullable]))).toBe(sha256(libraryBytes(table, rowGroupSize)));
      const metadata = parquetMetadata(arrayBuffer(ours));
      for (const group of metadata.row_groups) {
        for (const chunk of group.columns) {
          if (chunk.offset_index_offset !== undefined) pagesSplit++;
          if (chunk.meta_data?.dictionary_page_offset !== undefined) dictionaries++;
          expect(chunk.meta_data?.statistics?.null_count).toBeDefined();
        }
      }
      const rows = await parquetReadObjects({ file: arrayBuffer(ours) });
      expect(rows).toHaveLength(table.rowCount);
      for (const column of table.columns) {
        // A dictionary keys numbers as a Map does (-0 is 0), in the library too, so zeros compare unsigned.
        const zero = (v: unknown) => (v === 0 ? 0 : v);
        const expected = Array.from(column.data as ArrayLike<unknown>, (v) =>
          zero(v instanceof Date && column.type === 'DATE' ? new Date(Math.floor(v.getTime() / 86_400_000) * 86_400_000) : v),
        );
        expect(
          rows.map((r) => zero(r[column.name])),
          column.name,
        ).toEqual(expected);
      }
    }
    // The samples reached the library's less common paths, so the equality above covered them.
    expect(pagesSplit).toBeGreaterThan(0);
    expect(dictionaries).toBeGreaterThan(0);
  }, 120_000);

  it('writes every fact table from the builders’ typed columns as the library writes their plain rows', () => {
    const config = appConfigSchema.parse({
      seed: 11,
      volume: { stores: 6, dcs: 2, total_geographies: 4, total_customers: 3000, total_products: 400, customers_per_day: 300 },
    });
    const context = buildFactContext(config);
    let files = 0;
    for (const region of context.regions) {
      const day = generateRegionDay(context, region, '2024-11-29', openingBalances(config.seed, config.volume, region, context.products.length));
      const builders = [...REGION_TABLES.map((t) => day.tables[t]), generateMarketingDay(config.seed, '2024-11-29', 5000, 3000)];
      for (const builder of builders) {
        if (builder.rowCount === 0) continue;
        files++;
        expect(sha256(encodeTypedParquet(builder.typed())), builder.name).toBe(sha256(libraryBytes(builder.build(), 100_000, `retail-datagen ${APP_VERSION}`)));
      }
    }
    expect(files).toBeGreaterThanOrEqual(REGION_TABLES.length);
  }, 60_000);

  it('refuses a null in a required column of any type', () => {
    for (const [type, data] of [
      ['INT32', [1, null]],
      ['DOUBLE', [1.5, null]],
      ['TIMESTAMP', [new Date(0), null]],
      ['BOOLEAN', [true, null]],
      ['STRING', ['a', null]],
    ] as const) {
      expect(() => encodeParquet({ rowCount: 2, columns: [{ name: 'x', type, data, nullable: false }] }), type).toThrow(/required but has 1 null/);
    }
  });
});

describe('Snappy', () => {
  // Inputs from a small alphabet repeat (long matches, copies past 64 bytes), from a large one mostly do not
  // (literals, the skip heuristic's look-ahead near the end); each is also compressed from inside a larger buffer.
  it('compresses any bytes exactly as hyparquet-writer does, from any offset in a buffer', () => {
    const input = fc
      .tuple(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 7 }), fc.integer())
      .map(([alphabet, length, offset, seed]) => {
        const buffer = new Uint8Array(length + offset + 3);
        let state = seed | 1;
        for (let i = 0; i < buffer.length; i++) {
          state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + i;
          buffer[i] = (state >>> 24) % alphabet;
        }
        return buffer.subarray(offset, offset + length);
      });
    fc.assert(
      fc.property(input, (bytes) => {
        expect(Buffer.from(snappyCompress(bytes)).equals(Buffer.from(librarySnappy(bytes)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
