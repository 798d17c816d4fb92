/** Finished generation jobs are kept up to FINISHED_JOBS_KEPT (the newest); the jobs Table does not grow with every run. */
import { describe, expect, it } from 'vitest';
import { FINISHED_JOBS_KEPT, GenerationJobs, type GenerationLock } from '../../src/core/jobs/generation-jobs.js';
import type { Job } from '../../src/core/jobs/job.js';
import { MemoryDocuments } from '../support/memory-documents.js';

describe('generation job retention', () => {
  it('keeps the newest finished jobs and the running one, deleting older ones as new jobs start', async () => {
    const store = new MemoryDocuments<Job>();
    let clock = Date.parse('2024-01-01T00:00:00Z');
    let id = 0;
    const jobs = new GenerationJobs(
      store,
      new MemoryDocuments<GenerationLock>(),
      () => new Date((clock += 60_000)),
      () => `job-${String(++id).padStart(3, '0')}`,
    );
    const started: string[] = [];
    for (let run = 0; run < FINISHED_JOBS_KEPT + 15; run++) {
      const job = await jobs.begin('master', ['dim_stores'], 1, {});
      started.push(job.operation_id);
      if (run < FINISHED_JOBS_KEPT + 14) await jobs.finish(job.operation_id, run % 3 === 0 ? 'failed' : 'completed');
    }
    const kept = (await store.list()).map((job) => job.operation_id).sort();
    // The running job and the FINISHED_JOBS_KEPT finished ones started just before it.
    expect(kept).toEqual(started.slice(-(FINISHED_JOBS_KEPT + 1)).sort());
    expect((await jobs.get(started.at(-1)!)).status).toBe('pending');
    await expect(jobs.get(started[0]!)).rejects.toThrow(/no generation job/);
  });
});
