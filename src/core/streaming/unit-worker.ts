/** The entry of a unit generation thread (./unit-threads.ts): one region-day per message, answered in order. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { regionUnitWork, type RegionUnitJob } from './day-units.js';
import type { WorkerReply } from './unit-threads.js';

// Generation is background work: on Linux a thread has its own nice value (its id names it, as /proc/thread-self
// tells), so this thread yields the cores to the instance's own thread (sends, HTTP answers) and to the storage it
// talks to. Elsewhere the priority stays as it is.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // Not Linux, or not allowed: the same work at the same priority.
}

parentPort?.on('message', (job: RegionUnitJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, result: regionUnitWork(job) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
