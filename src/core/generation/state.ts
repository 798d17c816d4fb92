/**
 * What has been generated: per-table counts, the facts' date range (the watermark) and when each mode last
 * ran. One document in a Table, shared by every instance.
 */
import { z } from 'zod';
import { ALL_TABLES, FACT_TABLES, type DatasetTable } from '../dataset-tables.js';
import type { DocumentStore } from '../storage/documents.js';

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface TableStats {
  rows: number;
  files: number;
  bytes: number;
  columns: ColumnInfo[];
  updated_at: string;
}

export interface GenerationState {
  master: {
    generated_at: string;
    operation_id: string;
    seed: number;
    /** Fingerprint of the seed and volume settings the master data was made with. */
    config_fingerprint: string;
    tables: Partial<Record<DatasetTable, TableStats>>;
  } | null;
  facts: {
    start_date: string;
    /** Last generated day (inclusive): the watermark. */
    end_date: string;
    last_run: string;
    tables: Partial<Record<DatasetTable, TableStats>>;
  } | null;
  last_realtime_run: string | null;
}

export const STATE_KEY = 'generation';

export function emptyState(): GenerationState {
  return { master: null, facts: null, last_realtime_run: null };
}

export const generationStateViewSchema = z
  .object({
    has_master_data: z.boolean(),
    has_historical_data: z.boolean(),
    last_generated_timestamp: z.string().nullable().describe('End of the last generated day (ISO-8601), the watermark.'),
    fact_start_date: z.string().nullable(),
    fact_end_date: z.string().nullable(),
    master_generated_at: z.string().nullable(),
    last_fact_run: z.string().nullable(),
    last_realtime_run: z.string().nullable(),
    can_start_realtime: z.boolean(),
    table_counts: z.record(z.string(), z.number().int()).describe('Rows per table, every table listed.'),
  })
  .meta({ id: 'GenerationState' });
export type GenerationStateView = z.infer<typeof generationStateViewSchema>;

export function tableRowCount(state: GenerationState, table: DatasetTable): number {
  return state.master?.tables[table]?.rows ?? state.facts?.tables[table]?.rows ?? 0;
}

export function toStateView(state: GenerationState): GenerationStateView {
  const hasFacts = Boolean(state.facts && FACT_TABLES.some((table) => (state.facts!.tables[table]?.rows ?? 0) > 0));
  return {
    has_master_data: state.master !== null,
    has_historical_data: hasFacts,
    last_generated_timestamp: state.facts ? `${state.facts.end_date}T23:59:59.999Z` : null,
    fact_start_date: state.facts?.start_date ?? null,
    fact_end_date: state.facts?.end_date ?? null,
    master_generated_at: state.master?.generated_at ?? null,
    last_fact_run: state.facts?.last_run ?? null,
    last_realtime_run: state.last_realtime_run,
    can_start_realtime: hasFacts && state.master !== null,
    table_counts: Object.fromEntries(ALL_TABLES.map((table) => [table, tableRowCount(state, table)])),
  };
}

export class GenerationStateStore {
  constructor(private readonly documents: DocumentStore<GenerationState>) {}

  async read(): Promise<GenerationState> {
    return (await this.documents.read(STATE_KEY))?.value ?? emptyState();
  }

  async update(mutate: (state: GenerationState) => void): Promise<GenerationState> {
    const next = await this.documents.update(STATE_KEY, (current) => {
      const state = current ?? emptyState();
      mutate(state);
      return state;
    });
    return next ?? emptyState();
  }

  async reset(): Promise<void> {
    await this.documents.delete(STATE_KEY);
  }
}
