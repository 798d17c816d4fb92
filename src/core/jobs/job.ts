/**
 * Generation jobs (master data, historical facts): their record, kept in a Table so any instance can
 * answer for a job, and the pure rules for progress and ETA.
 */
import { z } from 'zod';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobKind = 'master' | 'historical';

export const tableProgressSchema = z.object({
  rows: z.number().int().describe('Rows written so far.'),
  progress: z.number().min(0).max(1),
  files: z.number().int().optional(),
  bytes: z.number().int().optional(),
});
export type TableProgress = z.infer<typeof tableProgressSchema>;

const shownJobFields = z.object({
  operation_id: z.string(),
  kind: z.enum(['master', 'historical']),
  status: z.enum(JOB_STATUSES),
  progress: z.number().min(0).max(1),
  message: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  eta_seconds: z.number().nullable().describe('Estimated seconds to completion, from the rate so far.'),
  current_table: z.string().nullable(),
  current_day: z.string().nullable(),
  tables: z.record(z.string(), tableProgressSchema),
  units_total: z.number().int().describe('Work units (tables or day chunks) in the job.'),
  units_done: z.number().int(),
  days: z
    .record(z.string(), z.object({ done: z.number().int(), total: z.number().int() }))
    .optional()
    .describe('Historical jobs: work units finished per day (regions plus marketing).'),
  error: z.string().nullable(),
  cancel_requested: z.boolean(),
  request: z.record(z.string(), z.unknown()),
});

/** A job as the API shows it. */
export const jobSchema = shownJobFields.meta({ id: 'GenerationJob' });
export type ShownJob = z.infer<typeof jobSchema>;

/** A job as it is stored: what the API shows, and the unit counters it is derived from (not shown). */
export const storedJobSchema = shownJobFields.extend({
  region_days_done: z.record(z.string(), z.number().int()).optional().describe('Days counted per supply region (src/core/generation/unit-progress.ts).'),
  marketing_days_done: z.string().optional().describe('Counted marketing days, one bit per day (base64).'),
});
export type Job = z.infer<typeof storedJobSchema>;

export function isTerminal(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Seconds left at the average rate so far; null until there is a rate to go by. */
export function estimateEtaSeconds(startedAt: string | null, progress: number, now: Date): number | null {
  if (!startedAt || progress <= 0) return null;
  if (progress >= 1) return 0;
  const elapsed = (now.getTime() - Date.parse(startedAt)) / 1000;
  return Math.max(0, Math.round((elapsed / progress) * (1 - progress) * 10) / 10);
}

export function newJob(operationId: string, kind: JobKind, tables: readonly string[], unitsTotal: number, request: Record<string, unknown>, now: Date): Job {
  const at = now.toISOString();
  return {
    operation_id: operationId,
    kind,
    status: 'pending',
    progress: 0,
    message: 'Queued',
    created_at: at,
    started_at: null,
    updated_at: at,
    finished_at: null,
    eta_seconds: null,
    current_table: null,
    current_day: null,
    tables: Object.fromEntries(tables.map((table) => [table, { rows: 0, progress: 0 }])),
    units_total: unitsTotal,
    units_done: 0,
    error: null,
    cancel_requested: false,
    request,
  };
}
