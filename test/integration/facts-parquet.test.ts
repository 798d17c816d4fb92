/**
 * Fact Parquet reads back equal to the rows generated in memory, and a unit of work that is repeated (its worker
 * died after writing, before recording it) rewrites the same bytes and is counted once.
 */
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, inject, it } from 'vitest';
import { BlobDatasetFiles } from '../../src/adapters/blob-dataset-files.js';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { createStorageAccount } from '../../src/adapters/storage.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { encodeParquet } from '../../src/core/dataset-parquet.js';
import { columnOf } from '../../src/core/columnar-table.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateRegionDay } from '../../src/core/facts/region-day.js';
import { factFilePath, runHistoricalUnit, type HistoricalJobDeps } from '../../src/core/generation/historical-job.js';
import { GenerationStateStore, type GenerationState } from '../../src/core/generation/state.js';
import type { Job } from '../../src/core/jobs/job.js';
import { GenerationJobs, type GenerationLock } from '../../src/core/jobs/generation-jobs.js';

const connectionString = inject('storageConnectionString');
const config = appConfigSchema.parse({
  seed: 9,
  volume: { stores: 4, dcs: 2, total_geographies: 4, total_customers: 800, total_products: 150, customers_per_day: 40 },
});

describe('fact Parquet', () => {
  it('reads back equal to the generated rows', async () => {
    const context = buildFactContext(config);
    const region = context.regions.find((r) => r.stores.length > 0)!;
    const tables = generateRegionDay(context, region, '2024-07-02', openingBalances(config.seed, config.volume, region, context.products.length)).tables;
    for (const name of ['fact_receipts', 'fact_store_inventory_txn', 'fact_online_order_lines'] as const) {
      const table = tables[name].build();
      const bytes = encodeParquet(table);
      const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
      expect(rows, name).toHaveLength(table.rowCount);
      for (const column of table.columns) {
        const expected = Array.from(columnOf(table, column.name) as ArrayLike<unknown>).map((v) => (v instanceof Date ? v.getTime() : v));
        const actual = rows.map((r) => {
          const v = r[column.name];
          return v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v;
        });
        expect(actual, `${name}.${column.name}`).toEqual(expected);
      }
    }
  });

  it('a repeated unit rewrites identical files and is counted once', async () => {
    const prefix = `rep${Math.random().toString(36).slice(2, 8)}`;
    const account = createStorageAccount({ AzureWebJobsStorage: connectionString, RETAIL_STORAGE_PREFIX: prefix });
    const table = () => account.table('generation');
    const files = new BlobDatasetFiles(() => account.container('datagen'));
    const jobs = new GenerationJobs(new JsonEntityStore<Job>(table, 'job'), new JsonEntityStore<GenerationLock>(table, 'lock'));
    const deps: HistoricalJobDeps = {
      jobs,
      state: new GenerationStateStore(new JsonEntityStore<GenerationState>(table, 'state')),
      files,
      enqueue: async () => {},
    };
    const dcId = buildFactContext(config).regions.find((r) => r.stores.length > 0)!.dcId;
    const job = await jobs.begin('historical', ['fact_receipts'], 2, { start_date: '2024-07-02', end_date: '2024-07-02', fresh: true, regions: [dcId] });
    const first = await runHistoricalUnit(deps, config, { operation_id: job.operation_id, region: dcId, day: '2024-07-02' });
    const bytesFirst = await files.read(factFilePath('fact_receipts', '2024-07-02', dcId));
    // The same message delivered again (its worker died after writing, before the queue deleted it):
    const second = await runHistoricalUnit(deps, config, { operation_id: job.operation_id, region: dcId, day: '2024-07-02' });
    const bytesSecond = await files.read(factFilePath('fact_receipts', '2024-07-02', dcId));
    expect(Buffer.from(bytesSecond!).equals(Buffer.from(bytesFirst!))).toBe(true);
    expect(first.units_done).toBe(1);
    expect(second.units_done).toBe(1);
    expect(second.tables.fact_receipts!.rows).toBe(first.tables.fact_receipts!.rows);
    expect((await files.list(`facts/fact_receipts/date=2024-07-02/`)).length).toBe(1);
  });
});
