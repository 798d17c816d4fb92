/**
 * Runtime config overrides in one Table entity, so every instance and every restart sees the same values.
 * Writes use the entity's ETag (optimistic concurrency).
 */
import { RestError, type TableClient } from '@azure/data-tables';
import { ConcurrentUpdateError, type ConfigOverridesStore, type StoredOverrides } from '../core/config/service.js';
import type { ConfigPatch } from '../core/config/schema.js';

export const CONFIG_TABLE = 'config';
const PARTITION = 'config';
const ROW = 'overrides';

interface OverridesEntity {
  partitionKey: string;
  rowKey: string;
  /** JSON of the patch. One string property: well under the 64 KiB property limit (the schema bounds it). */
  patch: string;
}

export class TableConfigOverridesStore implements ConfigOverridesStore {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async read(): Promise<StoredOverrides> {
    const client = await this.table();
    try {
      const entity = await client.getEntity<OverridesEntity>(PARTITION, ROW);
      return { patch: JSON.parse(entity.patch) as ConfigPatch, etag: entity.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return { patch: {} };
      throw error;
    }
  }

  async write(patch: ConfigPatch, etag: string | undefined): Promise<void> {
    const client = await this.table();
    const entity: OverridesEntity = { partitionKey: PARTITION, rowKey: ROW, patch: JSON.stringify(patch) };
    try {
      if (etag) await client.updateEntity(entity, 'Replace', { etag });
      else await client.createEntity(entity);
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 409)) {
        throw new ConcurrentUpdateError('The configuration changed while it was being updated');
      }
      throw error;
    }
  }
}
