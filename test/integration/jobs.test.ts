/** Generation jobs and their lock on a real Table (Azurite): one job at a time, cancel, stale takeover. */
import { TableClient } from '@azure/data-tables';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { ConflictError } from '../../src/core/errors.js';
import type { Job } from '../../src/core/jobs/job.js';
import { GenerationJobs, STALE_JOB_MS, type GenerationLock } from '../../src/core/jobs/generation-jobs.js';

const connectionString = inject('storageConnectionString');
let clock = new Date('2026-01-01T00:00:00Z');
let jobs: GenerationJobs;

beforeEach(async () => {
  const table = TableClient.fromConnectionString(connectionString, `jobs${Math.random().toString(36).slice(2, 10)}`, { allowInsecureConnection: true });
  await table.createTable();
  clock = new Date('2026-01-01T00:00:00Z');
  jobs = new GenerationJobs(new JsonEntityStore<Job>(async () => table, 'job'), new JsonEntityStore<GenerationLock>(async () => table, 'lock'), () => clock);
});

describe('GenerationJobs', () => {
  it('lets one job run at a time and frees the lock when it finishes', async () => {
    const first = await jobs.begin('master', ['dim_stores'], 1, {});
    expect(first.status).toBe('pending');
    await expect(jobs.begin('historical', [], 3, {})).rejects.toThrow(ConflictError);
    await expect(jobs.begin('historical', [], 3, {})).rejects.toThrow(first.operation_id);
    await jobs.finish(first.operation_id, 'completed');
    const second = await jobs.begin('historical', [], 3, {});
    expect(second.operation_id).not.toBe(first.operation_id);
    expect((await jobs.get(first.operation_id)).progress).toBe(1);
  });

  it('admits exactly one of many simultaneous starts', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => jobs.begin('master', [], 1, {})));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const rejected of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(rejected.reason).toBeInstanceOf(ConflictError);
    }
  });

  it('cancels a pending job at once and a running one by request', async () => {
    const pending = await jobs.begin('master', [], 1, {});
    expect((await jobs.cancel(pending.operation_id)).status).toBe('cancelled');
    await expect(jobs.cancel(pending.operation_id)).rejects.toThrow(ConflictError);

    const running = await jobs.begin('master', [], 1, {});
    await jobs.update(running.operation_id, (job) => {
      job.status = 'running';
      job.started_at = clock.toISOString();
    });
    const cancelling = await jobs.cancel(running.operation_id);
    expect(cancelling).toMatchObject({ status: 'running', cancel_requested: true });
    await expect(jobs.begin('master', [], 1, {})).rejects.toThrow(ConflictError);
  });

  it('estimates the time left from the progress rate', async () => {
    const job = await jobs.begin('historical', [], 10, {});
    await jobs.update(job.operation_id, (j) => {
      j.status = 'running';
      j.started_at = clock.toISOString();
    });
    clock = new Date(clock.getTime() + 30_000);
    const updated = await jobs.update(job.operation_id, (j) => {
      j.progress = 0.25;
    });
    expect(updated.eta_seconds).toBe(90);
  });

  it('takes over from a job that stopped making progress', async () => {
    const abandoned = await jobs.begin('master', [], 1, {});
    clock = new Date(clock.getTime() + STALE_JOB_MS + 1000);
    expect(await jobs.active()).toBeUndefined();
    const next = await jobs.begin('master', [], 1, {});
    expect(next.status).toBe('pending');
    const old = await jobs.get(abandoned.operation_id);
    expect(old.status).toBe('failed');
    expect(old.error).toMatch(/Abandoned/);
  });

  it('answers 404 for an unknown job', async () => {
    await expect(jobs.get('nope')).rejects.toThrow(/no generation job nope/);
  });

  it('answers 404, not a storage error, for ids no Table key can hold (`a/b` used to be a 500)', async () => {
    for (const id of ['a/b', 'a\\b', 'a#b', 'a?b', 'tab\there', '\u007f', 'x'.repeat(600)]) {
      await expect(jobs.get(id), id).rejects.toThrow(/no generation job/);
      await expect(jobs.cancel(id), id).rejects.toThrow(/no generation job/);
    }
  });
});

describe('master job and cancellation', () => {
  it('a job cancelled while its worker is starting stays cancelled and generates nothing', async () => {
    const { runMasterJob } = await import('../../src/core/generation/master-job.js');
    const job = await jobs.begin('master', ['dim_stores'], 1, {});
    // The worker read the job while it was still pending; the cancel lands before its first write.
    const staleSnapshot = await jobs.get(job.operation_id);
    const racing = Object.create(jobs) as GenerationJobs;
    racing.get = async () => staleSnapshot;
    await jobs.cancel(job.operation_id);
    let generated = 0;
    const result = await runMasterJob(
      { jobs: racing, state: {} as never, files: {} as never, enqueue: async () => {} },
      job.operation_id,
      {} as never,
      // eslint-disable-next-line require-yield -- it must never run, so it needs no rows to yield
      function* () {
        generated++;
      },
    );
    expect(result.status).toBe('cancelled');
    expect((await jobs.get(job.operation_id)).status).toBe('cancelled');
    expect(generated).toBe(0);
  });
});
