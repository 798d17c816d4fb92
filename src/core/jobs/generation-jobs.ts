/**
 * Generation jobs shared by every instance: one job at a time (a lock document), status and progress in a
 * Table, cancellation by request. A job whose worker died stops holding the lock once it has made no
 * progress for STALE_JOB_MS.
 */
import { randomUUID } from 'node:crypto';
import { ConcurrentUpdateError, ConflictError, NotFoundError } from '../errors.js';
import type { DocumentStore } from '../storage/documents.js';
import { estimateEtaSeconds, isTerminal, newJob, type Job, type JobKind, type JobStatus } from './job.js';

export interface GenerationLock {
  operation_id: string;
  kind: JobKind;
  acquired_at: string;
}

export const LOCK_KEY = 'generation';
/** A running job that has not reported progress for this long is considered abandoned. */
export const STALE_JOB_MS = 15 * 60_000;
/** Finished jobs kept for GET /api/generators/jobs/{id}; older ones are deleted when a new job starts. */
export const FINISHED_JOBS_KEPT = 20;

export class GenerationJobs {
  constructor(
    private readonly jobs: DocumentStore<Job>,
    private readonly locks: DocumentStore<GenerationLock>,
    private readonly now: () => Date = () => new Date(),
    private readonly newId: () => string = () => randomUUID(),
  ) {}

  private isStale(job: Job): boolean {
    return this.now().getTime() - Date.parse(job.updated_at) > STALE_JOB_MS;
  }

  /** The job holding the lock, if it is still alive. */
  async active(): Promise<Job | undefined> {
    const lock = await this.locks.read(LOCK_KEY);
    if (!lock) return undefined;
    const holder = await this.jobs.read(lock.value.operation_id);
    if (!holder || isTerminal(holder.value.status) || this.isStale(holder.value)) return undefined;
    return holder.value;
  }

  /** Creates a job and takes the lock; 409 while another job runs. */
  async begin(kind: JobKind, tables: readonly string[], unitsTotal: number, request: Record<string, unknown>): Promise<Job> {
    const job = newJob(this.newId(), kind, tables, unitsTotal, request, this.now());
    // The job document exists before the lock names it, so a competitor never mistakes a lock that is being
    // taken right now for one left behind by a vanished job.
    await this.jobs.write(job.operation_id, job, undefined);
    try {
      await this.takeLock(job);
    } catch (error) {
      await this.jobs.delete(job.operation_id);
      throw error;
    }
    await this.pruneFinished();
    return job;
  }

  /**
   * Deletes finished jobs beyond the newest FINISHED_JOBS_KEPT, so the jobs Table does not grow with every run (and
   * this listing stays that small).
   */
  private async pruneFinished(): Promise<void> {
    const finished = (await this.jobs.list()).filter((job) => isTerminal(job.status)).sort((a, b) => b.created_at.localeCompare(a.created_at));
    for (const job of finished.slice(FINISHED_JOBS_KEPT)) await this.jobs.delete(job.operation_id);
  }

  private async takeLock(job: Job): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const lock = await this.locks.read(LOCK_KEY);
      if (lock && !lock.value.operation_id.startsWith('released:')) {
        const holder = await this.jobs.read(lock.value.operation_id);
        if (holder && !isTerminal(holder.value.status)) {
          if (!this.isStale(holder.value)) {
            throw new ConflictError(
              `A ${holder.value.kind} generation job is already ${holder.value.status} (operation_id ${holder.value.operation_id}); ` +
                `follow it at /api/generators/jobs/${holder.value.operation_id} or cancel it with DELETE on that URL`,
            );
          }
          await this.finish(holder.value.operation_id, 'failed', `Abandoned: no progress for ${STALE_JOB_MS / 60_000} minutes`);
        } else if (!holder && this.now().getTime() - Date.parse(lock.value.acquired_at) < STALE_JOB_MS) {
          throw new ConflictError(`Another generation job (operation_id ${lock.value.operation_id}) is starting; try again shortly`);
        }
      }
      try {
        await this.locks.write(LOCK_KEY, { operation_id: job.operation_id, kind: job.kind, acquired_at: job.created_at }, lock?.etag);
        return;
      } catch (error) {
        if (error instanceof ConcurrentUpdateError && attempt < 5) continue;
        if (error instanceof ConcurrentUpdateError) throw new ConflictError('Another generation job was started at the same moment; try again');
        throw error;
      }
    }
  }

  async get(operationId: string): Promise<Job> {
    const job = await this.jobs.read(operationId);
    if (!job) throw new NotFoundError(`operation_id: no generation job ${operationId}`);
    return job.value;
  }

  /** Applies a change to a job and refreshes its timestamps and ETA. */
  async update(operationId: string, mutate: (job: Job) => void): Promise<Job> {
    const updated = await this.jobs.update(operationId, (current) => {
      if (!current) return undefined;
      mutate(current);
      const now = this.now();
      current.updated_at = now.toISOString();
      current.eta_seconds = isTerminal(current.status) ? null : estimateEtaSeconds(current.started_at, current.progress, now);
      return current;
    });
    if (!updated) throw new NotFoundError(`operation_id: no generation job ${operationId}`);
    return updated;
  }

  /** Ends a job and releases the lock if it holds it. */
  async finish(operationId: string, status: Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>, error?: string): Promise<Job> {
    const job = await this.update(operationId, (current) => {
      if (isTerminal(current.status)) return;
      current.status = status;
      current.finished_at = this.now().toISOString();
      if (status === 'completed') {
        current.progress = 1;
        current.message = 'Completed';
      } else if (status === 'cancelled') {
        current.message = 'Cancelled';
      } else {
        current.message = 'Failed';
        current.error = error ?? 'Unknown error';
      }
    });
    await this.release(operationId);
    return job;
  }

  private async release(operationId: string): Promise<void> {
    const lock = await this.locks.read(LOCK_KEY);
    if (lock?.value.operation_id === operationId) {
      try {
        await this.locks.write(LOCK_KEY, { ...lock.value, operation_id: `released:${operationId}` }, lock.etag);
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError)) throw error;
      }
    }
  }

  /**
   * Cancels a job: a pending one at once, a running one at its worker's next checkpoint. 409 when it has
   * already ended.
   */
  async cancel(operationId: string): Promise<Job> {
    const job = await this.get(operationId);
    if (isTerminal(job.status))
      throw new ConflictError(`operation_id: job ${operationId} has already ${job.status === 'completed' ? 'completed' : `ended (${job.status})`}`);
    if (job.status === 'pending') return this.finish(operationId, 'cancelled');
    return this.update(operationId, (current) => {
      current.cancel_requested = true;
      current.message = 'Cancelling';
    });
  }
}
