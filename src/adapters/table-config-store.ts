/** Runtime config overrides in one Table entity, so every instance and every restart sees the same values. */
import type { TableClient } from '@azure/data-tables';
import type { ConfigPatch } from '../core/config/schema.js';
import type { ConfigOverridesStore, StoredOverrides } from '../core/config/config-service.js';
import { JsonEntityStore } from './json-entity.js';

export const CONFIG_TABLE = 'config';

export class TableConfigOverridesStore implements ConfigOverridesStore {
  private readonly documents: JsonEntityStore<ConfigPatch>;

  constructor(table: () => Promise<TableClient>) {
    this.documents = new JsonEntityStore<ConfigPatch>(table, 'config');
  }

  async read(): Promise<StoredOverrides> {
    const stored = await this.documents.read('overrides');
    return stored ? { patch: stored.value, etag: stored.etag } : { patch: {} };
  }

  write(patch: ConfigPatch, etag: string | undefined): Promise<void> {
    return this.documents.write('overrides', patch, etag);
  }
}
