/**
 * Browsing what was generated: the table list with counts, per-table summaries, and data deletion.
 * Previews read Parquet back from storage (src/core/generation/preview.ts).
 */
import { z } from 'zod';
import type { Disruption } from '../disruptions/model.js';
import { clearDisruptions } from '../disruptions/operations.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { GenerationJobs } from '../jobs/generation-jobs.js';
import type { DocumentStore } from '../storage/documents.js';
import type { DatasetFiles } from '../storage/files.js';
import { ALL_TABLES, isDatasetTable, isDimensionTable, type DatasetTable } from '../dataset-tables.js';
import type { GenerationStateStore, TableStats } from './state.js';

export const tableInfoSchema = z
  .object({
    name: z.string(),
    table_type: z.enum(['dimension', 'fact']),
    rows: z.number().int(),
    files: z.number().int(),
    bytes: z.number().int(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    updated_at: z.string().nullable(),
    location: z.string().describe('Folder in the data container (Hive-partitioned by date for facts).'),
  })
  .meta({ id: 'TableInfo' });
export type TableInfo = z.infer<typeof tableInfoSchema>;

export function tableLocation(table: DatasetTable): string {
  return isDimensionTable(table) ? `master/${table}/` : `facts/${table}/`;
}

export function assertTableName(name: string): DatasetTable {
  if (!isDatasetTable(name)) throw new NotFoundError(`table: no table named ${name}; known tables: ${ALL_TABLES.join(', ')}`);
  return name;
}

export async function listTables(state: GenerationStateStore): Promise<TableInfo[]> {
  const current = await state.read();
  return ALL_TABLES.map((table) => {
    const stats: TableStats | undefined = isDimensionTable(table) ? current.master?.tables[table] : current.facts?.tables[table];
    return {
      name: table,
      table_type: isDimensionTable(table) ? 'dimension' : 'fact',
      rows: stats?.rows ?? 0,
      files: stats?.files ?? 0,
      bytes: stats?.bytes ?? 0,
      columns: stats?.columns ?? [],
      updated_at: stats?.updated_at ?? null,
      location: tableLocation(table),
    };
  });
}

/** The confirmation value DELETE /api/generators/data requires, so a stray request cannot wipe the data. */
export const DELETE_CONFIRMATION = 'DELETE-ALL-DATA';

export async function deleteAllData(
  confirmation: string | undefined,
  deps: {
    state: GenerationStateStore;
    files: DatasetFiles;
    jobs: GenerationJobs;
    disruptions?: DocumentStore<Disruption>;
    resetStreaming?: () => Promise<void>;
  },
): Promise<{ deleted_files: number }> {
  if (confirmation !== DELETE_CONFIRMATION) {
    throw ValidationError.single('confirm', `must be "${DELETE_CONFIRMATION}" to delete all generated data and state`);
  }
  const active = await deps.jobs.active();
  if (active) throw new ConflictError(`A ${active.kind} generation job is running (operation_id ${active.operation_id}); cancel it first`);
  // The stream goes first: a drain must not go on sending (or generate a next day) from data being deleted.
  await deps.resetStreaming?.();
  let deleted = 0;
  for (const prefix of ['master/', 'facts/', 'state/']) deleted += await deps.files.deletePrefix(prefix);
  await deps.state.reset();
  // Disruptions name DCs, stores and trucks of the master data just deleted.
  if (deps.disruptions) await clearDisruptions({ disruptions: deps.disruptions });
  return { deleted_files: deleted };
}
