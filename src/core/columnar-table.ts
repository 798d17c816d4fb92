/**
 * Columnar tables: each column is one typed array, so hundreds of thousands of rows are built without an
 * object per row, and encode straight to Parquet.
 */
import { Utf8Strings } from './utf8-strings.js';

export type ColumnType = 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP';

/** Text is an array of strings or, for large mostly unique columns, UTF-8 bytes (`Utf8Strings`). */
export type ColumnData = Int32Array | Float64Array | BigInt64Array | boolean[] | (string | null)[] | (Date | null)[] | (number | null)[] | Utf8Strings;

export interface Column {
  name: string;
  type: ColumnType;
  data: ColumnData;
}

export interface ColumnarTable {
  name: string;
  rowCount: number;
  columns: Column[];
}

export function column(name: string, type: ColumnType, data: ColumnData): Column {
  return { name, type, data };
}

/** Reads one row as an object (tests and previews; not for hot paths). */
export function rowAt(table: ColumnarTable, index: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of table.columns) row[c.name] = valueAt(c.data, index);
  return row;
}

export function valueAt(data: ColumnData, index: number): unknown {
  return data instanceof Utf8Strings ? data.at(index) : data[index];
}

/** A text column's values as strings, whichever form it was built in. */
export function textOf(table: ColumnarTable, name: string): (string | null)[] {
  const data = columnOf(table, name);
  if (data instanceof Utf8Strings) return data.toArray();
  if (!Array.isArray(data) || data.some((value) => value !== null && typeof value !== 'string')) throw new Error(`${table.name}.${name} is not text`);
  return data as (string | null)[];
}

export function columnOf(table: ColumnarTable, name: string): ColumnData {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`${table.name} has no column ${name}`);
  return found.data;
}

/** Rounds to cents the way money is shown (half away from zero on the cent). */
export function roundCents(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}
