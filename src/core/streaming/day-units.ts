/**
 * A streamed day, generated as units on the generation queue (as history is): one unit per supply region (its DC,
 * its stores' days, their opening hours, its online orders) and one network-wide unit (marketing impressions).
 * Any instance takes them; each writes its own events into the outbox (./types.ts `writeUnit`) and records itself
 * on the stream state, so the drain sends as soon as the first unit is in.
 *
 * - A day's preparation (`DayPreparation`) has its own generation id, carried by its chunks: a unit of an earlier
 *   stream (a restart) finds its generation gone from the state and writes nothing the drain would send.
 * - Exactly one preparation per day: it is recorded by an ETag'd update of the stream state (`prepareNextDay`),
 *   which only one of two racing instances wins; only the winner queues the units.
 * - A redelivered unit (queues are at-least-once) writes nothing twice: writes are insert-only and a unit already
 *   recorded is skipped; one that died half-way regenerates the same chunks and inserts only the missing ones.
 * - The next day is queued as soon as the current one is fully written, so it is ready before it is needed.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../config/schema.js';
import { ConflictError } from '../errors.js';
import { collectDayEvents, collectStoreHours, EventCollector, type TimedEvent } from '../events/factory.js';
import type { EventType } from '../events/schemas.js';
import { addDays } from '../facts/calendar.js';
import { buildFactContext, type FactContext, type Region } from '../facts/context.js';
import { balancesPath, decodeBalances, encodeBalances, type RegionBalances } from '../facts/inventory.js';
import { generateMarketingDay } from '../facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../facts/region-day.js';
import { masterFingerprint } from '../generation/master-job.js';
import type { DocumentStore } from '../storage/documents.js';
import type { DatasetFiles } from '../storage/files.js';
import { deliveryOrder, type LatenessSettings } from './lateness.js';
import { unitThreads } from './unit-threads.js';
import {
  emptyStatistics,
  STATISTICS_DOCUMENT,
  STREAM_STATE_DOCUMENT,
  type DayPreparation,
  type Outbox,
  type StreamState,
  type StreamStatistics,
} from './types.js';

/** The network-wide unit (marketing impressions); every other unit is a supply region's DC id (1-based). */
export const NETWORK_UNIT = 0;
/** A preparation whose units were never queued (the instance died after recording it) is queued again after this. */
export const UNQUEUED_RETRY_MS = 60_000;

export const streamUnitMessageSchema = z.object({
  kind: z.literal('stream-day'),
  operation_id: z.string().min(1),
  generation: z.string().min(1),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  unit: z.number().int().min(0),
});
export type StreamUnitMessage = z.infer<typeof streamUnitMessageSchema>;

/** What the units need: the stream state, the outbox, the files (inventory positions) and the queue. */
export interface DayUnitDeps {
  state: DocumentStore<StreamState>;
  outbox: Outbox;
  files: DatasetFiles;
  /** The stream's statistics (events a live start leaves out are counted there); absent in tests of units alone. */
  statistics?: DocumentStore<StreamStatistics>;
  /** Sends a message to the generation queue (absent: the day cannot be queued). */
  enqueue?: ((message: unknown) => Promise<void>) | undefined;
}

export const unitName = (unit: number) => (unit === NETWORK_UNIT ? 'network' : `dc-${String(unit).padStart(3, '0')}`);

let cachedContext: { fingerprint: string; context: FactContext } | undefined;
/** The fact context (stores, regions, products) of these settings, built once per instance. */
export function streamContext(config: AppConfig): FactContext {
  const fingerprint = masterFingerprint(config);
  if (cachedContext?.fingerprint !== fingerprint) cachedContext = { fingerprint, context: buildFactContext(config) };
  return cachedContext.context;
}

/** The units of a day: the network-wide unit and every supply region. */
export function dayUnits(context: FactContext): number[] {
  // The network-wide unit first: it is the quickest (a fraction of a region), so the first events go out soonest.
  return [NETWORK_UNIT, ...context.regions.map((r) => r.dcId)];
}

