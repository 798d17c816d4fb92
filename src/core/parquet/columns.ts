/**
 * Typed columns, the form the Parquet encoder works on: numbers in typed arrays with an optional null mask,
 * text as dictionary codes into the column's distinct strings (first occurrence order). Generators can build
 * these directly (src/core/facts/builder.ts), and every other table is converted once by `typedColumn`.
 *
 * Why codes for text: a fact table repeats a few dozen distinct strings (statuses, zones, sources) hundreds of
 * thousands of times; interning them while the rows are made means the encoder UTF-8 encodes each distinct
 * value once and compares integers, never strings. Every part is a typed array or a short string list, so a
 * table can also move to a worker thread without copying the columns.
 */

import { Utf8Strings } from '../utf8-strings.js';

export type ParquetColumnType = 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP' | 'DATE';

interface Base {
  name: string;
  /** OPTIONAL (true) or REQUIRED (false). */
  nullable: boolean;
}

/** INT32 values, or DATE as days since 1970-01-01. `nulls[i] === 1` marks a missing value. */
export interface Int32Column extends Base {
  type: 'INT32' | 'DATE';
  values: Int32Array;
  nulls: Uint8Array | null;
}

/** DOUBLE values, or TIMESTAMP as UTC epoch milliseconds (integers, stored as INT64 milliseconds). */
export interface Float64Column extends Base {
  type: 'DOUBLE' | 'TIMESTAMP';
  values: Float64Array;
  nulls: Uint8Array | null;
}

export interface BigIntColumn extends Base {
  type: 'INT64';
  values: BigInt64Array;
  nulls: Uint8Array | null;
}

/** Booleans as 0 and 1. */
export interface BooleanColumn extends Base {
  type: 'BOOLEAN';
  values: Uint8Array;
  nulls: Uint8Array | null;
}

/**
 * Text: `codes[i]` indexes `dictionary`, -1 is null. With `distinct` the dictionary strings are distinct and
 * well-formed (one code per byte sequence); without it (a column of mostly unique values, where interning
 * would cost a Map insert per row for nothing) codes may repeat a value, and the encoder de-duplicates a
 * chunk only if it is going to use a dictionary for it.
 */
export interface StringColumn extends Base {
  type: 'STRING';
  codes: Int32Array;
  dictionary: readonly string[];
  distinct: boolean;
  /**
   * The dictionary's UTF-8 bytes, made before the column reaches the encoder (`utf8Dictionary` in ./encoder.ts)
   * or built as bytes in the first place (src/core/utf8-strings.ts): a table posted to an encoder thread carries
   * these typed arrays instead of its strings, so nothing per value is cloned. With them `dictionary` may be
   * empty; without them the encoder makes them from `dictionary`.
   */
  utf8?: Utf8Dictionary;
}

/** Distinct strings' UTF-8 bytes in one buffer: value `v` is `bytes[offsets[v]]` up to `bytes[offsets[v + 1]]`. */
export interface Utf8Dictionary {
  bytes: Uint8Array;
  offsets: Int32Array;
}

export type TypedColumn = Int32Column | Float64Column | BigIntColumn | BooleanColumn | StringColumn;

export interface TypedTable {
  rowCount: number;
  columns: readonly TypedColumn[];
}

export function columnLength(column: TypedColumn): number {
  return column.type === 'STRING' ? column.codes.length : column.values.length;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/;

/** The string UTF-8 encoding actually writes: a lone surrogate becomes U+FFFD, as TextEncoder does. */
function wellFormed(text: string): string {
  if (!LONE_SURROGATE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
        continue;
      }
    }
    out += code >= 0xd800 && code <= 0xdfff ? '\uFFFD' : text[i]!;
  }
  return out;
}

/**
 * Distinct strings of one column in first occurrence order. Two strings that encode to the same UTF-8 bytes
 * (they differ only in lone surrogates) get one code, so a code means exactly one byte sequence.
 */
export class StringDictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();
  // Rows often repeat the value of the row before (a receipt's lines, a visit's pings): checked before the Map.
  private lastText: string | null = null;
  private lastCode = -1;

  code(text: string): number {
    if (text === this.lastText) return this.lastCode;
    const code = this.lookUp(text);
    this.lastText = text;
    this.lastCode = code;
    return code;
  }

  private lookUp(text: string): number {
    const known = this.codes.get(text);
    if (known !== undefined) return known;
    const normal = wellFormed(text);
    let code = normal === text ? undefined : this.codes.get(normal);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(normal);
      this.codes.set(normal, code);
    }
    this.codes.set(text, code);
    return code;
  }
}

/** Plain JavaScript column data, as the dimension generators and callers of `encodeParquet` hand it over. */
export type ParquetColumnData =
  | Int32Array
  | Float64Array
  | BigInt64Array
  | readonly (number | null)[]
  | readonly (bigint | null)[]
  | readonly (boolean | null)[]
  | readonly (string | null)[]
  | readonly (Date | null)[]
  | Utf8Strings;

const DAY_MS = 86_400_000;

/** True when a spread sample of 1,000 values is over half distinct: interning would not pay for itself. */
function mostlyDistinct(values: readonly unknown[]): boolean {
  const sample = Math.min(values.length, 1000);
  if (sample < 100) return false;
  const seen = new Set<unknown>();
  for (let i = 0; i < sample; i++) seen.add(values[Math.floor((i * values.length) / sample)]);
  return seen.size > sample / 2;
}

