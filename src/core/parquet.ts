/**
 * Columnar tables to Parquet bytes with hyparquet-writer (pure JS, maintained, Snappy; the files read in
 * DuckDB, Spark and Fabric). Host-free: no Node or Azure APIs.
 *
 * Why not hand the string arrays straight to the library: it UTF-8 encodes every value with its own
 * `TextEncoder.encode` call (one ArrayBuffer per value), which for 400,000 customers x 7 text columns is
 * millions of short-lived buffers and most of the run goes to GC. Here each text column is encoded once into
 * one shared buffer (ASCII fast path), repeated values share one view, and the library only copies bytes.
 *
 * Determinism: the output depends only on the table (no timestamps, a fixed `created_by`, fixed row group
 * and page sizes), so the same input gives the same bytes in any process.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { DecodedArray, SchemaElement } from 'hyparquet';

export type ParquetColumnType = 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP' | 'DATE';

/**
 * Values per type: INT32 Int32Array or numbers; INT64 BigInt64Array or bigints; DOUBLE Float64Array or
 * numbers; BOOLEAN booleans; STRING strings; TIMESTAMP Dates or epoch milliseconds (stored as UTC
 * milliseconds); DATE Dates or days since 1970-01-01. `null` marks a missing value in plain arrays.
 */
export type ParquetColumnData =
  | Int32Array
  | Float64Array
  | BigInt64Array
  | readonly (number | null)[]
  | readonly (bigint | null)[]
  | readonly (boolean | null)[]
  | readonly (string | null)[]
  | readonly (Date | null)[];

export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
  data: ParquetColumnData;
  /** Defaults to true (OPTIONAL): every file of a table then has the same schema, whether or not it has nulls. */
  nullable?: boolean;
}

export interface ParquetTable {
  rowCount: number;
  columns: readonly ParquetColumn[];
}

export interface ParquetEncodeOptions {
  codec?: 'SNAPPY' | 'UNCOMPRESSED';
  /** Rows per row group; fixed so that splitting never depends on the machine. */
  rowGroupSize?: number;
  /** Written as FileMetaData.created_by. Keep it constant: it is part of the bytes. */
  createdBy?: string;
}

export const PARQUET_CREATED_BY = 'retail-datagen';
export const DEFAULT_ROW_GROUP_SIZE = 100_000;

function schemaElement(column: ParquetColumn): SchemaElement {
  const repetition_type = column.nullable === false ? 'REQUIRED' : 'OPTIONAL';
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

/** Distinct-value share of a sample above which de-duplicating a text column costs more than it saves. */
const DEDUPE_SAMPLE = 1000;
const DEDUPE_MAX_DISTINCT_SHARE = 0.5;

function worthDeduplicating(values: readonly (string | null)[]): boolean {
  const sample = Math.min(values.length, DEDUPE_SAMPLE);
  if (sample === 0) return false;
  const seen = new Set<string | null>();
  const step = values.length / sample;
  for (let i = 0; i < sample; i++) seen.add(values[Math.floor(i * step)] ?? null);
  return seen.size / sample <= DEDUPE_MAX_DISTINCT_SHARE;
}

const encoder = new TextEncoder();
const CHUNK_BYTES = 4 * 1024 * 1024;

/** UTF-8 bytes of every value as views into one buffer (null stays null). */
export function utf8Column(values: readonly (string | null)[]): (Uint8Array | null)[] {
  const dedupe = worthDeduplicating(values) ? new Map<string, Uint8Array>() : null;
  let buffer = new Uint8Array(1024);
  let offset = 0;
  const out = new Array<Uint8Array | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    if (text === null || text === undefined) {
      out[i] = null;
      continue;
    }
    const known = dedupe?.get(text);
    if (known) {
      out[i] = known;
      continue;
    }
    const worst = text.length * 3; // UTF-16 code unit -> at most 3 UTF-8 bytes
    if (offset + worst > buffer.length) {
      // Views already handed out keep the old buffer alive; new values go to a fresh one. Growth stops at
      // CHUNK_BYTES so that the unused tail of the last chunk stays small.
      buffer = new Uint8Array(Math.max(Math.min(buffer.length * 2, CHUNK_BYTES), worst));
      offset = 0;
    }
    const start = offset;
    let ascii = true;
    for (let j = 0; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      buffer[offset++] = code;
    }
    if (!ascii) offset = start + encoder.encodeInto(text, buffer.subarray(start)).written;
    const view = buffer.subarray(start, offset);
    dedupe?.set(text, view);
    out[i] = view;
  }
  return out;
}

export function encodeParquet(table: ParquetTable, options: ParquetEncodeOptions = {}): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  const columnData = table.columns.map((column) => {
    if (column.data.length !== table.rowCount) {
      throw new Error(`column ${column.name} has ${column.data.length} values for ${table.rowCount} rows`);
    }
    schema.push(schemaElement(column));
    if (column.type === 'STRING' && !Array.isArray(column.data)) throw new Error(`column ${column.name} is STRING but not an array of strings`);
    const data = column.type === 'STRING' ? utf8Column(column.data as readonly (string | null)[]) : column.data;
    // The library's types want mutable arrays; it does not write to them.
    return { name: column.name, data: data as DecodedArray };
  });
  const buffer = parquetWriteBuffer({
    schema,
    columnData,
    codec: options.codec ?? 'SNAPPY',
    createdBy: options.createdBy ?? PARQUET_CREATED_BY,
    rowGroupSize: options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE,
  });
  return new Uint8Array(buffer);
}
