/**
 * Columnar tables to Parquet bytes (Snappy, column statistics; the files read in DuckDB, Spark and Fabric).
 * Host-free: no Node or Azure APIs.
 *
 * Plain column data (arrays of strings, Dates, numbers, typed arrays) is converted once to typed columns
 * (src/core/parquet/columns.ts) and encoded by src/core/parquet/encoder.ts, which writes the same bytes as
 * hyparquet-writer for the same values, several times faster. Generators that build typed columns directly
 * (the fact tables) hand them to `encodeTypedParquet` and skip the conversion.
 *
 * Determinism: the output depends only on the table (no timestamps, a fixed `created_by`, fixed row group
 * and page sizes), so the same input gives the same bytes in any process.
 */
import { typedColumn, type ParquetColumnData, type ParquetColumnType, type TypedTable } from './columns.js';
import { encodeTypedTable } from './encoder.js';

export type { ParquetColumnData, ParquetColumnType, TypedColumn, TypedTable } from './columns.js';

/**
 * Values per type: INT32 Int32Array or numbers; INT64 BigInt64Array or bigints; DOUBLE Float64Array or
 * numbers; BOOLEAN booleans; STRING strings; TIMESTAMP Dates or epoch milliseconds (stored as UTC
 * milliseconds); DATE Dates or days since 1970-01-01. `null` marks a missing value in plain arrays.
 */
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

function resolved(options: ParquetEncodeOptions) {
  return { codec: options.codec ?? 'SNAPPY', createdBy: options.createdBy ?? PARQUET_CREATED_BY, rowGroupSize: options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE };
}

/** Converts plain columns to typed ones (one pass each). */
export function toTypedTable(table: ParquetTable): TypedTable {
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((column) => {
      if (column.data.length !== table.rowCount) throw new Error(`column ${column.name} has ${column.data.length} values for ${table.rowCount} rows`);
      return typedColumn(column.name, column.type, column.data, column.nullable !== false);
    }),
  };
}

export function encodeParquet(table: ParquetTable, options: ParquetEncodeOptions = {}): Uint8Array {
  return encodeTypedTable(toTypedTable(table), resolved(options));
}

export function encodeTypedParquet(table: TypedTable, options: ParquetEncodeOptions = {}): Uint8Array {
  return encodeTypedTable(table, resolved(options));
}
