/**
 * Typed columns to Parquet bytes: the file hyparquet-writer writes for the same values, byte for byte, but
 * made from typed arrays and dictionary codes instead of one JavaScript value per cell.
 *
 * Why byte-identical rather than just valid: the library is the independent reference the tests hold this
 * encoder to (every table, random columns, every type), and files written before and after this encoder
 * existed stay the same for a seed. So each decision is the library's: dictionary or PLAIN by the same sample
 * and the same size test, the same page split, RLE/bit-packing run choices, statistics (min/max, null and NaN
 * counts, -0/+0, 16-byte truncation of text bounds), DATA_PAGE_V2 pages, Snappy by the same algorithm. The
 * small structures (page headers, the footer, offset indexes) go through the library's own Thrift writers.
 *
 * Where the time went before: converting every timestamp to a BigInt, hashing every value into a Map,
 * building level and value arrays per page, and writing one byte at a time; here those are loops over typed
 * arrays, text is compared as integer codes, and each distinct string is UTF-8 encoded once per file.
 */
import type { ColumnChunk, ColumnMetaData, CompressionCodec, Encoding, ParquetType, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { Bytes, writeRleHybrid } from './bytes.js';
import {
  columnLength,
  distinctCodes,
  type BigIntColumn,
  type BooleanColumn,
  type Float64Column,
  type Int32Column,
  type StringColumn,
  type TypedColumn,
  type TypedTable,
  type Utf8Dictionary,
} from './columns.js';
import { snappyCompress } from './snappy.js';

export interface TypedEncodeOptions {
  codec: 'SNAPPY' | 'UNCOMPRESSED';
  rowGroupSize: number;
  createdBy: string;
}

/** The library's defaults, part of the bytes: a page ends once its values reach 1 MiB. */
const PAGE_SIZE = 1_048_576;
const DICTIONARY_SAMPLE = 1000;
const SAMPLE_REJECTION_RATIO = 0.9;
const MAGIC = 0x31524150; // "PAR1"

type MinMax = number | bigint | boolean | Uint8Array;

interface ChunkStatistics {
  min_value?: MinMax;
  max_value?: MinMax;
  null_count: bigint;
  nan_count?: bigint;
}

interface OffsetIndex {
  page_locations: { offset: bigint; compressed_page_size: number; first_row_index: bigint }[];
}

export function schemaElement(column: TypedColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const name = column.name;
  switch (column.type) {
    case 'STRING':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'TIMESTAMP':
      return { name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type };
    case 'DATE':
      return { name, type: 'INT32', converted_type: 'DATE', repetition_type };
    default:
      return { name, type: column.type, repetition_type };
  }
}

const textEncoder = new TextEncoder();

/** UTF-8 bytes of a column's distinct strings, one buffer with offsets (ASCII copied without the encoder). */
export function utf8Dictionary(values: readonly string[]): Utf8Dictionary {
  // Mostly ASCII: one native encodeInto over the joined text, and each value's bytes are its characters.
  const joined = values.join('');
  const ascii = new Uint8Array(joined.length + 16);
  const { read, written } = textEncoder.encodeInto(joined, ascii);
  if (read === joined.length && written === joined.length) {
    const offsets = new Int32Array(values.length + 1);
    let at = 0;
    for (let v = 0; v < values.length; v++) {
      offsets[v] = at;
      at += values[v]!.length;
    }
    offsets[values.length] = at;
    return { bytes: ascii, offsets };
  }
  let capacity = 16;
  for (const value of values) capacity += value.length * 3;
  const bytes = new Uint8Array(capacity);
  const offsets = new Int32Array(values.length + 1);
  let at = 0;
  for (let v = 0; v < values.length; v++) {
    const text = values[v]!;
    offsets[v] = at;
    const start = at;
    let ascii = true;
    for (let j = 0; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      bytes[at++] = code;
    }
    if (!ascii) at = start + textEncoder.encodeInto(text, bytes.subarray(start)).written;
  }
  offsets[values.length] = at;
  return { bytes, offsets };
}

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const d = a[aStart + i]! - a[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/**
 * Open-addressing table from numbers to dictionary positions, keyed the way a JavaScript Map keys them
 * (SameValueZero: -0 equals 0, NaN equals NaN), because that is how the library decides what repeats.
 */
class NumberIndex {
  private slots = new Int32Array(1024).fill(-1);
  private keys = new Float64Array(1024);
  private mask = 1023;
  /** Fibonacci hashing takes the top bits of the product: the low bits of `key * odd` barely mix. */
  private shift = 32 - 10;
  private nanIndex = -1;
  size = 0;
  private readonly scratch = new Float64Array(1);
  private readonly words = new Int32Array(this.scratch.buffer);

  private hash(key: number): number {
    // Integers (every INT32, DATE and small value) hash without going through the float bits.
    if ((key | 0) === key) return Math.imul(key, 0x9e3779b1) >>> this.shift;
    this.scratch[0] = key;
    return Math.imul(this.words[0]! ^ Math.imul(this.words[1]!, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  /** The dictionary position of `value`, or -1 after adding it as position `size - 1`. */
  findOrAdd(value: number): number {
    if (value !== value) {
      if (this.nanIndex >= 0) return this.nanIndex;
      this.nanIndex = this.size++;
      return -1;
    }
    const key = value === 0 ? 0 : value;
    let slot = this.hash(key);
    for (;;) {
      const at = this.slots[slot]!;
      if (at < 0) break;
      if (this.keys[slot] === key) return at;
      slot = (slot + 1) & this.mask;
    }
    this.slots[slot] = this.size++;
    this.keys[slot] = key;
    if (this.size * 2 > this.mask) this.grow();
    return -1;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    this.slots = new Int32Array(oldSlots.length * 2).fill(-1);
    this.keys = new Float64Array(oldSlots.length * 2);
    this.mask = this.slots.length - 1;
    this.shift--;
    for (let s = 0; s < oldSlots.length; s++) {
      const at = oldSlots[s]!;
      if (at < 0) continue;
      let slot = this.hash(oldKeys[s]!);
      while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = at;
      this.keys[slot] = oldKeys[s]!;
    }
  }
}

/** One chunk's column data between planning and writing: physical values or dictionary indexes per row. */
interface ChunkPlan {
  /** Non-null dictionary index per row (dictionary encoding), else null. */
  indexes: Int32Array | null;
  dictionaryPlain: Uint8Array | null;
  dictionaryCount: number;
  /** Bytes of a row's PLAIN value (0 for null): the page split measure. */
  sizeOf: (row: number) => number;
  /** The sum of `sizeOf` over the chunk's rows: under a page's size, the chunk is one page without a pass over its rows. */
  totalSize: number;
  /** Appends the PLAIN encoding of rows [from, to) (nulls skipped). */
  writePlain: (out: Bytes, from: number, to: number) => void;
  statistics: ChunkStatistics;
  encoding: Encoding;
}

/** The library's dictionary test: a spread sample must not be mostly distinct, and the dictionary must halve the size. */
function sampleAllowsDictionary(rows: number, keyAt: (row: number) => number | null, sizeOf: (row: number) => number): boolean {
  const sample = Math.min(rows, DICTIONARY_SAMPLE);
  const seen = new Map<number | null, number>();
  let distinct = 0;
  let total = 0;
  for (let i = 0; i < sample; i++) {
    const row = sample === 1 ? 0 : Math.floor((i * (rows - 1)) / (sample - 1));
    const key = keyAt(row);
    let size = seen.get(key);
    if (size === undefined) {
      size = sizeOf(row);
      seen.set(key, size);
      distinct += size;
    }
    total += size;
  }
  return total !== 0 && distinct / total <= SAMPLE_REJECTION_RATIO;
}

function dictionaryWins(dictionaryCount: number, nonNull: number, valueBytes: number, dictionaryBytes: number, prefix: number): boolean {
  const bitWidth = Math.ceil(Math.log2(dictionaryCount));
  const indexSize = Math.ceil((nonNull * bitWidth) / 8);
  return 2 * (dictionaryBytes + dictionaryCount * prefix + indexSize) <= valueBytes + nonNull * prefix;
}

/** Writes `value` (a safe integer) as a little-endian two's-complement INT64. */
function setInt64(view: DataView, at: number, value: number): void {
  const high = Math.floor(value / 4294967296);
  view.setUint32(at, value - high * 4294967296, true);
  view.setInt32(at + 4, high, true);
}

/**
 * The library keys its sample by an FNV-1a hash of the bytes, so two values whose hashes collide count as one
 * there; hashing the same way keeps even that (rare) case deciding alike.
 */
function textKey(utf8: Utf8Dictionary, code: number): number | null {
  if (code < 0) return null;
  const { bytes, offsets } = utf8;
  let hash = 0x811c9dc5;
  for (let i = offsets[code]!; i < offsets[code + 1]!; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/** A value's PLAIN size with its 4-byte length prefix, as the sample counts it (a null counts nothing). */
function textSampleSize(utf8: Utf8Dictionary, code: number): number {
  return code < 0 ? 0 : utf8.offsets[code + 1]! - utf8.offsets[code]! + 4;
}

/** The whole column's codes with this chunk's rows made distinct per value (other rows as they were). */
function chunkDistinct(column: StringColumn, start: number, end: number): Int32Array {
  const codes = column.codes.slice();
  codes.set(distinctCodes(column.codes.subarray(start, end), column.dictionary, column.utf8), start);
  return codes;
}

/** Appends one text value's PLAIN encoding (4-byte length, then its bytes). */
function writeText(out: Bytes, bytes: Uint8Array, from: number, to: number): void {
  out.reserve(4 + to - from);
  out.view.setUint32(out.length, to - from, true);
  // Short values byte by byte: a subarray per value (millions in a customer table) costs more than the copy.
  const target = out.buffer;
  let at = out.length + 4;
  if (to - from < 64) for (let i = from; i < to; i++) target[at++] = bytes[i]!;
  else target.set(bytes.subarray(from, to), at);
  out.length += 4 + to - from;
}

function planStrings(column: StringColumn, utf8: Utf8Dictionary, local: Int32Array, start: number, end: number): ChunkPlan {
  const rows = end - start;
  const given = column.codes;
  // The sample keys values by their bytes, so it decides the same before and after de-duplication: once is enough.
  const sampleAllows = sampleAllowsDictionary(
    rows,
    (row) => textKey(utf8, given[start + row]!),
    (row) => textSampleSize(utf8, given[start + row]!),
  );
  if (!sampleAllows) return planPlainStrings(column, utf8, start, end);
  // A column built without interning is de-duplicated only where the library's sample asks for a dictionary.
  const codes = column.distinct ? given : chunkDistinct(column, start, end);
  const { bytes, offsets } = utf8;
  const indexes = new Int32Array(rows);
  const order: number[] = [];
  let nulls = 0;
  let valueBytes = 0;
  for (let r = 0; r < rows; r++) {
    const code = codes[start + r]!;
    if (code < 0) {
      nulls++;
      continue;
    }
    let index = local[code]!;
    if (index < 0) {
      index = local[code] = order.length;
      order.push(code);
    }
    indexes[r] = index;
    valueBytes += offsets[code + 1]! - offsets[code]!;
  }
  if (nulls > 0 && !column.nullable) throw new Error(`column ${column.name} is required but has ${nulls} null values`);
  const plain = plainText(codes, utf8, start);
  // Bounds: the smallest and largest distinct value by unsigned bytes (UTF-8 order is code point order).
  let min = -1;
  let max = -1;
  let dictionaryBytes = 0;
  for (const code of order) {
    dictionaryBytes += offsets[code + 1]! - offsets[code]!;
    if (min < 0 || compareBytes(bytes, offsets[code]!, offsets[code + 1]!, offsets[min]!, offsets[min + 1]!) < 0) min = code;
    if (max < 0 || compareBytes(bytes, offsets[code]!, offsets[code + 1]!, offsets[max]!, offsets[max + 1]!) > 0) max = code;
  }
  const statistics = textStatistics(utf8, nulls, min, max);
  for (const code of order) local[code] = -1; // ready for the next chunk
  const nonNull = rows - nulls;
  if (dictionaryWins(order.length, nonNull, valueBytes, dictionaryBytes, 4)) {
    const dictionary = new Bytes(dictionaryBytes + order.length * 4 + 16);
    for (const code of order) writeText(dictionary, bytes, offsets[code]!, offsets[code + 1]!);
    return {
      indexes,
      dictionaryPlain: dictionary.view8(),
      dictionaryCount: order.length,
      sizeOf: plain.sizeOf,
      totalSize: valueBytes,
      writePlain: () => {},
      statistics,
      encoding: 'RLE_DICTIONARY',
    };
  }
  return { ...plain, totalSize: valueBytes, statistics };
}

function textStatistics(utf8: Utf8Dictionary, nulls: number, min: number, max: number): ChunkStatistics {
  const statistics: ChunkStatistics = { null_count: BigInt(nulls) };
  if (min >= 0) {
    statistics.min_value = utf8.bytes.subarray(utf8.offsets[min]!, utf8.offsets[min + 1]!);
    statistics.max_value = utf8.bytes.subarray(utf8.offsets[max]!, utf8.offsets[max + 1]!);
  }
  return statistics;
}

function plainText(
  codes: Int32Array,
  utf8: Utf8Dictionary,
  start: number,
): Pick<ChunkPlan, 'indexes' | 'dictionaryPlain' | 'dictionaryCount' | 'sizeOf' | 'writePlain' | 'encoding'> {
  const { bytes, offsets } = utf8;
  return {
    indexes: null,
    dictionaryPlain: null,
    dictionaryCount: 0,
    sizeOf: (row) => {
      const code = codes[start + row]!;
      return code < 0 ? 0 : offsets[code + 1]! - offsets[code]!;
    },
    writePlain: (out, from, to) => {
      for (let r = from; r < to; r++) {
        const code = codes[start + r]!;
        if (code >= 0) writeText(out, bytes, offsets[code]!, offsets[code + 1]!);
      }
    },
    encoding: 'PLAIN',
  };
}

/**
 * A chunk the sample keeps from a dictionary (mostly unique values: ids, addresses, phones): no de-duplication
 * and no per-value index, one pass for the size, nulls and bounds. Repeated values give the same bounds as
 * the distinct ones (the same bytes), so the statistics equal the dictionary path's.
 */
function planPlainStrings(column: StringColumn, utf8: Utf8Dictionary, start: number, end: number): ChunkPlan {
  const { bytes, offsets } = utf8;
  const codes = column.codes;
  let nulls = 0;
  let valueBytes = 0;
  let min = -1;
  let max = -1;
  for (let r = start; r < end; r++) {
    const code = codes[r]!;
    if (code < 0) {
      nulls++;
      continue;
    }
    const from = offsets[code]!;
    const to = offsets[code + 1]!;
    valueBytes += to - from;
    if (min < 0 || compareBytes(bytes, from, to, offsets[min]!, offsets[min + 1]!) < 0) min = code;
    if (max < 0 || compareBytes(bytes, from, to, offsets[max]!, offsets[max + 1]!) > 0) max = code;
  }
  if (nulls > 0 && !column.nullable) throw new Error(`column ${column.name} is required but has ${nulls} null values`);
  return { ...plainText(codes, utf8, start), totalSize: valueBytes, statistics: textStatistics(utf8, nulls, min, max) };
}

/** INT32 values spanning at most this many are indexed through a table of their own (4 MiB at most). */
const DIRECT_INDEX_SPAN = 1 << 20;

/** INT32, DATE, DOUBLE and TIMESTAMP: numbers in a typed array. */
function planNumbers(column: Int32Column | Float64Column, start: number, end: number): ChunkPlan {
  // One element type for every loop below (an Int32 chunk is widened), so each loop stays monomorphic.
  const values = column.values instanceof Float64Array ? column.values.subarray(start, end) : new Float64Array(column.values.subarray(start, end));
  const mask = column.nulls ? column.nulls.subarray(start, end) : null;
  const rows = end - start;
  const physical: ParquetType = column.type === 'TIMESTAMP' ? 'INT64' : column.type === 'DOUBLE' ? 'DOUBLE' : 'INT32';
  const width = physical === 'INT32' ? 4 : 8;
  let nulls = 0;
  let nans = 0;
  let min = 0;
  let max = 0;
  let bounded = false;
  for (let r = 0; r < rows; r++) {
    if (mask !== null && mask[r] === 1) {
      nulls++;
      continue;
    }
    const v = values[r]!;
    if (v !== v) {
      nans++;
      continue;
    }
    if (!bounded) {
      min = max = v;
      bounded = true;
    } else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (nulls > 0 && !column.nullable) throw new Error(`column ${column.name} is required but has ${nulls} null values`);
  // The library keeps -0 for a minimum of zero and +0 for a maximum of zero.
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  const statistics: ChunkStatistics = { null_count: BigInt(nulls) };
  if (physical === 'DOUBLE') statistics.nan_count = BigInt(nans);
  if (bounded) {
    statistics.min_value = physical === 'INT64' ? BigInt(min) : min;
    statistics.max_value = physical === 'INT64' ? BigInt(max) : max;
  }
  const sizeOf = (row: number) => (mask !== null && mask[row] === 1 ? 0 : width);
  const writeValues = (out: Bytes, source: Float64Array, from: number, to: number) => {
    out.reserve((to - from) * width);
    const view = out.view;
    let at = out.length;
    if (physical === 'INT32') {
      for (let r = from; r < to; r++) {
        if (mask !== null && mask[r] === 1) continue;
        view.setInt32(at, source[r]!, true);
        at += 4;
      }
    } else if (physical === 'DOUBLE') {
      for (let r = from; r < to; r++) {
        if (mask !== null && mask[r] === 1) continue;
        view.setFloat64(at, source[r]!, true);
        at += 8;
      }
    } else {
      for (let r = from; r < to; r++) {
        if (mask !== null && mask[r] === 1) continue;
        setInt64(view, at, source[r]!);
        at += 8;
      }
    }
    out.length = at;
  };
  const writePlain = (out: Bytes, from: number, to: number) => writeValues(out, values, from, to);
  const keyAt = (row: number) => (mask !== null && mask[row] === 1 ? null : values[row]! === 0 ? 0 : values[row]!);
  const totalSize = (rows - nulls) * width;
  const plain: ChunkPlan = { indexes: null, dictionaryPlain: null, dictionaryCount: 0, sizeOf, totalSize, writePlain, statistics, encoding: 'PLAIN' };
  if (!sampleAllowsDictionary(rows, keyAt, sizeOf)) return plain;
  const indexes = new Int32Array(rows);
  const firstValues = new Float64Array(rows);
  let distinct = 0;
  if (column.values instanceof Int32Array && bounded && max - min <= DIRECT_INDEX_SPAN) {
    // Integers in a narrow range (ids, quantities, balances): a position per value, no hashing.
    const positions = new Int32Array(max - min + 1).fill(-1);
    for (let r = 0; r < rows; r++) {
      if (mask !== null && mask[r] === 1) continue;
      const v = values[r]!;
      let at = positions[v - min]!;
      if (at < 0) {
        at = positions[v - min] = distinct;
        firstValues[distinct++] = v;
      }
      indexes[r] = at;
    }
  } else {
    const index = new NumberIndex();
    for (let r = 0; r < rows; r++) {
      if (mask !== null && mask[r] === 1) continue;
      const v = values[r]!;
      const found = index.findOrAdd(v);
      if (found >= 0) indexes[r] = found;
      else {
        indexes[r] = distinct;
        firstValues[distinct++] = v;
      }
    }
  }
  const nonNull = rows - nulls;
  if (!dictionaryWins(distinct, nonNull, nonNull * width, distinct * width, 0)) return plain;
  const dictionary = new Bytes(distinct * width + 16);
  writeDictionary(dictionary, firstValues, distinct, physical);
  return { indexes, dictionaryPlain: dictionary.view8(), dictionaryCount: distinct, sizeOf, totalSize, writePlain, statistics, encoding: 'RLE_DICTIONARY' };
}

function writeDictionary(out: Bytes, values: Float64Array, count: number, physical: ParquetType): void {
  const width = physical === 'INT32' ? 4 : 8;
  out.reserve(count * width);
  const view = out.view;
  let at = out.length;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (physical === 'INT32') view.setInt32(at, v, true);
    else if (physical === 'DOUBLE') view.setFloat64(at, v, true);
    else setInt64(view, at, v);
    at += width;
  }
  out.length = at;
}

function planBigInts(column: BigIntColumn, start: number, end: number): ChunkPlan {
  const values = column.values;
  const nullMask = column.nulls;
  const rows = end - start;
  const isNull = (row: number) => nullMask !== null && nullMask[start + row] === 1;
  let nulls = 0;
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (let r = 0; r < rows; r++) {
    if (isNull(r)) {
      nulls++;
      continue;
    }
    const v = values[start + r]!;
    if (min === undefined || v < min) min = v;
    if (max === undefined || v > max) max = v;
  }
  if (nulls > 0 && !column.nullable) throw new Error(`column ${column.name} is required but has ${nulls} null values`);
  const statistics: ChunkStatistics = { null_count: BigInt(nulls) };
  if (min !== undefined && max !== undefined) {
    statistics.min_value = min;
    statistics.max_value = max;
  }
  const sizeOf = (row: number) => (isNull(row) ? 0 : 8);
  const writeValue = (out: Bytes, v: bigint) => {
    out.view.setBigInt64(out.length, v, true);
    out.length += 8;
  };
  const writePlain = (out: Bytes, from: number, to: number) => {
    out.reserve((to - from) * 8);
    for (let r = from; r < to; r++) if (!isNull(r)) writeValue(out, values[start + r]!);
  };
  const totalSize = (rows - nulls) * 8;
  const plain: ChunkPlan = { indexes: null, dictionaryPlain: null, dictionaryCount: 0, sizeOf, totalSize, writePlain, statistics, encoding: 'PLAIN' };
  // Bigint keys: a Map is exact and this type is rare (no generated table has one on a hot path).
  const keys: bigint[] = [];
  const keyOf = new Map<bigint, number>();
  const keyAt = (row: number) => {
    if (isNull(row)) return null;
    const v = values[start + row]!;
    let k = keyOf.get(v);
    if (k === undefined) {
      k = keys.length;
      keys.push(v);
      keyOf.set(v, k);
    }
    return k;
  };
  if (!sampleAllowsDictionary(rows, keyAt, sizeOf)) return plain;
  const indexes = new Int32Array(rows);
  const positions = new Map<bigint, number>();
  const dictionary: bigint[] = [];
  for (let r = 0; r < rows; r++) {
    if (isNull(r)) continue;
    const v = values[start + r]!;
    let at = positions.get(v);
    if (at === undefined) {
      at = dictionary.length;
      dictionary.push(v);
      positions.set(v, at);
    }
    indexes[r] = at;
  }
  const nonNull = rows - nulls;
  if (!dictionaryWins(dictionary.length, nonNull, nonNull * 8, dictionary.length * 8, 0)) return plain;
  const plainDictionary = new Bytes(dictionary.length * 8 + 16);
  for (const v of dictionary) writeValue(plainDictionary, v);
  return {
    indexes,
    dictionaryPlain: plainDictionary.view8(),
    dictionaryCount: dictionary.length,
    sizeOf,
    totalSize,
    writePlain,
    statistics,
    encoding: 'RLE_DICTIONARY',
  };
}

function planBooleans(column: BooleanColumn, start: number, end: number): ChunkPlan {
  const values = column.values;
  const nullMask = column.nulls;
  const rows = end - start;
  const isNull = (row: number) => nullMask !== null && nullMask[start + row] === 1;
  let nulls = 0;
  let min: boolean | undefined;
  let max: boolean | undefined;
  for (let r = 0; r < rows; r++) {
    if (isNull(r)) {
      nulls++;
      continue;
    }
    const v = values[start + r] === 1;
    if (min === undefined || (!v && min)) min = v;
    if (max === undefined || (v && !max)) max = v;
  }
  if (nulls > 0 && !column.nullable) throw new Error(`column ${column.name} is required but has ${nulls} null values`);
  const statistics: ChunkStatistics = { null_count: BigInt(nulls) };
  if (min !== undefined && max !== undefined) {
    statistics.min_value = min;
    statistics.max_value = max;
  }
  // Hybrid RLE (bit width 1, with a length prefix) above 16 values, as the library chooses; PLAIN bits below.
  const encoding: Encoding = rows > 16 ? 'RLE' : 'PLAIN';
  const nonNullBits = (from: number, to: number): Uint8Array => {
    const bits = new Uint8Array(to - from);
    let n = 0;
    for (let r = from; r < to; r++) if (!isNull(r)) bits[n++] = values[start + r]!;
    return bits.subarray(0, n);
  };
  const writePlain = (out: Bytes, from: number, to: number) => {
    const bits = nonNullBits(from, to);
    if (encoding === 'RLE') {
      const rle = new Bytes(bits.length + 16);
      writeRleHybrid(rle, bits, 0, bits.length, 1);
      out.uint32(rle.length);
      out.bytes(rle.view8());
      return;
    }
    let current = 0;
    for (let i = 0; i < bits.length; i++) {
      if (bits[i]) current |= 1 << (i % 8);
      if (i % 8 === 7) {
        out.byte(current);
        current = 0;
      }
    }
    if (bits.length % 8) out.byte(current);
  };
  return {
    indexes: null,
    dictionaryPlain: null,
    dictionaryCount: 0,
    sizeOf: (row) => (isNull(row) ? 0 : 0.125),
    totalSize: (rows - nulls) * 0.125,
    writePlain,
    statistics,
    encoding,
  };
}

/** Page boundaries by the library's rule: a page ends before the value that takes it to `PAGE_SIZE` bytes. */
function pageBoundaries(rows: number, sizeOf: (row: number) => number): [number, number][] {
  const pages: [number, number][] = [];
  let first = 0;
  let bytes = 0;
  for (let r = 0; r < rows; r++) {
    const size = sizeOf(r);
    bytes += size;
    if (bytes >= PAGE_SIZE && r > first) {
      pages.push([first, r]);
      first = r;
      bytes = size;
    }
  }
  if (first < rows) pages.push([first, rows]);
  return pages;
}

/** Reused scratch buffers: page bodies and levels are built here, then compressed into fresh arrays. */
const levelBytes = new Bytes();
const pageBytes = new Bytes();
let levelScratch = new Uint8Array(1024);
let indexScratch = new Int32Array(1024);

function compress(codec: CompressionCodec, bytes: Uint8Array): Uint8Array {
  return codec === 'SNAPPY' ? snappyCompress(bytes) : bytes.slice();
}

function writeChunk(
  writer: ByteWriter,
  column: TypedColumn,
  element: SchemaElement,
  plan: ChunkPlan,
  start: number,
  end: number,
  codec: CompressionCodec,
): { chunk: ColumnChunk; offsetIndex?: OffsetIndex } {
  const rows = end - start;
  const offsetStart = writer.offset;
  let uncompressed = 0;
  const encodings: Encoding[] = [];
  let dictionaryPageOffset: bigint | undefined;
  const nullMask = column.type === 'STRING' ? null : column.nulls;
  const codes = column.type === 'STRING' ? column.codes : null;
  const isNull = (row: number) => (codes ? codes[start + row]! < 0 : nullMask !== null && nullMask[start + row] === 1);

  if (plan.indexes && plan.dictionaryPlain) {
    dictionaryPageOffset = BigInt(writer.offset);
    const compressed = compress(codec, plan.dictionaryPlain);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: plan.dictionaryPlain.length,
      compressed_page_size: compressed.length,
      dictionary_page_header: { num_values: plan.dictionaryCount, encoding: 'PLAIN' },
    });
    uncompressed += writer.offset - headerStart + plan.dictionaryPlain.length;
    writer.appendBytes(compressed);
    encodings.push('PLAIN');
  }
  encodings.push(plan.encoding);

  const indexes = plan.indexes;
  // Every row's definition level (1 present, 0 null), once per chunk from the codes or the null mask.
  if (levelScratch.length < rows) levelScratch = new Uint8Array(rows * 2);
  const levels = levelScratch;
  if (codes) for (let r = 0; r < rows; r++) levels[r] = codes[start + r]! < 0 ? 0 : 1;
  else if (nullMask) for (let r = 0; r < rows; r++) levels[r] = 1 - nullMask[start + r]!;
  else levels.fill(1, 0, rows);
  // A chunk whose values add up to less than a page's size is one page (pageBoundaries would find none).
  const nonNull = codes || nullMask ? levels.subarray(0, rows).reduce((sum, level) => sum + level, 0) : rows;
  const totalSize = indexes ? nonNull * 4 : plan.totalSize;
  const pages: [number, number][] =
    rows === 0 ? [] : totalSize < PAGE_SIZE ? [[0, rows]] : pageBoundaries(rows, indexes ? (row) => (isNull(row) ? 0 : 4) : plan.sizeOf);
  const offsetIndex: OffsetIndex | undefined = pages.length > 1 ? { page_locations: [] } : undefined;
  const dataPageOffset = BigInt(writer.offset);
  for (const [from, to] of pages) {
    const pageOffset = writer.offset;
    const count = to - from;
    levelBytes.reset();
    pageBytes.reset();
    let nulls = 0;
    if (column.nullable) {
      for (let r = from; r < to; r++) nulls += 1 - levels[r]!;
      writeRleHybrid(levelBytes, levels, from, to, 1);
    }
    if (indexes) {
      let values: Int32Array = indexes;
      let first = from;
      let last = to;
      if (nulls > 0) {
        if (indexScratch.length < count) indexScratch = new Int32Array(count * 2);
        let n = 0;
        for (let r = from; r < to; r++) if (levels[r] === 1) indexScratch[n++] = indexes[r]!;
        values = indexScratch;
        first = 0;
        last = n;
      }
      let maxIndex = 0;
      for (let i = first; i < last; i++) if (values[i]! > maxIndex) maxIndex = values[i]!;
      const bitWidth = Math.ceil(Math.log2(maxIndex + 1));
      pageBytes.byte(bitWidth);
      writeRleHybrid(pageBytes, values, first, last, bitWidth);
    } else {
      plan.writePlain(pageBytes, from, to);
    }
    const body = pageBytes.view8();
    const compressed = compress(codec, body);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelBytes.length + body.length,
      compressed_page_size: levelBytes.length + compressed.length,
      data_page_header_v2: {
        num_values: count,
        num_nulls: nulls,
        num_rows: count,
        encoding: plan.encoding,
        definition_levels_byte_length: levelBytes.length,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    });
    uncompressed += writer.offset - headerStart + levelBytes.length + body.length;
    writer.appendBytes(levelBytes.view8());
    writer.appendBytes(compressed);
    offsetIndex?.page_locations.push({ offset: BigInt(pageOffset), compressed_page_size: writer.offset - pageOffset, first_row_index: BigInt(from) });
  }

  const encoding_stats: NonNullable<ColumnMetaData['encoding_stats']> = [];
  if (dictionaryPageOffset !== undefined) encoding_stats.push({ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 });
  encoding_stats.push({ page_type: 'DATA_PAGE_V2', encoding: plan.encoding, count: pages.length });
  const meta_data: ColumnMetaData = {
    type: element.type!,
    encodings,
    path_in_schema: [column.name],
    codec,
    num_values: BigInt(rows),
    total_compressed_size: BigInt(writer.offset - offsetStart),
    total_uncompressed_size: BigInt(uncompressed),
    data_page_offset: dataPageOffset,
    dictionary_page_offset: dictionaryPageOffset,
    statistics: plan.statistics as ColumnMetaData['statistics'],
    encoding_stats,
  };
  return { chunk: { meta_data, file_offset: BigInt(offsetStart) }, ...(offsetIndex ? { offsetIndex } : {}) };
}

function planChunk(column: TypedColumn, utf8: Utf8Dictionary | null, local: Int32Array | null, start: number, end: number): ChunkPlan {
  switch (column.type) {
    case 'STRING':
      return planStrings(column, utf8!, local!, start, end);
    case 'INT64':
      return planBigInts(column, start, end);
    case 'BOOLEAN':
      return planBooleans(column, start, end);
    default:
      return planNumbers(column, start, end);
  }
}

export function encodeTypedTable(table: TypedTable, options: TypedEncodeOptions): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  for (const column of table.columns) {
    const length = columnLength(column);
    if (length !== table.rowCount) throw new Error(`column ${column.name} has ${length} values for ${table.rowCount} rows`);
    schema.push(schemaElement(column));
  }
  const text = table.columns.map((c) => (c.type === 'STRING' ? (c.utf8 ?? utf8Dictionary(c.dictionary)) : null));
  const local = text.map((utf8) => (utf8 ? new Int32Array(utf8.offsets.length - 1).fill(-1) : null));
  const writer = new ByteWriter(1 << 16);
  writer.appendUint32(MAGIC);
  const rowGroups: RowGroup[] = [];
  const pageIndexes: { chunk: ColumnChunk; offsetIndex?: OffsetIndex }[] = [];
  for (let start = 0; start < table.rowCount; start += options.rowGroupSize) {
    const end = Math.min(table.rowCount, start + options.rowGroupSize);
    const groupStart = writer.offset;
    const columns: ColumnChunk[] = [];
    table.columns.forEach((column, c) => {
      const plan = planChunk(column, text[c]!, local[c]!, start, end);
      const written = writeChunk(writer, column, schema[c + 1]!, plan, start, end, options.codec);
      columns.push(written.chunk);
      pageIndexes.push(written);
    });
    let totalByteSize = 0n;
    for (const chunk of columns) totalByteSize += chunk.meta_data?.total_uncompressed_size ?? 0n;
    rowGroups.push({ columns, total_byte_size: totalByteSize, num_rows: BigInt(end - start), total_compressed_size: BigInt(writer.offset - groupStart) });
  }
  writeIndexes(writer, pageIndexes);
  writeMetadata(writer, { version: 2, created_by: options.createdBy, schema, num_rows: BigInt(table.rowCount), row_groups: rowGroups, metadata_length: 0 });
  writer.appendUint32(MAGIC);
  return new Uint8Array(writer.getBuffer());
}
