/**
 * Text built as UTF-8 bytes (src/core/utf8-strings.ts) against JavaScript's own string forms, and dim_customers
 * built that way against the string generator it replaced (written out again here as the reference).
 */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { syntheticAddress } from '../../src/core/dimensions/addresses.js';
import { base36Id, customersTable } from '../../src/core/dimensions/customers.js';
import { FIRST_NAMES, LAST_NAMES, PHONE_AREA_CODES } from '../../src/core/dimensions/dictionaries/names.js';
import { apportion, selectGeographies } from '../../src/core/dimensions/places.js';
import { textOf } from '../../src/core/columnar-table.js';
import { encodeParquet } from '../../src/core/dataset-parquet.js';
import { deriveStream } from '../../src/core/rng.js';
import { Utf8Strings, Utf8StringsBuilder, utf8Piece } from '../../src/core/utf8-strings.js';
import { parquetReadObjects } from 'hyparquet';

describe('Utf8StringsBuilder', () => {
  it('writes digits as String(n).padStart(width, "0") does, for small, wide and large numbers', () => {
    const random = deriveStream(1, 'digits');
    const cases: [number, number][] = [
      [0, 1],
      [7, 6],
      [999_999, 6],
      [1_000_000, 6],
      [2 ** 31, 1],
      [Number.MAX_SAFE_INTEGER, 3],
    ];
    for (let i = 0; i < 500; i++) cases.push([random.int(0, 10 ** random.int(1, 12)), random.int(1, 9)]);
    const builder = new Utf8StringsBuilder(cases.length, 1);
    for (const [value, width] of cases) builder.digits(value, width).end();
    expect(builder.finish().toArray()).toEqual(cases.map(([value, width]) => String(value).padStart(width, '0')));
  });

  it('writes base-36 ids as base36Id does, past 36^6 included', () => {
    const ids = [0, 1, 35, 36, 1_000_000, 36 ** 6 - 1, 36 ** 6, 36 ** 6 + 37];
    const builder = new Utf8StringsBuilder(ids.length, 6);
    for (const id of ids) builder.base36(id, 6).end();
    expect(builder.finish().toArray()).toEqual(ids.map(base36Id));
  });

  it('keeps multi-byte pieces intact, grows past its first buffer, and counts its values', () => {
    const words = ['Española', 'Zürich', '東京', '😀 ok', 'x'];
    const builder = new Utf8StringsBuilder(200, 1);
    for (let i = 0; i < 200; i++)
      builder
        .piece(utf8Piece(words[i % words.length]!))
        .byte(0x20)
        .digits(i)
        .end();
    const built = builder.finish();
    expect(built.length).toBe(200);
    expect(built.at(3)).toBe('😀 ok 3');
    expect(built.toArray()).toEqual(Array.from({ length: 200 }, (_, i) => `${words[i % words.length]} ${i}`));
    expect(() => builder.end()).toThrow(/made for 200 values/);
    expect(() => new Utf8StringsBuilder(2, 4).finish()).toThrow(/0 of 2 values/);
    expect(() => new Utf8StringsBuilder(1, 4).digits(-1)).toThrow(RangeError);
  });

  it('encodes to the same Parquet values as the strings, a repeating column taking a dictionary as strings do', async () => {
    const values = Array.from({ length: 5_000 }, (_, i) => (i % 3 === 0 ? 'Ünïcode' : `v${i % 40}`));
    const builder = new Utf8StringsBuilder(values.length, 4);
    for (const value of values) builder.piece(utf8Piece(value)).end();
    const fromBytes = encodeParquet({ name: 't', rowCount: values.length, columns: [{ name: 's', type: 'STRING', data: builder.finish() }] });
    const fromStrings = encodeParquet({ name: 't', rowCount: values.length, columns: [{ name: 's', type: 'STRING', data: values }] });
    expect(Buffer.from(fromBytes).equals(Buffer.from(fromStrings))).toBe(true);
    const rows = await parquetReadObjects({ file: fromBytes.buffer.slice(fromBytes.byteOffset, fromBytes.byteOffset + fromBytes.byteLength) as ArrayBuffer });
    expect(rows.map((r) => r.s)).toEqual(values);
  });

  it('is refused for a column that is not text', () => {
    const data = new Utf8Strings(new Uint8Array([0x31]), Int32Array.from([0, 1]));
    expect(() => encodeParquet({ name: 't', rowCount: 1, columns: [{ name: 'n', type: 'INT32', data }] })).toThrow(/INT32 but holds UTF-8 text/);
  });
});

/** dim_customers' text columns as the generator made them before it wrote bytes: one string per value. */
function customerTextAsStrings(seed: number, total: number, geographies: ReturnType<typeof selectGeographies>): Record<string, string[]> {
  const random = deriveStream(seed, 'dim_customers');
  const counts = apportion(
    total,
    geographies.map((g) => g.weight),
  );
  const out: Record<string, string[]> = { FirstName: [], LastName: [], Address: [], LoyaltyCard: [], Phone: [], BLEId: [], AdId: [] };
  let id = 0;
  geographies.forEach((geography, g) => {
    for (let n = 0; n < counts[g]!; n++) {
      id++;
      out.FirstName!.push(FIRST_NAMES[random.int(0, FIRST_NAMES.length - 1)]!);
      out.LastName!.push(LAST_NAMES[random.int(0, LAST_NAMES.length - 1)]!);
      out.Address!.push(syntheticAddress(random, 'residential', geography));
      out.LoyaltyCard!.push(`LC${String(id).padStart(6, '0')}${random.int(100, 999)}`);
      out.Phone!.push(`(${PHONE_AREA_CODES[random.int(0, PHONE_AREA_CODES.length - 1)]}) ${random.int(200, 999)}-${random.int(1000, 9999)}`);
      out.BLEId!.push(`BLE${base36Id(id)}`);
      out.AdId!.push(`AD${base36Id(id)}`);
    }
  });
  return out;
}

describe('dim_customers written as UTF-8 bytes', () => {
  it('holds exactly the text the string generator made, for several seeds and sizes', () => {
    for (const [seed, customers] of [
      [42, 25_000],
      [7, 1_234],
      [2024, 1],
    ] as const) {
      const config = appConfigSchema.parse({ seed, volume: { total_customers: customers } });
      const geographies = selectGeographies(seed, config.volume);
      const table = customersTable(seed, config.volume, geographies);
      const expected = customerTextAsStrings(seed, customers, geographies);
      for (const [name, values] of Object.entries(expected)) expect(textOf(table, name), `${seed}/${customers}: ${name}`).toEqual(values);
    }
  });
});
