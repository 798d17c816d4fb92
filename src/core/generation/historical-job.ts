/**
 * Historical facts as a job fanned out over the generation queue. The unit of work is one day of one supply
 * region (a DC and its stores): regions are independent, so they run in parallel on any instances, while
 * each region's days run in order (a finished day queues the next) because inventory carries over. The
 * network-wide marketing table is one unit per day. Output is Hive-partitioned Parquet:
 * `facts/<table>/date=YYYY-MM-DD/dc-NNN.parquet` (marketing: `network.parquet`).
 */
import type { AppConfig } from '../config/schema.js';
import { ConflictError, ValidationError } from '../errors.js';
import { addDays, daysBetween, formatDay } from '../facts/calendar.js';
import { buildFactContext, type FactContext } from '../facts/context.js';
import { balancesPath, decodeBalances, encodeBalances, openingBalances } from '../facts/inventory.js';
import { generateMarketingDay } from '../facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../facts/region-day.js';
import { isTerminal, type Job } from '../jobs/job.js';
import { PARQUET_CONTENT_TYPE } from '../storage/files.js';
import { FACT_TABLES, type FactTable } from '../dataset-tables.js';
import { FACT_SCHEMAS, type FactTableBuilder } from '../facts/builder.js';
import { masterFingerprint, type MasterJobDeps } from './master-job.js';
import type { TableStats } from './state.js';
import { MARKETING_UNIT, markUnitCounted } from './unit-progress.js';
import { encodeOffThread, holdColumns } from './parquet-threads.js';

export { MARKETING_UNIT } from './unit-progress.js';

export type HistoricalJobDeps = MasterJobDeps;

export interface HistoricalRequest {
  start_date: string;
  end_date: string;
  /** True when no history existed: the first day starts from drawn opening inventory. */
  fresh: boolean;
  regions: number[];
}

/** A reversed range is malformed whatever has been generated: refused as such (400) before any state is consulted. */
function assertOrderedRange(requested: { start_date?: string | undefined; end_date?: string | undefined }): void {
  if (requested.start_date && requested.end_date && requested.start_date > requested.end_date) {
    throw ValidationError.single('start_date', `must not be after end_date (${requested.start_date} > ${requested.end_date})`);
  }
}

export function resolveHistoricalRange(
  config: AppConfig,
  facts: { start_date: string; end_date: string } | null,
  requested: { start_date?: string | undefined; end_date?: string | undefined },
  today: string,
): { start: string; end: string } {
  const yesterday = addDays(today, -1);
  const end = requested.end_date ?? yesterday;
  let start: string;
  if (requested.start_date) start = requested.start_date;
  else if (facts) start = addDays(facts.end_date, 1);
  else start = config.historical.start_date ?? addDays(yesterday, 1 - config.historical.initial_days);

  if (end > yesterday) throw ValidationError.single('end_date', `cannot be after yesterday (${yesterday}): days are generated whole`);
  assertOrderedRange(requested);
  if (facts && start <= facts.end_date) {
    throw new ConflictError(
      `History already covers ${facts.start_date} to ${facts.end_date}; the next run starts at ${addDays(facts.end_date, 1)} (or delete the data first)`,
    );
  }
  if (start > end) {
    if (!requested.start_date && !requested.end_date && facts) throw new ConflictError(`History is already up to date through ${facts.end_date}`);
    throw ValidationError.single('start_date', `must not be after end_date (${start} > ${end})`);
  }
  if (facts && start !== addDays(facts.end_date, 1)) {
    throw ValidationError.single(
      'start_date',
      `must be ${addDays(facts.end_date, 1)}, the day after the last generated day, so inventory carries over without a gap`,
    );
  }
  const span = daysBetween(start, end) + 1;
  if (span > config.historical.max_span_days) {
    throw ValidationError.single(
      'end_date',
      `the range is ${span} days; the most one job may cover is ${config.historical.max_span_days} (historical.max_span_days)`,
    );
  }
  return { start, end };
}