const utf8Decoder = new TextDecoder();

/**
 * Codes of `codes` made distinct per byte sequence (first occurrence wins), for a column built without interning,
 * from its strings or, when it has none, its UTF-8 bytes (well-formed, so one string per byte sequence).
 */
export function distinctCodes(codes: Int32Array, dictionary: readonly string[], utf8?: Utf8Dictionary): Int32Array {
  const first = new Map<string, number>();
  const out = new Int32Array(codes.length);
  const textOf =
    dictionary.length === 0 && utf8
      ? (code: number) => utf8Decoder.decode(utf8.bytes.subarray(utf8.offsets[code]!, utf8.offsets[code + 1]!))
      : (code: number) => wellFormed(dictionary[code]!);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code < 0) {
      out[i] = -1;
      continue;
    }
    const text = textOf(code);
    const known = first.get(text);
    if (known === undefined) first.set(text, code);
    out[i] = known ?? code;
  }
  return out;
}

function nullMask(data: ArrayLike<unknown>): Uint8Array | null {
  let mask: Uint8Array | null = null;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value === null || value === undefined) (mask ??= new Uint8Array(data.length))[i] = 1;
  }
  return mask;
}

function typeError(name: string, type: ParquetColumnType, value: unknown): Error {
  return new Error(`column ${name} is ${type} but holds ${typeof value} ${String(value)}`);
}

/** Converts one plain column to its typed form (one pass; typed arrays of the right kind are used as they are). */
export function typedColumn(name: string, type: ParquetColumnType, data: ParquetColumnData, nullable = true): TypedColumn {
  const length = data.length;
  if (data instanceof Utf8Strings) {
    if (type !== 'STRING') throw new Error(`column ${name} is ${type} but holds UTF-8 text`);
    // Built as bytes, one value a row: each row is its own code, de-duplicated only if a chunk takes a dictionary.
    const codes = new Int32Array(length);
    for (let i = 0; i < length; i++) codes[i] = i;
    return { name, type, nullable, codes, dictionary: [], distinct: false, utf8: { bytes: data.bytes, offsets: data.offsets } };
  }
  switch (type) {
    case 'STRING': {
      if (!Array.isArray(data)) throw new Error(`column ${name} is STRING but not an array of strings`);
      const codes = new Int32Array(length);
      if (mostlyDistinct(data)) {
        const values: string[] = [];
        for (let i = 0; i < length; i++) {
          const value: unknown = data[i];
          if (value === null || value === undefined) codes[i] = -1;
          else if (typeof value === 'string') codes[i] = values.push(value) - 1;
          else throw typeError(name, type, value);
        }
        return { name, type, nullable, codes, dictionary: values, distinct: false };
      }
      const dictionary = new StringDictionary();
      for (let i = 0; i < length; i++) {
        const value: unknown = data[i];
        if (value === null || value === undefined) codes[i] = -1;
        else if (typeof value === 'string') codes[i] = dictionary.code(value);
        else throw typeError(name, type, value);
      }
      return { name, type, nullable, codes, dictionary: dictionary.values, distinct: true };
    }
    case 'INT32':
    case 'DATE': {
      if (data instanceof Int32Array) return { name, type, nullable, values: data, nulls: null };
      const values = new Int32Array(length);
      const nulls = nullMask(data);
      for (let i = 0; i < length; i++) {
        const value: unknown = data[i];
        if (value === null || value === undefined) continue;
        const number = type === 'DATE' && value instanceof Date ? Math.floor(value.getTime() / DAY_MS) : value;
        if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < -2147483648 || number > 2147483647) throw typeError(name, type, value);
        values[i] = number;
      }
      return { name, type, nullable, values, nulls };
    }
    case 'DOUBLE':
    case 'TIMESTAMP': {
      if (data instanceof Float64Array && type === 'DOUBLE') return { name, type, nullable, values: data, nulls: null };
      const values = new Float64Array(length);
      const nulls = nullMask(data);
      for (let i = 0; i < length; i++) {
        const value: unknown = data[i];
        if (value === null || value === undefined) continue;
        const number = type === 'TIMESTAMP' && value instanceof Date ? value.getTime() : value;
        if (typeof number !== 'number' || (type === 'TIMESTAMP' && !Number.isSafeInteger(number))) throw typeError(name, type, value);
        values[i] = number;
      }
      return { name, type, nullable, values, nulls };
    }
    case 'INT64': {
      if (data instanceof BigInt64Array) return { name, type, nullable, values: data, nulls: null };
      const values = new BigInt64Array(length);
      const nulls = nullMask(data);
      for (let i = 0; i < length; i++) {
        const value: unknown = data[i];
        if (value === null || value === undefined) continue;
        if (typeof value !== 'bigint' || value < -(2n ** 63n) || value >= 2n ** 63n) throw typeError(name, type, value);
        values[i] = value;
      }
      return { name, type, nullable, values, nulls };
    }
    case 'BOOLEAN': {
      const values = new Uint8Array(length);
      const nulls = nullMask(data);
      for (let i = 0; i < length; i++) {
        const value: unknown = data[i];
        if (value === null || value === undefined) continue;
        if (typeof value !== 'boolean') throw typeError(name, type, value);
        values[i] = value ? 1 : 0;
      }
      return { name, type, nullable, values, nulls };
    }
  }
}
