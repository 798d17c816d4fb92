/**
 * Worker threads for the CPU part of a streamed day's units. A region-day takes seconds of synchronous work at the
 * default volume; on the instance's own thread it would stop the drain's timer and every HTTP answer for that long
 * (and a queue batch of many units for many times that), so sends would time out and the first events would wait
 * for the whole batch. Off the thread, the instance keeps sending while units are generated, and a unit is done as
 * soon as its own work is. Where the compiled worker is not beside this module (the tests run the sources), the
 * work runs inline.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RegionUnitJob, RegionUnitResult } from './day-units.js';

const WORKER_URL = new URL('./unit-worker.js', import.meta.url);

interface Pending {
  job: RegionUnitJob;
  resolve: (result: RegionUnitResult) => void;
  reject: (error: Error) => void;
}

export type WorkerReply = { ok: true; result: RegionUnitResult } | { ok: false; message: string };

class UnitThreads {
  private readonly idle: Worker[] = [];
  private readonly waiting: Pending[] = [];
  private started = 0;

  constructor(private readonly size: number) {}

  run(job: RegionUnitJob): Promise<RegionUnitResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const worker = this.idle.pop() ?? (this.started < this.size ? this.spawn() : undefined);
      if (!worker) return;
      this.work(worker, this.waiting.shift()!);
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(WORKER_URL);
    // Idle threads never keep the process alive (the local host and the tests exit when their work is done).
    worker.unref();
    return worker;
  }

  private work(worker: Worker, pending: Pending): void {
    const settle = (reply: WorkerReply | Error) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reply instanceof Error) {
        this.started--;
        pending.reject(reply);
      } else {
        this.idle.push(worker);
        if (reply.ok) pending.resolve(reply.result);
        else pending.reject(new Error(reply.message));
      }
      this.dispatch();
    };
    const onMessage = (reply: WorkerReply) => settle(reply);
    const onError = (error: Error) => settle(error);
    const onExit = (code: number) => settle(new Error(`The unit generation thread stopped (exit code ${code})`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(pending.job);
  }
}

let threads: UnitThreads | null | undefined;

/** The instance's unit threads (one fewer than its cores, at least one), or null where the work runs inline. */
export function unitThreads(): UnitThreads | null {
  if (threads === undefined) {
    const runnable = existsSync(fileURLToPath(WORKER_URL));
    threads = runnable ? new UnitThreads(Math.max(1, availableParallelism() - 1)) : null;
  }
  return threads;
}
