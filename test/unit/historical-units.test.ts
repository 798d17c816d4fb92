/**
 * Counting historical units: a unit whose progress update failed is counted when its message comes again (and
 * only once), the job reaches `completed`, and the job document stays within the Table limit for a string
 * property at the longest span `historical.max_span_days` allows.
 */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { FACT_TABLES } from '../../src/core/dataset-tables.js';
import { addDays } from '../../src/core/facts/calendar.js';
import { MARKETING_UNIT, runHistoricalUnit, type HistoricalJobDeps, type HistoricalRequest } from '../../src/core/generation/historical-job.js';
import { GenerationStateStore, type GenerationState } from '../../src/core/generation/state.js';
import { dayProgress, markUnitCounted } from '../../src/core/generation/unit-progress.js';
import { GenerationJobs, type GenerationLock } from '../../src/core/jobs/generation-jobs.js';
import { newJob, type Job } from '../../src/core/jobs/job.js';
import { MemoryDocuments } from '../support/memory-documents.js';
import { MemoryFiles } from '../support/streaming-deps.js';

/** The Table service stores a string property of at most 64 KiB, in UTF-16: 32,768 characters. */
const TABLE_STRING_PROPERTY_CHARS = 32_768;

/** A job store whose next `failures` updates throw after `after` updates went through (a storage outage mid-unit). */
class FlakyJobs extends MemoryDocuments<Job> {
  updates = 0;
  failAt = new Set<number>();
  override async update(key: string, mutate: (current: Job | undefined) => Job | undefined) {
    this.updates++;
    if (this.failAt.has(this.updates)) throw new Error('The table service is unavailable');
    return super.update(key, mutate);
  }
}

async function marketingJob(days: number) {
  const store = new FlakyJobs();
  const jobs = new GenerationJobs(store, new MemoryDocuments<GenerationLock>());
  const state = new GenerationStateStore(new MemoryDocuments<GenerationState>());
  const enqueued: unknown[] = [];
  const deps: HistoricalJobDeps = { jobs, state, files: new MemoryFiles(), enqueue: async (message) => void enqueued.push(message) };
  const request: HistoricalRequest = { start_date: '2024-03-01', end_date: addDays('2024-03-01', days - 1), fresh: true, regions: [] };
  const job = await jobs.begin('historical', FACT_TABLES, days, request as unknown as Record<string, unknown>);
  return { deps, store, jobs, state, job, request };
}

const config = appConfigSchema.parse({ volume: { marketing_impressions_per_day: 50, total_customers: 500 } });

describe('historical unit counting', () => {
  it('counts a unit whose progress update failed when its message comes again, and completes the job', async () => {
    const { deps, store, jobs, state, job } = await marketingJob(1);
    // Update 1 starts the job, update 2 counts the unit: it fails, and the queue delivers the message again.
    store.failAt.add(2);
    const message = { operation_id: job.operation_id, region: MARKETING_UNIT, day: '2024-03-01' };
    await expect(runHistoricalUnit(deps, config, message)).rejects.toThrow('unavailable');
    expect((await jobs.get(job.operation_id)).units_done).toBe(0);
    const after = await runHistoricalUnit(deps, config, message);
    expect(after).toMatchObject({ status: 'completed', units_done: 1 });
    expect((await state.read()).facts?.end_date).toBe('2024-03-01');
  });

  it('never counts a redelivered unit twice, and finishes a job whose last unit failed after it was counted', async () => {
    const { deps, store, jobs, state, job } = await marketingJob(2);
    const first = { operation_id: job.operation_id, region: MARKETING_UNIT, day: '2024-03-01' };
    const second = { operation_id: job.operation_id, region: MARKETING_UNIT, day: '2024-03-02' };
    await runHistoricalUnit(deps, config, first);
    await runHistoricalUnit(deps, config, first);
    expect((await jobs.get(job.operation_id)).units_done).toBe(1);
    // The last unit is counted (update 4 goes through), then finishing fails (update 5, in jobs.finish).
    store.failAt.add(store.updates + 2);
    await expect(runHistoricalUnit(deps, config, second)).rejects.toThrow('unavailable');
    expect((await jobs.get(job.operation_id)).units_done).toBe(2);
    expect((await runHistoricalUnit(deps, config, second)).status).toBe('completed');
    const done = await jobs.get(job.operation_id);
    expect(done.units_done).toBe(2);
    // The watermark's row counts are added once: they equal the job's own (the state held nothing before).
    expect((await state.read()).facts?.tables.fact_marketing?.rows).toBe(done.tables.fact_marketing?.rows);
  });

  it('derives per-day progress from the counted units', () => {
    const request = { start_date: '2024-01-30', end_date: '2024-02-02', regions: [3, 7] };
    const job = newJob('op', 'historical', FACT_TABLES, 12, request, new Date(0));
    markUnitCounted(job, request, 3, '2024-01-30');
    markUnitCounted(job, request, 3, '2024-01-31');
    markUnitCounted(job, request, 7, '2024-01-30');
    markUnitCounted(job, request, MARKETING_UNIT, '2024-02-02');
    expect(markUnitCounted(job, request, 3, '2024-01-30')).toBe(false);
    expect(markUnitCounted(job, request, MARKETING_UNIT, '2024-02-02')).toBe(false);
    // Counted by hand: region 3 has two days, region 7 one, marketing only the last day.
    expect(dayProgress(job)).toEqual({
      '2024-01-30': { done: 2, total: 3 },
      '2024-01-31': { done: 1, total: 3 },
      '2024-02-02': { done: 1, total: 3 },
    });
  });

  it('keeps the job document within the Table string limit at 3,660 days, where a per-day map does not fit', () => {
    expect(appConfigSchema.shape.historical.parse({ max_span_days: 3660 }).max_span_days).toBe(3660);
    for (const regionCount of [20, 500]) {
      const regions = Array.from({ length: regionCount }, (_, i) => i + 1);
      const request = { start_date: '2015-01-01', end_date: addDays('2015-01-01', 3659), fresh: true, regions };
      const job = newJob('4f0c3b9e-8a57-4c55-9a3b-0f1f2d6c7e88', 'historical', FACT_TABLES, (regionCount + 1) * 3660, request, new Date(0));
      // Row counts as large as they get, so the digits are realistic too.
      for (const table of FACT_TABLES) job.tables[table] = { rows: 9_999_999_999, progress: 0.5, files: 9_999_999, bytes: 999_999_999_999 };
      // Counted in the order the workers go: every region's days in order, marketing days at random.
      const marketingOrder = Array.from({ length: 3660 }, (_, d) => d).sort((a, b) => ((a * 7919) % 3660) - ((b * 7919) % 3660));
      for (const d of marketingOrder.slice(0, 3659)) markUnitCounted(job, request, MARKETING_UNIT, addDays(request.start_date, d));
      // (Every 7th day and the last: a region's record is its count of days, so the days between change nothing.)
      const regionDays = Array.from({ length: 3659 }, (_, d) => d).filter((d) => d % 7 === 0 || d === 3658);
      for (const region of regions) for (const d of regionDays) markUnitCounted(job, request, region, addDays(request.start_date, d));
      const stored = JSON.stringify(job).length;
      const perDayMap = JSON.stringify(dayProgress(job)).length;
      console.log(`job document at 3,660 days, ${regionCount} regions: ${stored} characters stored; the per-day map alone would be ${perDayMap}`);
      expect(stored).toBeLessThan(TABLE_STRING_PROPERTY_CHARS);
      expect(perDayMap).toBeGreaterThan(TABLE_STRING_PROPERTY_CHARS);
    }
  });
});
