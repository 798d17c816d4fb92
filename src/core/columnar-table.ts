/**
 * Columnar tables: each column is one typed array, so hundreds of thousands of rows are built without an
 * object per row, and encode straight to Parquet.
 */
export type ColumnType = 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP';

export type ColumnData = Int32Array | Float64Array | BigInt64Array | boolean[] | (string | null)[] | (Date | null)[] | (number | null)[];

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
  for (const c of table.columns) row[c.name] = (c.data as ArrayLike<unknown>)[index];
  return row;
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
