/**
 * The realism report: what the generated business looks like over a date range, each measure beside the
 * published benchmark it should resemble (src/core/report/benchmarks.ts) and the gap between them. It is
 * computed from the Parquet in storage, day by day and row group by row group (src/core/report/tally.ts).
 */
import { z } from 'zod';
import { isoDate } from '../config/schema.js';
import { NotFoundError, ConflictError, ValidationError } from '../errors.js';
import { addDays, daysBetween, parseDay } from '../facts/calendar.js';
import type { GenerationState } from '../generation/state.js';
import { masterFilePath, type DatasetFiles } from '../storage/files.js';
import {
  benchmark,
  benchmarkSchema,
  BLACK_FRIDAY_PEAK_HOUR,
  DCPC_2025,
  FMI_TRENDS_2023,
  GMA_OOS_2002,
  GROCERY_DOLLARS_PER_TRIP,
  IN_STORE_RETURN_RATE,
  NRF_RETURNS_2023,
  NRF_RETURNS_2024,
  OUT_OF_STOCK_RATE,
  RETURN_RATE_OF_SALES,
  SENSORMATIC_BLACK_FRIDAY_2023,
  TENDER_SHARE_BY_COUNT,
  type Benchmark,
} from './benchmarks.js';
import { numberOf, scanFactDay, scanParquetFile } from './parquet-scan.js';
import { histogramMean, histogramQuantile, ReportTally, TALLY_COLUMNS, type FulfilmentTimes } from './tally.js';

/** A month and a little: the report reads every row of the range, so a longer one is refused rather than left to time out. */
export const MAX_REPORT_DAYS = 92;

export const reportQuerySchema = z
  .object({
    start_date: isoDate.optional().describe('First day (YYYY-MM-DD). Unset: the first generated day.'),
    end_date: isoDate.optional().describe('Last day, inclusive (YYYY-MM-DD). Unset: the last generated day.'),
  })
  .strict();
export type ReportQuery = z.infer<typeof reportQuerySchema>;

const comparisonSchema = z
  .object({ measured: z.number().nullable(), benchmark: benchmarkSchema, gap: z.number().nullable().describe('measured − benchmark, in the unit of both') })
  .meta({ id: 'BenchmarkComparison' });
export type Comparison = z.infer<typeof comparisonSchema>;

