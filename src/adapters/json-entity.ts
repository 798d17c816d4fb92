/**
 * Small JSON documents kept in Table entities with optimistic concurrency (ETags): configuration overrides,
 * generation state, jobs, locks. Each document is one string property, so it must stay under the Table
 * service's 64 KiB property limit; Azurite does not enforce that, so we check it here.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { ConcurrentUpdateError } from '../core/errors.js';
import { isChangedMeanwhile, isNotFound } from './rest-status.js';

/** Table string properties hold at most 32K UTF-16 characters (64 KiB). */
export const MAX_DOCUMENT_CHARS = 32 * 1024;

export interface Versioned<T> {
  value: T;
  etag: string;
}

/**
 * Azure Tables refuses keys with `/`, `\`, `#`, `?` or control characters (and over 1 KiB); such a key, which can
 * only come from a client (an odd job id in a URL), names no document. Checking here turns what would be a
 * storage 400 (a 500 for the client) into "not found".
 */
export function isStorableKey(key: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  return key.length > 0 && key.length <= 512 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(key);
}

interface DocumentEntity {
  partitionKey: string;
  rowKey: string;
  document: string;
}

export class JsonEntityStore<T> {
  constructor(
    private readonly table: () => Promise<TableClient>,
    private readonly partitionKey: string,
  ) {}

  async read(rowKey: string): Promise<Versioned<T> | undefined> {
    if (!isStorableKey(rowKey)) return undefined;
    const client = await this.table();
    try {
      const entity = await client.getEntity<DocumentEntity>(this.partitionKey, rowKey);
      return { value: JSON.parse(entity.document) as T, etag: entity.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Creates (etag undefined) or replaces (etag given) the document; throws ConcurrentUpdateError when it
   * already exists or changed since it was read.
   */
  async write(rowKey: string, value: T, etag: string | undefined): Promise<void> {
    if (!isStorableKey(rowKey)) throw new Error(`Document key ${JSON.stringify(rowKey)} cannot be stored in a Table`);
    const document = JSON.stringify(value);
    if (document.length > MAX_DOCUMENT_CHARS) {
      throw new Error(`Document ${this.partitionKey}/${rowKey} is ${document.length} characters; the Table limit is ${MAX_DOCUMENT_CHARS}`);
    }
    const client = await this.table();
    const entity: DocumentEntity = { partitionKey: this.partitionKey, rowKey, document };
    try {
      if (etag) await client.updateEntity(entity, 'Replace', { etag });
      else await client.createEntity(entity);
    } catch (error) {
      if (isChangedMeanwhile(error)) {
        throw new ConcurrentUpdateError(`${this.partitionKey}/${rowKey} changed concurrently`);
      }
      throw error;
    }
  }

  /**
   * Read-modify-write with retries on concurrent changes. `mutate` gets the current value (or undefined) and
   * returns the new one, or undefined to leave the document as it is.
   */
  async update(rowKey: string, mutate: (current: T | undefined) => T | undefined, attempts = 25): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(rowKey);
      const next = mutate(current ? structuredClone(current.value) : undefined);
      if (next === undefined) return current?.value;
      try {
        await this.write(rowKey, next, current?.etag);
        return next;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= attempts) throw error;
        // Jittered, growing backoff: many workers finishing chunks of one job update the same document.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 15 * Math.min(attempt, 10)));
      }
    }
  }

  async delete(rowKey: string): Promise<void> {
    if (!isStorableKey(rowKey)) return;
    const client = await this.table();
    try {
      await client.deleteEntity(this.partitionKey, rowKey);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async list(): Promise<T[]> {
    const client = await this.table();
    const values: T[] = [];
    const filter = odata`PartitionKey eq ${this.partitionKey}`;
    for await (const entity of client.listEntities<DocumentEntity>({ queryOptions: { filter } })) {
      values.push(JSON.parse(entity.document) as T);
    }
    return values;
  }
}