export function newPreparation(day: string, unitsTotal: number, now: Date): DayPreparation {
  return {
    day,
    generation: randomUUID().replaceAll('-', ''),
    units_total: unitsTotal,
    done: {},
    created_at: now.toISOString(),
    queued_at: null,
    finished_at: null,
  };
}

/** The preparation of `generation` on the state, if it is still one of the stream's. */
export function preparationOf(state: StreamState, generation: string): DayPreparation | undefined {
  if (state.preparation?.generation === generation) return state.preparation;
  if (state.next_preparation?.generation === generation) return state.next_preparation;
  return undefined;
}

/**
 * The one point every unit's events pass through before they are written: the day's events in send order
 * (simulated time, then the order the facts produced them).
 */
export function outgoingEvents(collector: EventCollector, slice: UnitSlice): { events: TimedEvent[]; skipped: number } {
  const delivered = deliveryOrder(collector.sorted(), slice.seed, slice.lateness);
  if (slice.from_ms === undefined) return { events: delivered, skipped: 0 };
  // Sorted by delivery time: what a live start leaves out is a prefix.
  const from = delivered.findIndex((event) => event.at >= slice.from_ms!);
  const kept = from === -1 ? [] : delivered.slice(from);
  return { events: kept, skipped: delivered.length - kept.length };
}

/** How a unit lays out its events for the stream: late events, and (a live start's first day) where the stream begins. */
export interface UnitSlice {
  seed: number;
  lateness: LatenessSettings | null;
  /** Events delivered before this simulated time (epoch ms) are left out: a live stream starts there. */
  from_ms?: number;
}

/** The slice of a unit of `day` in this stream: a live clock's start lies in its first day only. */
export function unitSlice(config: AppConfig, state: StreamState, day: string): UnitSlice {
  const from = state.clock?.anchor_sim_ms;
  const inDay = from !== undefined && from >= Date.parse(`${day}T00:00:00.000Z`) && from < Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
  return { seed: config.seed, lateness: state.lateness ?? null, ...(inDay ? { from_ms: from } : {}) };
}

/** The events of one region's day (and the closing positions), continuing from the given opening positions. */
export function regionUnitEvents(
  context: FactContext,
  region: Region,
  day: string,
  opening: RegionBalances,
  eventTypes: readonly string[] | null,
  slice: UnitSlice,
): { events: TimedEvent[]; skipped: number; balances: RegionBalances } {
  const collector = new EventCollector(eventTypes ? new Set(eventTypes as EventType[]) : null);
  const result = generateRegionDay(context, region, day, opening);
  collectDayEvents(collector, Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])));
  // A store's opening and closing go with its region, so each store's events come from one unit only.
  collectStoreHours(collector, { ...context, stores: region.stores }, day);
  return { ...outgoingEvents(collector, slice), balances: result.balances };
}

/** The network-wide events of a day: marketing impressions. */
export function networkUnitEvents(
  config: AppConfig,
  day: string,
  eventTypes: readonly string[] | null,
  slice: UnitSlice,
): { events: TimedEvent[]; skipped: number } {
  const collector = new EventCollector(eventTypes ? new Set(eventTypes as EventType[]) : null);
  collectDayEvents(collector, {
    fact_marketing: generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers).build(),
  });
  return outgoingEvents(collector, slice);
}

/** A unit that no retry can get past (inventory positions missing): the stream goes to status error. */
export class StreamUnitCannotProceed extends Error {
  override readonly name = 'StreamUnitCannotProceed';
}

export type UnitOutcome = 'written' | 'already-done' | 'stale';

/**
 * Runs one unit: generates its region-day (or the network's), writes its chunks and records it on the stream
 * state; the last unit of the streamed day queues the next day. 'stale' when its generation is no longer the
 * stream's (a restart), 'already-done' for a redelivered unit.
 */
