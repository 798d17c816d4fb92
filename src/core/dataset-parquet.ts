/**
 * Dataset tables to Parquet bytes (Snappy; read by DuckDB, Spark and Fabric), through the shared encoder in
 * src/core/parquet/index.ts. The output is byte-identical for identical input: no timestamps, a fixed writer name.
 */
import { encodeParquet as encode, encodeTypedParquet as encodeTyped, type TypedTable } from './parquet/index.js';
import { APP_VERSION } from './version.js';
import type { ColumnarTable } from './columnar-table.js';

const OPTIONS = { createdBy: `retail-datagen ${APP_VERSION}`, rowGroupSize: 100_000 };

export function encodeParquet(table: ColumnarTable): Uint8Array {
  return encode(table, OPTIONS);
}

/** Typed columns as the fact builders keep them (src/core/facts/builder.ts): the same bytes as `encodeParquet` of `build()`. */
export function encodeTypedParquet(table: TypedTable): Uint8Array {
  return encodeTyped(table, OPTIONS);
}
