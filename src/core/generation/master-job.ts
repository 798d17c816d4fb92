/**
 * Master data as a job: POST starts it (lock + job record + one queue message), a queue worker generates
 * the six dimension tables in order, writes each as Parquet to `master/<table>/`, reports progress per
 * table, honours cancellation between tables and records the counts in the generation state.
 */
import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/schema.js';
import { ConflictError } from '../errors.js';
import { isTerminal, type Job } from '../jobs/job.js';
import type { GenerationJobs } from '../jobs/generation-jobs.js';
import { masterFilePath, PARQUET_CONTENT_TYPE, type DatasetFiles } from '../storage/files.js';
import { DIMENSION_TABLES, type DimensionTable } from '../dataset-tables.js';
import type { ColumnInfo, GenerationStateStore, TableStats } from './state.js';

/** One generated dimension table, already encoded. */
export interface EncodedTable {
  table: DimensionTable;
  rows: number;
  columns: ColumnInfo[];
  parquet: Uint8Array;
}

/**
 * Generates the dimension tables one at a time, in dependency order, yielding each as soon as it is ready so
 * the worker can write it, report progress and check for cancellation in between.
 */
export type MasterTablesGenerator = (config: AppConfig) => AsyncIterable<EncodedTable> | Iterable<EncodedTable>;

export interface MasterJobDeps {
  jobs: GenerationJobs;
  state: GenerationStateStore;
  files: DatasetFiles;
  enqueue: (message: GenerationMessage) => Promise<void>;
}

export interface GenerationMessage {
  operation_id: string;
  kind: 'master' | 'historical';
  /** Historical units: the supply region (DC id; 0 = network-wide marketing) and the day. */
  region?: number;
  day?: string;
}

/** Identifies the settings master data depends on, so facts can tell when it went stale. */
export function masterFingerprint(config: AppConfig): string {
  return createHash('sha256')
    .update(JSON.stringify({ seed: config.seed, volume: config.volume }))
    .digest('hex')
    .slice(0, 16);
}

export async function startMasterGeneration(deps: MasterJobDeps, force: boolean): Promise<Job> {
  const state = await deps.state.read();
  if (state.master && !force) {
    throw new ConflictError(`Master data already exists (generated ${state.master.generated_at}); send {"force": true} to generate it again`);
  }
  const job = await deps.jobs.begin('master', DIMENSION_TABLES, DIMENSION_TABLES.length, { force });
  try {
    await deps.enqueue({ operation_id: job.operation_id, kind: 'master' });
  } catch (error) {
    await deps.jobs.finish(job.operation_id, 'failed', `Could not queue the work: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  return job;
}

export async function runMasterJob(deps: MasterJobDeps, operationId: string, config: AppConfig, generate: MasterTablesGenerator): Promise<Job> {
  const job = await deps.jobs.get(operationId);
  if (isTerminal(job.status)) return job; // cancelled while queued, or a duplicate delivery of a finished job
  const startedAt = new Date().toISOString();
  // Only a pending job starts: one cancelled between our read and this write must stay cancelled.
  const running = await deps.jobs.update(operationId, (current) => {
    if (current.status !== 'pending' && current.status !== 'running') return;
    current.status = 'running';
    current.started_at ??= startedAt;
    current.message = 'Generating master data';
  });
  if (isTerminal(running.status)) return running;

  const written: Partial<Record<DimensionTable, TableStats>> = {};
  let done = 0;
  for await (const encoded of generate(config)) {
    const path = masterFilePath(encoded.table);
    await deps.files.write(path, encoded.parquet, PARQUET_CONTENT_TYPE);
    done++;
    written[encoded.table] = {
      rows: encoded.rows,
      files: 1,
      bytes: encoded.parquet.byteLength,
      columns: encoded.columns,
      updated_at: new Date().toISOString(),
    };
    const next = DIMENSION_TABLES[done];
    const current = await deps.jobs.update(operationId, (j) => {
      j.tables[encoded.table] = { rows: encoded.rows, progress: 1, files: 1, bytes: encoded.parquet.byteLength };
      j.units_done = done;
      j.progress = done / DIMENSION_TABLES.length;
      j.current_table = next ?? null;
      j.message = next ? `Generating ${next} (${done}/${DIMENSION_TABLES.length} tables done)` : 'Recording the results';
    });
    if (current.cancel_requested) return deps.jobs.finish(operationId, 'cancelled');
  }

  await deps.state.update((state) => {
    state.master = {
      generated_at: new Date().toISOString(),
      operation_id: operationId,
      seed: config.seed,
      config_fingerprint: masterFingerprint(config),
      tables: written,
    };
  });
  return deps.jobs.finish(operationId, 'completed');
}