export async function runStreamUnit(deps: DayUnitDeps, config: AppConfig, message: StreamUnitMessage, now = () => new Date()): Promise<UnitOutcome> {
  const state = (await deps.state.read(STREAM_STATE_DOCUMENT))?.value;
  // The generation, not the operation id, names the work: a stream stopped and started again continues its days.
  const preparation = state ? preparationOf(state, message.generation) : undefined;
  if (!state || !preparation || preparation.day !== message.day) return 'stale';
  const key = String(message.unit);
  if (preparation.done[key] !== undefined) return 'already-done';
  if (message.unit === NETWORK_UNIT) {
    // Chunks of days already streamed and of earlier streams go: the outbox holds the day being streamed and the next.
    await deps.outbox.removeGenerations(namedGenerations(state));
  }
  const { events, skipped } = await unitEvents(deps, config, state, message);
  if (!(await writeWhileWanted(deps, message, events))) return 'stale';
  if (skipped > 0 && deps.statistics)
    await deps.statistics.update(STATISTICS_DOCUMENT, (stats) => {
      const next = stats ?? emptyStatistics();
      return { ...next, events_skipped_before_start: (next.events_skipped_before_start ?? 0) + skipped };
    });
  const finished = await recordUnit(deps, message, events.length, now());
  if (finished) await prepareNextDay(deps, config, message.generation, now);
  return 'written';
}

/** The generations a stream state names (the day being streamed and the next): the outbox keeps only their chunks. */
function namedGenerations(state: StreamState): string[] {
  return [state.preparation?.generation, state.next_preparation?.generation].filter((g): g is string => Boolean(g));
}

/** The stream still wants this unit's generation (not deleted or restarted since). */
async function stillWanted(deps: DayUnitDeps, generation: string): Promise<StreamState | undefined> {
  const state = (await deps.state.read(STREAM_STATE_DOCUMENT))?.value;
  return state && state.status !== 'stopped' && preparationOf(state, generation) ? state : undefined;
}

/**
 * This instance's unit writes in flight. A reset (./control.ts) stops them and waits until they settle before it
 * clears the outbox, so no transaction of theirs lands after the clear; units on other instances notice within a
 * second (writeWhileWanted) and remove what they wrote.
 */
const writesInFlight = new Set<{ abort: AbortController; settled: Promise<unknown> }>();

/** Stops this instance's unit writes and waits for each to settle (its transaction in flight landed or failed). */
export async function stopUnitWrites(): Promise<void> {
  const writes = [...writesInFlight];
  for (const write of writes) write.abort.abort();
  await Promise.allSettled(writes.map((write) => write.settled));
}

/**
 * Writes a unit's chunks while the stream still wants them (checked before the first write, then every second, and
 * by a reset on this instance): a stream deleted or restarted meanwhile gets nothing more written, and what was
 * written of a generation no longer its own is removed.
 */
async function writeWhileWanted(deps: DayUnitDeps, message: StreamUnitMessage, events: TimedEvent[]): Promise<boolean> {
  const abort = new AbortController();
  let settle!: () => void;
  // Registered before the stream is read: a reset either sees this write and stops it, or happened before the read.
  const write = { abort, settled: new Promise<void>((resolve) => (settle = resolve)) };
  writesInFlight.add(write);
  try {
    const outcome = await writeUnlessAborted(deps, message, events, abort);
    if (outcome !== 'stopped') return outcome === 'written';
    const latest = (await deps.state.read(STREAM_STATE_DOCUMENT))?.value;
    // Stopped, not deleted: the state still names its days, and a later start continues them.
    await deps.outbox.removeGenerations(latest ? namedGenerations(latest) : []);
    return false;
  } finally {
    // Only now: a reset waiting for this write clears the outbox after this unit's own removal, not beside it.
    writesInFlight.delete(write);
    settle();
  }
}

/**
 * Writes the unit's chunks unless the stream stops wanting them: 'written' (and still wanted), 'not-wanted' before
 * anything was written, 'stopped' once some may have been.
 */
