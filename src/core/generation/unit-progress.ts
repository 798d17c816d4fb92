/**
 * Which units of a historical job have been counted, kept on the job document itself so that counting a unit
 * and recording that it was counted are one ETag-guarded write: a redelivered message (the job update failed, or
 * the worker died after it) is counted exactly once, and the job always reaches `completed`.
 *
 * The record stays small at any span (the job is one Table string property, at most 32K characters; see
 * src/adapters/json-entity.ts): a region's days run in order (a counted day queues the next), so one number per
 * region says which of its days are counted; marketing days run in any order and take one bit each. Per-day
 * progress (`days` in the API) is derived from these when a job is read.
 */
import { addDays, daysBetween } from '../facts/calendar.js';
import type { Job, ShownJob } from '../jobs/job.js';

/** Region id 0 is the network-wide marketing unit. */
export const MARKETING_UNIT = 0;

interface UnitRange {
  start_date: string;
  end_date: string;
  regions: number[];
}

function hasBit(bits: Buffer, index: number): boolean {
  return ((bits[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

/**
 * Marks the unit (region, day) as counted on the job; false when it had been counted already (the caller then
 * leaves the counts alone).
 */
export function markUnitCounted(job: Job, range: UnitRange, region: number, day: string): boolean {
  const index = daysBetween(range.start_date, day);
  if (region === MARKETING_UNIT) {
    const days = daysBetween(range.start_date, range.end_date) + 1;
    const bits = Buffer.alloc(Math.ceil(days / 8));
    Buffer.from(job.marketing_days_done ?? '', 'base64').copy(bits);
    if (hasBit(bits, index)) return false;
    bits[index >> 3]! |= 1 << (index & 7);
    job.marketing_days_done = bits.toString('base64');
    return true;
  }
  const done = (job.region_days_done ??= {});
  const counted = done[String(region)] ?? 0;
  if (index < counted) return false;
  done[String(region)] = index + 1;
  return true;
}

/** Units finished per day (regions plus marketing), for days with at least one: what `days` says in the API. */
export function dayProgress(job: Job): Record<string, { done: number; total: number }> | undefined {
  if (job.kind !== 'historical' || (job.region_days_done === undefined && job.marketing_days_done === undefined)) return job.days;
  const range = job.request as unknown as UnitRange;
  const span = daysBetween(range.start_date, range.end_date) + 1;
  const total = range.regions.length + 1;
  const marketing = Buffer.from(job.marketing_days_done ?? '', 'base64');
  const regionDone = Object.values(job.region_days_done ?? {}).sort((a, b) => a - b);
  const days: Record<string, { done: number; total: number }> = {};
  let behind = 0;
  for (let d = 0; d < span; d++) {
    // Regions whose counted days end at or before this day are not done with it.
    while (behind < regionDone.length && regionDone[behind]! <= d) behind++;
    const done = regionDone.length - behind + (hasBit(marketing, d) ? 1 : 0);
    if (done > 0) days[addDays(range.start_date, d)] = { done, total };
  }
  return days;
}

/** The job as the API shows it: per-day progress derived from the counted units. */
export function presentJob(job: Job): ShownJob {
  const days = dayProgress(job);
  const { region_days_done: _regions, marketing_days_done: _marketing, ...shown } = job;
  return days === undefined ? shown : { ...shown, days };
}
