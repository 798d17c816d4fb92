/**
 * Columnar tables to Parquet bytes (hyparquet-writer: pure JS, Snappy, read by DuckDB, Spark and Fabric).
 * The output is byte-identical for identical input: no timestamps, a fixed writer name.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { APP_VERSION } from '../version.js';
import type { ColumnarTable, ColumnType } from './table.js';

const PARQUET_TYPES: Record<ColumnType, 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP'> = {
  INT32: 'INT32',
  INT64: 'INT64',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  TIMESTAMP: 'TIMESTAMP',
};

export function encodeParquet(table: ColumnarTable): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: table.columns.map((c) => ({ name: c.name, data: c.data as never, type: PARQUET_TYPES[c.type] })),
    codec: 'SNAPPY',
    createdBy: `retail-datagen ${APP_VERSION}`,
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buffer);
}
