/**
 * Downloading generated data as files a data engineer opens directly: a dimension table is one Parquet file;
 * a fact table-day is one Parquet file per supply region, so it comes either as one part (`part=dc-001`) or as
 * a tar of every part under its blob path (`facts/<table>/date=YYYY-MM-DD/…`), which unpacks into the same
 * Hive layout the export command writes and DuckDB reads with `hive_partitioning=1`.
 */
import { z } from 'zod';
import { isoDate } from '../config/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { isDimensionTable } from '../dataset-tables.js';
import { masterFilePath, PARQUET_CONTENT_TYPE, type DatasetFiles } from '../storage/files.js';
import { assertTableName } from './datasets.js';

export const downloadQuerySchema = z
  .object({
    table: z.string().min(1).max(64).describe('A table name, e.g. fact_receipts or dim_stores'),
    date: isoDate.optional().describe('The day of a fact table (YYYY-MM-DD); not used for dimension tables'),
    part: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'expected a part name such as dc-001 or network')
      .optional()
      .describe('One Parquet part of the fact table-day (e.g. dc-001); unset: a tar of every part'),
  })
  .strict();
export type DownloadQuery = z.infer<typeof downloadQuerySchema>;

export interface Download {
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

export const TAR_CONTENT_TYPE = 'application/x-tar';

export async function downloadTableFiles(files: DatasetFiles, query: DownloadQuery): Promise<Download> {
  const table = assertTableName(query.table);
  if (isDimensionTable(table)) {
    if (query.date || query.part) throw ValidationError.single('date', `${table} is a dimension table: it has no date partitions or parts`);
    const bytes = await files.read(masterFilePath(table));
    if (!bytes) throw new NotFoundError(`table: ${table} has not been generated`);
    return { fileName: `${table}.parquet`, contentType: PARQUET_CONTENT_TYPE, bytes };
  }
  if (!query.date) throw ValidationError.single('date', `required for the fact table ${table} (YYYY-MM-DD)`);
  const prefix = `facts/${table}/date=${query.date}/`;
  const parts = (await files.list(prefix)).filter((file) => file.path.endsWith('.parquet')).sort((a, b) => a.path.localeCompare(b.path));
  if (parts.length === 0) throw new NotFoundError(`date: ${table} has no data for ${query.date}`);
  if (query.part) {
    const bytes = await files.read(`${prefix}${query.part}.parquet`);
    if (!bytes) {
      const known = parts.map((file) => file.path.slice(prefix.length, -'.parquet'.length)).join(', ');
      throw new NotFoundError(`part: ${table} on ${query.date} has no part ${query.part}; parts: ${known}`);
    }
    return { fileName: `${table}-${query.date}-${query.part}.parquet`, contentType: PARQUET_CONTENT_TYPE, bytes };
  }
  const entries: { path: string; bytes: Uint8Array }[] = [];
  for (const part of parts) {
    const bytes = await files.read(part.path);
    if (bytes) entries.push({ path: part.path, bytes });
  }
  return { fileName: `${table}-${query.date}.tar`, contentType: TAR_CONTENT_TYPE, bytes: tarArchive(entries) };
}

function writeField(header: Uint8Array, offset: number, length: number, value: string): void {
  header.set(Buffer.from(value, 'utf8').subarray(0, length), offset);
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0');
}

/**
 * A POSIX ustar archive of regular files. The modification time is 0 so the same data gives the same bytes.
 * Paths must fit the 100-byte name field (the blob paths are about 60).
 */
export function tarArchive(entries: readonly { path: string; bytes: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const { path, bytes } of entries) {
    if (Buffer.byteLength(path) > 100) throw new Error(`tar: path longer than 100 bytes: ${path}`);
    const header = new Uint8Array(512);
    writeField(header, 0, 100, path);
    writeField(header, 100, 8, octal(0o644, 8));
    writeField(header, 108, 8, octal(0, 8));
    writeField(header, 116, 8, octal(0, 8));
    writeField(header, 124, 12, octal(bytes.length, 12));
    writeField(header, 136, 12, octal(0, 12));
    writeField(header, 148, 8, '        ');
    writeField(header, 156, 1, '0');
    writeField(header, 257, 6, 'ustar');
    writeField(header, 263, 2, '00');
    let checksum = 0;
    for (const byte of header) checksum += byte;
    writeField(header, 148, 8, `${octal(checksum, 7)}\0`);
    blocks.push(header, bytes);
    const padding = (512 - (bytes.length % 512)) % 512;
    if (padding > 0) blocks.push(new Uint8Array(padding));
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}
