/** Where datasets are written: Blob storage in Azure and Azurite, behind this small interface. */
export interface StoredFile {
  path: string;
  bytes: number;
}

/** Random access to one stored file, so a reader fetches only the byte ranges it needs (Parquet footers). */
export interface RandomAccessFile {
  byteLength: number;
  read(start: number, end: number): Promise<ArrayBuffer>;
}

export interface DatasetFiles {
  open(path: string): Promise<RandomAccessFile | undefined>;
  write(path: string, bytes: Uint8Array, contentType?: string): Promise<void>;
  read(path: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<StoredFile[]>;
  /** Deletes every file under the prefix; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
}

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export function masterFilePath(table: string): string {
  return `master/${table}/${table}.parquet`;
}