const distributionSchema = z.object({
  mean: z.number().nullable(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
  histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
});

const ratesSchema = z.object({ sold_dollars: z.number(), returned_dollars: z.number(), rate: z.number().nullable() });

export const realismReportSchema = z
  .object({
    start_date: z.string(),
    end_date: z.string(),
    days: z.number().int(),
    computed_ms: z.number().int(),
    hourly: z.object({
      description: z.string(),
      curves: z.array(
        z.object({
          store_format: z.string(),
          weekday: z.number().int().describe('0 = Sunday … 6 = Saturday'),
          traffic: z.array(z.number()).describe('Entrants per hour 0..23, summed over the range'),
          receipts: z.array(z.number()),
          sales_dollars: z.array(z.number()),
        }),
      ),
      peak_traffic_hour: z.number().int().nullable(),
      comparisons: z.array(comparisonSchema),
    }),
    basket: z.object({ receipts: z.number().int(), items: distributionSchema, value_dollars: distributionSchema, comparisons: z.array(comparisonSchema) }),
    tender: z.object({
      in_store: z.record(z.string(), z.object({ count: z.number().int(), share: z.number() })),
      online: z.record(z.string(), z.object({ count: z.number().int(), share: z.number() })),
      comparisons: z.array(comparisonSchema),
    }),
    returns: z.object({
      sale_receipts: z.number().int(),
      return_receipts: z.number().int(),
      receipt_rate: z.number().nullable(),
      value_rate: z.number().nullable(),
      by_department: z.array(ratesSchema.extend({ department: z.string() })),
      by_week: z.array(ratesSchema.extend({ week_start: z.string() })),
      comparisons: z.array(comparisonSchema),
    }),
    funnel: z.object({
      foot_traffic: z.number().int().describe('Visitors counted at the entrance zones'),
      ble_seen: z.number().int().describe('Distinct visit sessions seen by a beacon'),
      buyers: z.number().int().describe('Sale receipts'),
      ble_rate: z.number().nullable(),
      conversion: z.number().nullable(),
      comparisons: z.array(comparisonSchema),
    }),
    stockouts: z.object({
      store_days: z.number().int(),
      products: z.number().int(),
      stockout_pairs: z.number().int().describe('Store-product pairs found empty, counted once per day'),
      sought_pairs: z.number().int().describe('Store-product pairs sold or found empty, counted once per day'),
      rate: z.number().nullable().describe('stockout_pairs / sought_pairs: of the items shoppers looked for, the share found missing'),
      assortment_rate: z.number().nullable().describe('stockout_pairs / (store_days × products)'),
      comparisons: z.array(comparisonSchema),
    }),
    online: z.object({
      orders: z.number().int(),
      cancelled: z.number().int(),
      online_dollars: z.number(),
      in_store_dollars: z.number(),
      online_share: z.number().nullable(),
      fulfilment: z.array(
        z.object({
          mode: z.string(),
          lines: z.number().int(),
          median_hours_to_pick: z.number().nullable(),
          median_hours_to_ship: z.number().nullable(),
          median_hours_to_deliver: z.number().nullable(),
        }),
      ),
      comparisons: z.array(comparisonSchema),
    }),
    trucks: z.object({
      arrivals: z.number().int(),
      on_time: z.number().int(),
      on_time_rate: z.number().nullable(),
      mean_delay_minutes: z.number().nullable(),
      comparisons: z.array(comparisonSchema),
    }),
    campaigns: z.object({
      campaigns: z.array(
        z.object({
          campaign_id: z.string(),
          impressions: z.number().int(),
          reach: z.number().int(),
          cost_dollars: z.number(),
          attributed_receipts: z.number().int(),
          attributed_orders: z.number().int(),
          attributed_dollars: z.number(),
        }),
      ),
      reached_customers: z.number().int(),
      buy_rate_reached: z.number().nullable(),
      buy_rate_not_reached: z.number().nullable(),
      lift: z.number().nullable().describe('buy_rate_reached / buy_rate_not_reached'),
      comparisons: z.array(comparisonSchema),
    }),
  })
  .meta({ id: 'RealismReport' });
export type RealismReport = z.infer<typeof realismReportSchema>;

/** The range to report on: the query's dates, defaulting to the generated range, inside it and not too long. */
export function reportRange(query: ReportQuery, state: GenerationState): { start: string; end: string } {
  if (!state.master || !state.facts) throw new ConflictError('Historical data must be generated first: there is nothing to report on');
  const start = query.start_date ?? state.facts.start_date;
  const end = query.end_date ?? state.facts.end_date;
  if (end < start) throw ValidationError.single('end_date', `must not be before start_date (${start})`);
  const days = daysBetween(start, end) + 1;
  if (days > MAX_REPORT_DAYS) throw ValidationError.single('end_date', `the range covers ${days} days; at most ${MAX_REPORT_DAYS} per report`);
  if (start < state.facts.start_date || end > state.facts.end_date) {
    throw new NotFoundError(`start_date..end_date: ${start}..${end} is not generated; history covers ${state.facts.start_date}..${state.facts.end_date}`);
  }
  return { start, end };
}

async function loadDimensions(files: DatasetFiles): Promise<{ formats: Map<number, string>; departments: Map<number, string>; customers: number }> {
  const formats = new Map<number, string>();
  const departments = new Map<number, string>();
  let customers = 0;
  await scanParquetFile(files, masterFilePath('dim_stores'), ['ID', 'store_format'], (batch, rows) => {
    for (let i = 0; i < rows; i++) formats.set(numberOf(batch.ID![i]), String(batch.store_format![i]));
  });
  await scanParquetFile(files, masterFilePath('dim_products'), ['ID', 'Department'], (batch, rows) => {
    for (let i = 0; i < rows; i++) departments.set(numberOf(batch.ID![i]), String(batch.Department![i]));
  });
  await scanParquetFile(files, masterFilePath('dim_customers'), ['ID'], (batch, rows) => {
    for (let i = 0; i < rows; i++) customers = Math.max(customers, numberOf(batch.ID![i]));
  });
  return { formats, departments, customers };
}

/** Monday of the ISO week a day falls in: the key of the weekly return rates. */
export function weekStart(day: string): string {
  const weekday = parseDay(day).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

async function tallyDay(files: DatasetFiles, tally: ReportTally, day: string): Promise<void> {
  const weekday = parseDay(day).getUTCDay();
  tally.hours.weekdayDays[weekday]! += 1;
  const stores = new Set<number>();
  await scanFactDay(files, 'fact_foot_traffic', day, TALLY_COLUMNS.fact_foot_traffic, (batch, rows) => tally.addFootTraffic(batch, rows, weekday, stores));
  tally.storeDays += stores.size;
  await scanFactDay(files, 'fact_receipts', day, TALLY_COLUMNS.fact_receipts, (batch, rows) => tally.addReceipts(batch, rows, weekday));
  const week = weekStart(day);
  await scanFactDay(files, 'fact_receipt_lines', day, TALLY_COLUMNS.fact_receipt_lines, (batch, rows) => tally.addReceiptLines(batch, rows, week));
  // Visit sessions never span days, so a day's set is all the distinct counting needs (and is dropped after it).
  const sessions = new Set<string>();
  await scanFactDay(files, 'fact_ble_pings', day, TALLY_COLUMNS.fact_ble_pings, (batch, rows) => tally.addBlePings(batch, rows, sessions));
  tally.bleSessions += sessions.size;
  const pairs = { stockedOut: new Set<number>(), sought: new Set<number>() };
  await scanFactDay(files, 'fact_store_inventory_txn', day, TALLY_COLUMNS.fact_store_inventory_txn, (batch, rows) =>
    tally.addStoreInventory(batch, rows, pairs),
  );
  await scanFactDay(files, 'fact_online_order_headers', day, TALLY_COLUMNS.fact_online_order_headers, (batch, rows) => tally.addOnlineHeaders(batch, rows));
  await scanFactDay(files, 'fact_online_order_lines', day, TALLY_COLUMNS.fact_online_order_lines, (batch, rows) => tally.addOnlineLines(batch, rows));
  await scanFactDay(files, 'fact_truck_moves', day, TALLY_COLUMNS.fact_truck_moves, (batch, rows) => tally.addTruckMoves(batch, rows));
  await scanFactDay(files, 'fact_marketing', day, TALLY_COLUMNS.fact_marketing, (batch, rows) => tally.addMarketing(batch, rows));
}

export interface ReportOptions {
  abortSignal?: AbortSignal;
  /** Called after each day with the days done and the days in the range. */
  onProgress?: (done: number, total: number) => void;
}

export async function computeRealismReport(files: DatasetFiles, range: { start: string; end: string }, options: ReportOptions = {}): Promise<RealismReport> {
  const started = Date.now();
  const { formats, departments, customers } = await loadDimensions(files);
  const tally = new ReportTally(formats, departments, customers);
  const days = daysBetween(range.start, range.end) + 1;
  for (let d = 0; d < days; d++) {
    options.abortSignal?.throwIfAborted();
    await tallyDay(files, tally, addDays(range.start, d));
    options.onProgress?.(d + 1, days);
  }
  return shapeReport(tally, { ...range, days, computedMs: Date.now() - started, products: departments.size });
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const dollars = (cents: number): number => Math.round(cents) / 100;

function compare(measured: number | null, published: Benchmark): Comparison {
  return { measured, benchmark: published, gap: measured === null || published.value === null ? null : measured - published.value };
}

function distribution(bins: Float64Array, width: number, scale: number, exactMean: number | null): z.infer<typeof distributionSchema> {
  const histogram: { from: number; to: number; count: number }[] = [];
  for (let from = 0; from < bins.length; from += width) {
    let count = 0;
    for (let i = from; i < Math.min(bins.length, from + width); i++) count += bins[i]!;
    if (count > 0) histogram.push({ from: from * scale, to: (from + width) * scale, count });
  }
  const median = histogramQuantile(bins, 0.5);
  const p90 = histogramQuantile(bins, 0.9);
  return { mean: exactMean ?? histogramMean(bins), median: median === null ? null : median * scale, p90: p90 === null ? null : p90 * scale, histogram };
}

function shares(counts: Map<string, number>): Record<string, { count: number; share: number }> {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => [key, { count, share: count / total }]));
}

function hourlySection(tally: ReportTally): RealismReport['hourly'] {
  const { hours } = tally;
  const curves: RealismReport['hourly']['curves'] = [];
  const overall = new Float64Array(24);
  for (const format of [...hours.traffic.keys()].sort()) {
    for (let weekday = 0; weekday < 7; weekday++) {
      if (hours.weekdayDays[weekday] === 0) continue;
      const slice = (map: Map<string, Float64Array>, scale = 1) =>
        Array.from(hours.cell(map, format).subarray(weekday * 24, weekday * 24 + 24), (value) => Math.round(value * scale) / scale);
      const traffic = slice(hours.traffic);
      traffic.forEach((value, hour) => (overall[hour]! += value));
      curves.push({
        store_format: format,
        weekday,
        traffic,
        receipts: slice(hours.receipts),
        sales_dollars: slice(hours.salesCents).map((cents) => dollars(cents)),
      });
    }
  }
  const peak = overall.some((v) => v > 0) ? overall.indexOf(Math.max(...overall)) : null;
  return {
    description: 'Entrants, receipts and sales by hour of day (the store clock), per store format and weekday, summed over the range.',
    curves,
    peak_traffic_hour: peak,
    comparisons: [
      compare(
        peak,
        benchmark(
          'peak_traffic_hour',
          BLACK_FRIDAY_PEAK_HOUR,
          'hour of day',
          'Peak in-store traffic hour on Black Friday weekend 2023 (2-3 p.m.); ordinary weekdays peak around midday and again after work.',
          SENSORMATIC_BLACK_FRIDAY_2023,
        ),
      ),
    ],
  };
}

function basketSection(tally: ReportTally): RealismReport['basket'] {
  const meanDollars = tally.saleReceipts > 0 ? tally.saleCents / 100 / tally.saleReceipts : null;
  return {
    receipts: tally.saleReceipts,
    items: distribution(tally.basketItems, 1, 1, ratio(tally.saleItems, tally.saleReceipts)),
    value_dollars: distribution(tally.basketValue, 10, 1, meanDollars === null ? null : Math.round(meanDollars * 100) / 100),
    comparisons: [
      compare(
        meanDollars,
        benchmark(
          'mean_basket_dollars',
          Math.round(GROCERY_DOLLARS_PER_TRIP * 100) / 100,
          'dollars per trip',
          'Weekly grocery spend per household ($155) over weekly grocery trips (2.6).',
          FMI_TRENDS_2023,
        ),
      ),
    ],
  };
}

function tenderSection(tally: ReportTally): RealismReport['tender'] {
  const inStore = shares(tally.tenders);
  const note = 'Share of all consumer payments by number in 2024; mobile counts phone payments over any instrument.';
  return {
    in_store: inStore,
    online: shares(tally.onlineTenders),
    comparisons: (Object.entries(TENDER_SHARE_BY_COUNT) as [string, number][]).map(([tender, value]) =>
      compare(inStore[tender]?.share ?? 0, benchmark(`tender_share_${tender.toLowerCase()}`, value, 'share of payments', note, DCPC_2025)),
    ),
  };
}

function returnsSection(tally: ReportTally): RealismReport['returns'] {
  const rates = ([sold, returned]: [number, number]) => ({ sold_dollars: dollars(sold), returned_dollars: dollars(returned), rate: ratio(returned, sold) });
  const valueRate = ratio(tally.returnCents, tally.saleCents);
  return {
    sale_receipts: tally.saleReceipts,
    return_receipts: tally.returnReceipts,
    receipt_rate: ratio(tally.returnReceipts, tally.saleReceipts),
    value_rate: valueRate,
    by_department: [...tally.departments.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([department, totals]) => ({ department, ...rates(totals) })),
    by_week: [...tally.weeks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([week_start, totals]) => ({ week_start, ...rates(totals) })),
    comparisons: [
      compare(
        valueRate,
        benchmark(
          'return_rate_of_sales',
          RETURN_RATE_OF_SALES,
          'share of sales value',
          'All channels; in-store returns run well below online ones, and January spikes after the holidays.',
          NRF_RETURNS_2024,
        ),
      ),
      compare(
        valueRate,
        benchmark(
          'in_store_return_rate_of_sales',
          IN_STORE_RETURN_RATE,
          'share of sales value',
          'Brick-and-mortar returns over in-store sales, all retail (grocery-heavy stores run lower; online 17.6%).',
          NRF_RETURNS_2023,
        ),
      ),
    ],
  };
}

function funnelSection(tally: ReportTally): RealismReport['funnel'] {
  return {
    foot_traffic: tally.entrants,
    ble_seen: tally.bleSessions,
    buyers: tally.saleReceipts,
    ble_rate: ratio(tally.bleSessions, tally.entrants),
    conversion: ratio(tally.saleReceipts, tally.entrants),
    comparisons: [
      compare(
        ratio(tally.saleReceipts, tally.entrants),
        benchmark(
          'conversion',
          null,
          'buyers per entrant',
          'No published conversion figure is held here; the funnel must narrow (foot traffic ≥ BLE-seen ≥ buyers).',
          null,
        ),
      ),
    ],
  };
}

function stockoutSection(tally: ReportTally, products: number): RealismReport['stockouts'] {
  const rate = ratio(tally.stockouts, tally.sought);
  return {
    store_days: tally.storeDays,
    products,
    stockout_pairs: tally.stockouts,
    sought_pairs: tally.sought,
    rate,
    assortment_rate: ratio(tally.stockouts, tally.storeDays * products),
    comparisons: [
      compare(
        rate,
        benchmark(
          'out_of_stock_rate',
          OUT_OF_STOCK_RATE,
          'share of items',
          'Average share of items out of stock at a given time, worldwide; measured here as the share of store-product pairs shoppers sought in a day that they found empty.',
          GMA_OOS_2002,
        ),
      ),
    ],
  };
}

function onlineSection(tally: ReportTally): RealismReport['online'] {
  const median = (bins: Float64Array) => histogramQuantile(bins, 0.5);
  const fulfilment = [...tally.fulfilment.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([mode, times]: [string, FulfilmentTimes]) => ({
      mode,
      lines: times.lines,
      median_hours_to_pick: median(times.pick),
      median_hours_to_ship: median(times.ship),
      median_hours_to_deliver: median(times.deliver),
    }));
  const share = ratio(tally.onlineCents, tally.onlineCents + tally.saleCents);
  return {
    orders: tally.onlineOrders,
    cancelled: tally.onlineCancelled,
    online_dollars: dollars(tally.onlineCents),
    in_store_dollars: dollars(tally.saleCents),
    online_share: share,
    fulfilment,
    comparisons: [compare(share, benchmark('online_share_of_sales', null, 'share of sales value', 'No published online-share figure is held here.', null))],
  };
}

function truckSection(tally: ReportTally): RealismReport['trucks'] {
  const rate = ratio(tally.onTime, tally.arrivals);
  return {
    arrivals: tally.arrivals,
    on_time: tally.onTime,
    on_time_rate: rate,
    mean_delay_minutes: ratio(tally.delayMinutes, tally.arrivals),
    comparisons: [
      compare(
        rate,
        benchmark(
          'truck_on_time_rate',
          null,
          'share of arrivals',
          'No published on-time figure is held here; within 15 minutes of ETA counts as on time.',
          null,
        ),
      ),
    ],
  };
}

function campaignSection(tally: ReportTally): RealismReport['campaigns'] {
  let reached = 0;
  let reachedBuyers = 0;
  let buyers = 0;
  for (let id = 1; id < tally.reached.length; id++) {
    reached += tally.reached[id]!;
    buyers += tally.bought[id]!;
    reachedBuyers += tally.reached[id]! & tally.bought[id]!;
  }
  const population = tally.reached.length - 1;
  const rateReached = ratio(reachedBuyers, reached);
  const rateNot = ratio(buyers - reachedBuyers, population - reached);
  const lift = rateReached !== null && rateNot ? rateReached / rateNot : null;
  return {
    campaigns: [...tally.campaigns.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([campaign_id, c]) => ({
        campaign_id,
        impressions: c.impressions,
        reach: c.viewers.size,
        cost_dollars: dollars(c.costCents),
        attributed_receipts: c.receipts,
        attributed_orders: c.orders,
        attributed_dollars: dollars(c.salesCents),
      })),
    reached_customers: reached,
    buy_rate_reached: rateReached,
    buy_rate_not_reached: rateNot,
    lift,
    comparisons: [
      compare(
        lift,
        benchmark('campaign_lift', null, 'ratio of buy rates', 'No published lift figure is held here; above 1 means reached customers buy more.', null),
      ),
    ],
  };
}

function shapeReport(tally: ReportTally, meta: { start: string; end: string; days: number; computedMs: number; products: number }): RealismReport {
  return {
    start_date: meta.start,
    end_date: meta.end,
    days: meta.days,
    computed_ms: meta.computedMs,
    hourly: hourlySection(tally),
    basket: basketSection(tally),
    tender: tenderSection(tally),
    returns: returnsSection(tally),
    funnel: funnelSection(tally),
    stockouts: stockoutSection(tally, meta.products),
    online: onlineSection(tally),
    trucks: truckSection(tally),
    campaigns: campaignSection(tally),
  };
}
