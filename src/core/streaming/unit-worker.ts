/** The entry of a unit generation thread (./unit-threads.ts): one region-day per message, answered in order. */
import { parentPort } from 'node:worker_threads';
import { regionUnitWork, type RegionUnitJob } from './day-units.js';
import type { WorkerReply } from './unit-threads.js';

parentPort?.on('message', (job: RegionUnitJob) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, result: regionUnitWork(job) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