export async function startHistoricalGeneration(
  deps: HistoricalJobDeps,
  config: AppConfig,
  requested: { start_date?: string | undefined; end_date?: string | undefined },
  today = formatDay(new Date()),
): Promise<Job> {
  assertOrderedRange(requested);
  const state = await deps.state.read();
  if (!state.master) throw ValidationError.single('master', 'Master data must be generated first (POST /api/generators/master/start)');
  if (state.master.config_fingerprint !== masterFingerprint(config)) {
    throw ValidationError.single('config', 'seed or volume settings changed since master data was generated; generate master data again with {"force": true}');
  }
  const active = await deps.jobs.active();
  if (active) throw new ConflictError(`A ${active.kind} generation job is running (operation_id ${active.operation_id})`);
  const { start, end } = resolveHistoricalRange(config, state.facts, requested, today);
  const regions = buildFactContext(config).regions.map((r) => r.dcId);
  const days = daysBetween(start, end) + 1;
  const request: HistoricalRequest = { start_date: start, end_date: end, fresh: state.facts === null, regions };
  const job = await deps.jobs.begin('historical', FACT_TABLES, (regions.length + 1) * days, request as unknown as Record<string, unknown>);
  try {
    // Every region starts on the first day; marketing days are independent and all go at once.
    for (const region of regions) await deps.enqueue({ operation_id: job.operation_id, kind: 'historical', region, day: start });
    for (let d = 0; d < days; d++) await deps.enqueue({ operation_id: job.operation_id, kind: 'historical', region: MARKETING_UNIT, day: addDays(start, d) });
  } catch (error) {
    await deps.jobs.finish(job.operation_id, 'failed', `Could not queue the work: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  return job;
}

export function factFilePath(table: FactTable, day: string, region: number): string {
  return `facts/${table}/date=${day}/${region === MARKETING_UNIT ? 'network' : `dc-${String(region).padStart(3, '0')}`}.parquet`;
}

let cachedContext: { fingerprint: string; context: FactContext } | undefined;
function contextFor(config: AppConfig): FactContext {
  const fingerprint = masterFingerprint(config);
  if (cachedContext?.fingerprint !== fingerprint) cachedContext = { fingerprint, context: buildFactContext(config) };
  return cachedContext.context;
}

type UnitCounts = Partial<Record<FactTable, { rows: number; bytes: number; files: number }>>;

/** Uploads in flight per unit: later tables encode while earlier ones upload, and memory stays bounded. */
const UPLOADS_IN_FLIGHT = 4;

/**
 * Encodes a unit's tables (all queued at once, on the encoder threads where there are: ./parquet-threads.ts) and
 * uploads each file as its bytes arrive, in table order. `release` gives back the room the columns held once every
 * table is encoded; the instance's thread meanwhile is free for the next unit's generation.
 */
async function writeTables(
  deps: HistoricalJobDeps,
  day: string,
  region: number,
  tables: readonly (readonly [FactTable, FactTableBuilder])[],
  release: () => void,
): Promise<UnitCounts> {
  const encodings = tables.map(([, builder]) => (builder.rowCount === 0 ? null : encodeOffThread(builder.typed())));
  const started = encodings.filter((encoding) => encoding !== null);
  void Promise.allSettled(started).then(release);
  // Awaited below in order; the handlers only keep a failure that happens meanwhile from counting as unhandled.
  for (const encoding of started) encoding.catch(() => {});
  const counts: UnitCounts = {};
  const uploads: Promise<void>[] = [];
  for (let i = 0; i < tables.length; i++) {
    const [table, builder] = tables[i]!;
    const encoding = encodings[i];
    if (!encoding) continue;
    const bytes = await encoding;
    const upload = deps.files.write(factFilePath(table, day, region), bytes, PARQUET_CONTENT_TYPE);
    // Awaited below, as the encodings are.
    upload.catch(() => {});
    uploads.push(upload);
    counts[table] = { rows: builder.rowCount, bytes: bytes.byteLength, files: 1 };
    if (uploads.length >= UPLOADS_IN_FLIGHT) await uploads.shift();
  }
  await Promise.all(uploads);
  return counts;
}

/**
 * Generates a unit's tables once there is room to hold their columns (./parquet-threads.ts): with many units on the
 * instance, generation waits for earlier region-days to be encoded instead of piling up their columns. A generation
 * that throws gives the room back; otherwise `release` goes to writeTables.
 */
async function generateHeld<T>(generate: () => T): Promise<{ made: T; release: () => void }> {
  const release = await holdColumns();
  try {
    return { made: generate(), release };
  } catch (error) {
    release();
    throw error;
  }
}

/** Generates one unit: (region, day) or (marketing, day). Returns the rows written per table. */
export async function generateUnit(deps: HistoricalJobDeps, config: AppConfig, request: HistoricalRequest, region: number, day: string): Promise<UnitCounts> {
  if (region === MARKETING_UNIT) {
    const { made: marketing, release } = await generateHeld(() =>
      generateMarketingDay(config.seed, day, config.volume.marketing_impressions_per_day, config.volume.total_customers),
    );
    return writeTables(deps, day, region, [['fact_marketing', marketing]], release);
  }
  const context = contextFor(config);
  const regionInfo = context.regions.find((r) => r.dcId === region);
  if (!regionInfo) throw new Error(`No supply region for DC ${region}`);
  let balances;
  if (request.fresh && day === request.start_date) {
    balances = openingBalances(config.seed, config.volume, regionInfo, context.products.length);
  } else {
    const saved = await deps.files.read(balancesPath('history', region, addDays(day, -1)));
    if (!saved) throw new Error(`Inventory positions of DC ${region} for ${addDays(day, -1)} are missing; generate that day first`);
    balances = decodeBalances(saved);
  }
  const { made: result, release } = await generateHeld(() => generateRegionDay(context, regionInfo, day, balances));
  const counts = await writeTables(
    deps,
    day,
    region,
    REGION_TABLES.map((table) => [table, result.tables[table]] as const),
    release,
  );
  // Written last: the next day starts from these positions, so they only appear once the day's files are in.
  await deps.files.write(balancesPath('history', region, day), encodeBalances(result.balances));
  return counts;
}

export async function runHistoricalUnit(
  deps: HistoricalJobDeps,
  config: AppConfig,
  message: { operation_id: string; region: number; day: string },
): Promise<Job> {
  const { operation_id: operationId, region, day } = message;
  let job = await deps.jobs.get(operationId);
  if (isTerminal(job.status)) return job;
  if (job.cancel_requested) return deps.jobs.finish(operationId, 'cancelled');
  const request = job.request as unknown as HistoricalRequest;
  if (job.status === 'pending') {
    job = await deps.jobs.update(operationId, (j) => {
      if (j.status === 'pending') {
        j.status = 'running';
        j.started_at = new Date().toISOString();
        j.message = 'Generating history';
      }
    });
  }

  const counts = await generateUnit(deps, config, request, region, day);

  // Counted and marked counted in one write (unit-progress.ts): a redelivered message, whether the last try
  // failed before or after this update, is counted exactly once.
  let firstTime = false;
  job = await deps.jobs.update(operationId, (j) => {
    firstTime = markUnitCounted(j, request, region, day);
    if (!firstTime) return;
    j.units_done += 1;
    j.progress = Math.min(1, j.units_done / j.units_total);
    for (const [table, count] of Object.entries(counts) as [FactTable, { rows: number; bytes: number; files: number }][]) {
      const current = j.tables[table] ?? { rows: 0, progress: 0 };
      j.tables[table] = {
        rows: current.rows + count.rows,
        progress: j.progress,
        files: (current.files ?? 0) + count.files,
        bytes: (current.bytes ?? 0) + count.bytes,
      };
    }
    for (const table of Object.keys(j.tables)) j.tables[table]!.progress = j.progress;
    if (!j.current_day || day > j.current_day) j.current_day = day;
    j.message = `Generated ${j.units_done} of ${j.units_total} region-days (latest ${day})`;
  });

  if (region !== MARKETING_UNIT && day < request.end_date && !job.cancel_requested) {
    await deps.enqueue({ operation_id: operationId, kind: 'historical', region, day: addDays(day, 1) });
  }
  if (job.cancel_requested) return deps.jobs.finish(operationId, 'cancelled');
  // Also on a redelivery: the last try may have counted the final unit and failed before this.
  if (job.units_done === job.units_total) {
    await deps.state.update((state) => {
      // Added once: a redelivered final unit finds the watermark already at this job's end.
      if (state.facts && state.facts.end_date >= request.end_date) return;
      const tables: Partial<Record<FactTable, TableStats>> = { ...(state.facts?.tables as Partial<Record<FactTable, TableStats>> | undefined) };
      const now = new Date().toISOString();
      for (const table of FACT_TABLES) {
        const added = job.tables[table];
        const previous = tables[table];
        tables[table] = {
          rows: (previous?.rows ?? 0) + (added?.rows ?? 0),
          files: (previous?.files ?? 0) + (added?.files ?? 0),
          bytes: (previous?.bytes ?? 0) + (added?.bytes ?? 0),
          columns: FACT_SCHEMAS[table].map(([name, type]) => ({ name, type })),
          updated_at: now,
        };
      }
      state.facts = { start_date: state.facts?.start_date ?? request.start_date, end_date: request.end_date, last_run: now, tables };
    });
    return deps.jobs.finish(operationId, 'completed');
  }
  return job;
}
