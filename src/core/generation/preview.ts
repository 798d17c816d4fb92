/**
 * Reading generated tables back for previews: only the Parquet footer and the row groups needed are
 * fetched (range reads), so previewing 403,000 customers does not download them all.
 */
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { DatasetFiles } from '../storage/files.js';
import { isDimensionTable, type DatasetTable } from '../dataset-tables.js';
import { tableLocation } from './datasets.js';

export interface TablePreview {
  table_name: string;
  columns: string[];
  row_count: number;
  preview_rows: Record<string, unknown>[];
  /** Facts: the date partition the rows come from (most recent first). */
  date_partition: string | null;
}

/** JSON-safe cell values: INT64 as numbers when exact (else strings), dates as ISO strings. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

export async function previewTable(files: DatasetFiles, table: DatasetTable, limit: number, rowCount: number): Promise<TablePreview> {
  const stored = (await files.list(tableLocation(table))).filter((file) => file.path.endsWith('.parquet'));
  // Facts are Hive-partitioned by date: the newest partition first, as an operator expects.
  stored.sort((a, b) => (isDimensionTable(table) ? a.path.localeCompare(b.path) : b.path.localeCompare(a.path)));
  const rows: Record<string, unknown>[] = [];
  let columns: string[] = [];
  let datePartition: string | null = null;
  for (const file of stored) {
    if (rows.length >= limit) break;
    const handle = await files.open(file.path);
    if (!handle) continue;
    const buffer = { byteLength: handle.byteLength, slice: (start: number, end?: number) => handle.read(start, end ?? handle.byteLength) };
    const metadata = await parquetMetadataAsync(buffer);
    if (columns.length === 0) columns = parquetSchema(metadata).children.map((child) => child.element.name);
    datePartition ??= /date=(\d{4}-\d{2}-\d{2})/.exec(file.path)?.[1] ?? null;
    const wanted = limit - rows.length;
    const objects = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: Math.min(wanted, Number(metadata.num_rows)) });
    for (const object of objects) {
      rows.push(Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toJsonValue(value)])));
    }
  }
  return { table_name: table, columns, row_count: rowCount, preview_rows: rows, date_partition: isDimensionTable(table) ? null : datePartition };
}
