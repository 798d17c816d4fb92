/**
 * Columnar tables to Parquet bytes (Snappy; read by DuckDB, Spark and Fabric), through the shared encoder in
 * src/core/parquet.ts. The output is byte-identical for identical input: no timestamps, a fixed writer name.
 */
import { encodeParquet as encode } from '../parquet.js';
import { APP_VERSION } from '../version.js';
import type { ColumnarTable } from './table.js';

export function encodeParquet(table: ColumnarTable): Uint8Array {
  return encode(table, { createdBy: `retail-datagen ${APP_VERSION}`, rowGroupSize: 100_000 });
}
