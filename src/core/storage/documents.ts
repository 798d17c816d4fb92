/**
 * Small JSON documents with optimistic concurrency: the contract the core needs from a Table (jobs, locks,
 * generation state). The Azure implementation is src/adapters/json-entity.ts.
 */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface DocumentStore<T> {
  read(key: string): Promise<Versioned<T> | undefined>;
  /** Create when etag is undefined, else replace if unchanged; throws ConcurrentUpdateError otherwise. */
  write(key: string, value: T, etag: string | undefined): Promise<void>;
  /** Read-modify-write with retries; `mutate` returns undefined to leave the document unchanged. */
  update(key: string, mutate: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  list(): Promise<T[]>;
}