async function writeUnlessAborted(
  deps: DayUnitDeps,
  message: StreamUnitMessage,
  events: TimedEvent[],
  abort: AbortController,
): Promise<'written' | 'not-wanted' | 'stopped'> {
  const watch = setInterval(() => {
    void stillWanted(deps, message.generation).then(
      (state) => state || abort.abort(),
      () => undefined,
    );
  }, 1_000);
  try {
    // Generating took a while: a stream stopped and deleted (or restarted) meanwhile gets nothing written.
    if (!(await stillWanted(deps, message.generation))) return 'not-wanted';
    await deps.outbox.writeUnit({ day: message.day, generation: message.generation, unit: unitName(message.unit) }, events, { abortSignal: abort.signal });
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearInterval(watch);
  }
  return !abort.signal.aborted && (await stillWanted(deps, message.generation)) ? 'written' : 'stopped';
}

async function unitEvents(
  deps: DayUnitDeps,
  config: AppConfig,
  state: StreamState,
  message: StreamUnitMessage,
): Promise<{ events: TimedEvent[]; skipped: number }> {
  const slice = unitSlice(config, state, message.day);
  if (message.unit === NETWORK_UNIT) return networkUnitEvents(config, message.day, state.event_types, slice);
  const context = streamContext(config);
  const region = context.regions.find((r) => r.dcId === message.unit);
  if (!region) throw new StreamUnitCannotProceed(`No supply region for DC ${message.unit} (master data changed since the stream started?)`);
  const previous = addDays(message.day, -1);
  const saved =
    (await deps.files.read(balancesPath('stream', region.dcId, previous))) ?? (await deps.files.read(balancesPath('history', region.dcId, previous)));
  if (!saved)
    throw new StreamUnitCannotProceed(
      `Inventory positions for ${previous} (DC ${region.dcId}) are missing; generate historical data through ${previous} first`,
    );
  const job: RegionUnitJob = { config, dcId: region.dcId, day: message.day, opening: saved, eventTypes: state.event_types, slice };
  const threads = unitThreads();
  const { events, skipped, balances } = threads ? await threads.run(job) : regionUnitWork(job);
  // Before the unit is recorded: the next day's unit of this region starts from these positions.
  await deps.files.write(balancesPath('stream', region.dcId, message.day), balances);
  return { events, skipped };
}

/** One region's unit as a generation thread gets it (plain data: it crosses threads). */
export interface RegionUnitJob {
  config: AppConfig;
  dcId: number;
  day: string;
  /** The region's opening inventory positions (`encodeBalances`). */
  opening: Uint8Array;
  eventTypes: readonly string[] | null;
  slice: UnitSlice;
}

export interface RegionUnitResult {
  events: TimedEvent[];
  skipped: number;
  /** The closing positions (`encodeBalances`). */
  balances: Uint8Array;
}

/** The CPU part of a region's unit: its day's events and closing positions (run on a unit thread, ./unit-threads.ts). */
export function regionUnitWork(job: RegionUnitJob): RegionUnitResult {
  const context = streamContext(job.config);
  const region = context.regions.find((r) => r.dcId === job.dcId);
  if (!region) throw new StreamUnitCannotProceed(`No supply region for DC ${job.dcId}`);
  const { events, skipped, balances } = regionUnitEvents(context, region, job.day, decodeBalances(job.opening), job.eventTypes, job.slice);
  return { events, skipped, balances: encodeBalances(balances) };
}

/** Records a finished unit once (ETag'd); true when this made the streamed day's preparation complete. */
async function recordUnit(deps: DayUnitDeps, message: StreamUnitMessage, events: number, now: Date): Promise<boolean> {
  let finished = false;
  await deps.state.update(STREAM_STATE_DOCUMENT, (s) => {
    finished = false;
    const preparation = s ? preparationOf(s, message.generation) : undefined;
    if (!s || !preparation || preparation.done[String(message.unit)] !== undefined) return undefined;
    const done = { ...preparation.done, [String(message.unit)]: events };
    const complete = Object.keys(done).length >= preparation.units_total;
    const updated: DayPreparation = { ...preparation, done, finished_at: complete ? now.toISOString() : null };
    const isCurrent = s.preparation?.generation === message.generation;
    finished = complete && isCurrent;
    return {
      ...s,
      events_generated: s.events_generated + events,
      ...(isCurrent ? { preparation: updated } : { next_preparation: updated }),
    };
  });
  return finished;
}

