/**
 * Streaming reads of generated Parquet for the realism report: one file at a time (a table's region-day, a few
 * MB at default volume), decoding one row group and only the columns asked for at a time, so memory stays
 * bounded by one file whatever the length of the range. The file is fetched whole in one request: range reads
 * of each column chunk cost a round trip each, and at default volume (20 regions × 9 tables × 6 columns a
 * day) those round trips, not the decoding, would set the report's time.
 */
import { parquetMetadataAsync, parquetScan } from 'hyparquet';
import type { DatasetFiles } from '../storage/files.js';

/** One row group's worth of the requested columns, each as decoded (numbers, strings, Dates or bigints). */
export type ColumnBatch = Record<string, ArrayLike<unknown>>;

export async function scanParquetFile(
  files: DatasetFiles,
  path: string,
  columns: readonly string[],
  onBatch: (batch: ColumnBatch, rows: number) => void,
): Promise<void> {
  const bytes = await files.read(path);
  if (!bytes) return;
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = await parquetMetadataAsync(file);
  const scan = await parquetScan({ file, metadata, columns: [...columns] });
  for (const range of scan.ranges) {
    const batch: ColumnBatch = {};
    for (const column of columns) batch[column] = await scan.readColumn({ column, rowStart: range.rowStart, rowEnd: range.rowEnd });
    onBatch(batch, range.rowEnd - range.rowStart);
  }
}

/** Every Parquet file of a fact table for one day (one per supply region, or the network file for marketing). */
export async function factDayFiles(files: DatasetFiles, table: string, day: string): Promise<string[]> {
  const listed = await files.list(`facts/${table}/date=${day}/`);
  return listed
    .map((file) => file.path)
    .filter((path) => path.endsWith('.parquet'))
    .sort();
}

export async function scanFactDay(
  files: DatasetFiles,
  table: string,
  day: string,
  columns: readonly string[],
  onBatch: (batch: ColumnBatch, rows: number) => void,
): Promise<number> {
  const paths = await factDayFiles(files, table, day);
  for (const path of paths) await scanParquetFile(files, path, columns, onBatch);
  return paths.length;
}

/** Epoch milliseconds from a decoded TIMESTAMP cell (a Date, or an INT64 as bigint or number); null stays null. */
export function millisOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  return null;
}

export function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return 0;
}