/**
 * Admits the next day's preparation once the streamed day (of generation `current`) is fully written: one ETag'd
 * update records it (two instances racing here: one wins, the other sees it recorded), and only the winner
 * queues its units. Not while the stream is stopped: a later start continues from here.
 */
export async function prepareNextDay(deps: DayUnitDeps, config: AppConfig, current: string, now = () => new Date()): Promise<boolean> {
  let admitted: { preparation: DayPreparation; operationId: string } | undefined;
  const units = dayUnits(streamContext(config));
  await deps.state.update(STREAM_STATE_DOCUMENT, (s) => {
    admitted = undefined;
    if (!s || !s.operation_id || (s.status !== 'running' && s.status !== 'paused')) return undefined;
    if (!s.day || s.preparation?.generation !== current || !s.preparation.finished_at || s.next_preparation) return undefined;
    admitted = { preparation: newPreparation(addDays(s.day, 1), units.length, now()), operationId: s.operation_id };
    return { ...s, next_preparation: admitted.preparation };
  });
  if (!admitted) return false;
  await queuePreparation(deps, admitted.operationId, admitted.preparation, units, now);
  return true;
}

/** Sends the units of a preparation to the queue and marks it queued. */
export async function queuePreparation(
  deps: DayUnitDeps,
  operationId: string,
  preparation: DayPreparation,
  units: number[],
  now = () => new Date(),
): Promise<void> {
  if (!deps.enqueue) throw new ConflictError('No generation queue is configured: streamed days cannot be generated');
  const enqueue = deps.enqueue;
  const messages: StreamUnitMessage[] = units
    .filter((unit) => preparation.done[String(unit)] === undefined)
    .map((unit) => ({ kind: 'stream-day', operation_id: operationId, generation: preparation.generation, day: preparation.day, unit }));
  // The first (the quickest unit) alone, so it is at the head of the queue; the rest in parallel.
  if (messages.length > 0) await enqueue(messages[0]);
  await Promise.all(messages.slice(1).map((m) => enqueue(m)));
  const queuedAt = now().toISOString();
  await deps.state.update(STREAM_STATE_DOCUMENT, (s) => {
    if (!s) return undefined;
    if (s.preparation?.generation === preparation.generation) return { ...s, preparation: { ...s.preparation, queued_at: queuedAt } };
    if (s.next_preparation?.generation === preparation.generation) return { ...s, next_preparation: { ...s.next_preparation, queued_at: queuedAt } };
    return undefined;
  });
}

/**
 * Queues again the units of a preparation that was recorded but never queued (its instance died in between),
 * once it has waited UNQUEUED_RETRY_MS: units are idempotent, so a second queueing costs only time.
 */
export async function requeueIfLost(deps: DayUnitDeps, config: AppConfig, state: StreamState, now = () => new Date()): Promise<void> {
  for (const preparation of [state.preparation, state.next_preparation]) {
    if (!preparation || preparation.queued_at || preparation.finished_at || !state.operation_id) continue;
    if (now().getTime() - Date.parse(preparation.created_at) < UNQUEUED_RETRY_MS) continue;
    await queuePreparation(deps, state.operation_id, preparation, dayUnits(streamContext(config)), now);
  }
}

/** A unit failed for good: the stream (if it is still this one) goes to status error with the reason. */
export async function failStreamUnit(deps: Pick<DayUnitDeps, 'state'>, message: StreamUnitMessage, reason: string): Promise<void> {
  await deps.state.update(STREAM_STATE_DOCUMENT, (s) =>
    s && preparationOf(s, message.generation) && (s.status === 'running' || s.status === 'paused')
      ? { ...s, status: 'error', error: `The day ${message.day} cannot be generated (${unitName(message.unit)}): ${reason}` }
      : undefined,
  );
}
