/**
 * The realism report's running totals, fed one row group at a time (src/core/report/parquet-scan.ts). Each
 * `add*` reads only the columns listed beside it in `TALLY_COLUMNS`; everything kept is a fixed-size counter,
 * a histogram or a per-customer bit, so memory does not grow with the number of days.
 */
import { millisOf, numberOf, type ColumnBatch } from './parquet-scan.js';

export const TALLY_COLUMNS = {
  fact_foot_traffic: ['event_ts', 'store_id', 'zone', 'count'],
  fact_receipts: ['event_ts', 'store_id', 'customer_id', 'receipt_type', 'total_cents', 'payment_method', 'item_count', 'campaign_id'],
  fact_receipt_lines: ['product_id', 'quantity', 'ext_cents'],
  fact_ble_pings: ['session_id'],
  fact_store_inventory_txn: ['store_id', 'product_id', 'txn_type'],
  fact_online_order_headers: ['customer_id', 'total_cents', 'status', 'campaign_id', 'payment_method'],
  fact_online_order_lines: ['event_ts', 'picked_ts', 'shipped_ts', 'delivered_ts', 'fulfillment_mode'],
  fact_truck_moves: ['event_ts', 'status', 'eta'],
  fact_marketing: ['campaign_id', 'customer_ad_id', 'customer_id', 'cost_cents'],
} as const;

/** Foot-traffic zones at the doors: what a door counter reports as visitors. */
export const ENTRANCE_ZONES = new Set(['ENTRANCE_MAIN', 'ENTRANCE_SIDE']);
/** A truck counts as on time when it arrives within 15 minutes of its ETA, the usual delivery-window grace. */
export const ON_TIME_GRACE_MS = 15 * 60_000;

const HOUR_MS = 3_600_000;
/** Basket values are kept in $1 bins up to $2,000 (the last bin holds everything above). */
export const VALUE_BINS = 2001;
/** Items per basket in exact bins up to 200. */
export const ITEM_BINS = 201;
/** Fulfilment times in whole hours up to 30 days. */
export const HOUR_BINS = 24 * 30 + 1;

export class HourCurves {
  /** [format][weekday][hour] */
  readonly traffic = new Map<string, Float64Array>();
  readonly receipts = new Map<string, Float64Array>();
  readonly salesCents = new Map<string, Float64Array>();
  /** Days of each weekday in the range (to turn totals into averages per store-day). */
  readonly weekdayDays = new Float64Array(7);

  cell(map: Map<string, Float64Array>, format: string): Float64Array {
    let array = map.get(format);
    if (!array) map.set(format, (array = new Float64Array(7 * 24)));
    return array;
  }
}

export class FulfilmentTimes {
  lines = 0;
  readonly pick = new Float64Array(HOUR_BINS);
  readonly ship = new Float64Array(HOUR_BINS);
  readonly deliver = new Float64Array(HOUR_BINS);
}

export interface CampaignTally {
  impressions: number;
  costCents: number;
  viewers: Set<string>;
  receipts: number;
  orders: number;
  salesCents: number;
}

export class ReportTally {
  readonly hours = new HourCurves();
  saleReceipts = 0;
  returnReceipts = 0;
  saleCents = 0;
  saleItems = 0;
  returnCents = 0;
  readonly basketItems = new Float64Array(ITEM_BINS);
  readonly basketValue = new Float64Array(VALUE_BINS);
  readonly tenders = new Map<string, number>();
  /** Receipt lines by department: [sold cents, returned cents]. */
  readonly departments = new Map<string, [number, number]>();
  /** Receipt lines by week (Monday's date): [sold cents, returned cents]. */
  readonly weeks = new Map<string, [number, number]>();
  entrants = 0;
  bleSessions = 0;
  storeDays = 0;
  stockouts = 0;
  /** Store-product pairs shoppers sought in a day (a sale, an online pick from the shelf, or a stockout), summed over days. */
  sought = 0;
  onlineOrders = 0;
  onlineCancelled = 0;
  onlineCents = 0;
  readonly onlineTenders = new Map<string, number>();
  readonly fulfilment = new Map<string, FulfilmentTimes>();
  arrivals = 0;
  onTime = 0;
  delayMinutes = 0;
  readonly campaigns = new Map<string, CampaignTally>();
  attributedReceipts = 0;
  attributedOrders = 0;
  readonly reached: Uint8Array;
  readonly bought: Uint8Array;

  constructor(
    readonly storeFormats: Map<number, string>,
    readonly departmentOf: Map<number, string>,
    readonly customerCount: number,
  ) {
    this.reached = new Uint8Array(customerCount + 1);
    this.bought = new Uint8Array(customerCount + 1);
  }

  campaign(id: string): CampaignTally {
    let tally = this.campaigns.get(id);
    if (!tally) this.campaigns.set(id, (tally = { impressions: 0, costCents: 0, viewers: new Set(), receipts: 0, orders: 0, salesCents: 0 }));
    return tally;
  }

  private markCustomer(bits: Uint8Array, id: unknown): void {
    const n = numberOf(id);
    if (id !== null && n > 0 && n < bits.length) bits[n] = 1;
  }

  addFootTraffic(batch: ColumnBatch, rows: number, weekday: number, storeDays: Set<number>): void {
    const { event_ts, store_id, zone, count } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      const store = numberOf(store_id![i]);
      storeDays.add(store);
      const visitors = numberOf(count![i]);
      if (!ENTRANCE_ZONES.has(String(zone![i]))) continue;
      this.entrants += visitors;
      const hour = new Date(millisOf(event_ts![i])!).getUTCHours();
      this.hours.cell(this.hours.traffic, this.storeFormats.get(store) ?? 'unknown')[weekday * 24 + hour]! += visitors;
    }
  }

  addReceipts(batch: ColumnBatch, rows: number, weekday: number): void {
    const { event_ts, store_id, customer_id, receipt_type, total_cents, payment_method, item_count, campaign_id } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      const total = numberOf(total_cents![i]);
      if (receipt_type![i] !== 'SALE') {
        this.returnReceipts++;
        this.returnCents -= total;
        continue;
      }
      this.saleReceipts++;
      this.saleCents += total;
      const format = this.storeFormats.get(numberOf(store_id![i])) ?? 'unknown';
      const cell = weekday * 24 + new Date(millisOf(event_ts![i])!).getUTCHours();
      this.hours.cell(this.hours.receipts, format)[cell]! += 1;
      this.hours.cell(this.hours.salesCents, format)[cell]! += total;
      const items = numberOf(item_count![i]);
      this.saleItems += items;
      this.basketItems[Math.min(ITEM_BINS - 1, items)]! += 1;
      this.basketValue[Math.min(VALUE_BINS - 1, Math.floor(total / 100))]! += 1;
      const tender = String(payment_method![i]);
      this.tenders.set(tender, (this.tenders.get(tender) ?? 0) + 1);
      this.markCustomer(this.bought, customer_id![i]);
      const campaign = campaign_id![i];
      if (typeof campaign === 'string') {
        const tally = this.campaign(campaign);
        tally.receipts++;
        tally.salesCents += total;
        this.attributedReceipts++;
      }
    }
  }

  addReceiptLines(batch: ColumnBatch, rows: number, week: string): void {
    const { product_id, quantity, ext_cents } = batch as Record<string, ArrayLike<unknown>>;
    const weekly = this.weeks.get(week) ?? [0, 0];
    this.weeks.set(week, weekly);
    for (let i = 0; i < rows; i++) {
      const department = this.departmentOf.get(numberOf(product_id![i])) ?? 'Unknown';
      let totals = this.departments.get(department);
      if (!totals) this.departments.set(department, (totals = [0, 0]));
      const ext = numberOf(ext_cents![i]);
      const slot = numberOf(quantity![i]) < 0 ? 1 : 0;
      const amount = Math.abs(ext);
      totals[slot] += amount;
      weekly[slot] += amount;
    }
  }

  addBlePings(batch: ColumnBatch, rows: number, sessions: Set<string>): void {
    const { session_id } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) sessions.add(String(session_id![i]));
  }

  addStoreInventory(batch: ColumnBatch, rows: number, day: { stockedOut: Set<number>; sought: Set<number> }): void {
    const { store_id, product_id, txn_type } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      const type = txn_type![i];
      if (type !== 'STOCKOUT' && type !== 'SALE') continue;
      // One store-product pair counts once per day, however often it sold or the shelf was found empty.
      const key = numberOf(store_id![i]) * 1_000_003 + numberOf(product_id![i]);
      if (!day.sought.has(key)) {
        day.sought.add(key);
        this.sought++;
      }
      if (type === 'STOCKOUT' && !day.stockedOut.has(key)) {
        day.stockedOut.add(key);
        this.stockouts++;
      }
    }
  }

  addOnlineHeaders(batch: ColumnBatch, rows: number): void {
    const { customer_id, total_cents, status, campaign_id, payment_method } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      this.onlineOrders++;
      if (status![i] === 'CANCELLED') {
        this.onlineCancelled++;
        continue;
      }
      const total = numberOf(total_cents![i]);
      this.onlineCents += total;
      const tender = String(payment_method![i]);
      this.onlineTenders.set(tender, (this.onlineTenders.get(tender) ?? 0) + 1);
      this.markCustomer(this.bought, customer_id![i]);
      const campaign = campaign_id![i];
      if (typeof campaign === 'string') {
        const tally = this.campaign(campaign);
        tally.orders++;
        tally.salesCents += total;
        this.attributedOrders++;
      }
    }
  }

  addOnlineLines(batch: ColumnBatch, rows: number): void {
    const { event_ts, picked_ts, shipped_ts, delivered_ts, fulfillment_mode } = batch as Record<string, ArrayLike<unknown>>;
    const hoursBin = (from: number, to: number | null) => (to === null ? -1 : Math.min(HOUR_BINS - 1, Math.max(0, Math.floor((to - from) / HOUR_MS))));
    for (let i = 0; i < rows; i++) {
      const delivered = millisOf(delivered_ts![i]);
      if (delivered === null) continue; // cancelled or backordered lines have no fulfilment time
      const mode = String(fulfillment_mode![i]);
      let times = this.fulfilment.get(mode);
      if (!times) this.fulfilment.set(mode, (times = new FulfilmentTimes()));
      const created = millisOf(event_ts![i])!;
      times.lines++;
      const pick = hoursBin(created, millisOf(picked_ts![i]));
      const ship = hoursBin(created, millisOf(shipped_ts![i]));
      if (pick >= 0) times.pick[pick]! += 1;
      if (ship >= 0) times.ship[ship]! += 1;
      times.deliver[hoursBin(created, delivered)]! += 1;
    }
  }

  addTruckMoves(batch: ColumnBatch, rows: number): void {
    const { event_ts, status, eta } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      if (status![i] !== 'ARRIVED') continue;
      const late = millisOf(event_ts![i])! - millisOf(eta![i])!;
      this.arrivals++;
      if (late <= ON_TIME_GRACE_MS) this.onTime++;
      this.delayMinutes += Math.max(0, late) / 60_000;
    }
  }

  addMarketing(batch: ColumnBatch, rows: number): void {
    const { campaign_id, customer_ad_id, customer_id, cost_cents } = batch as Record<string, ArrayLike<unknown>>;
    for (let i = 0; i < rows; i++) {
      const tally = this.campaign(String(campaign_id![i]));
      tally.impressions++;
      tally.costCents += numberOf(cost_cents![i]);
      tally.viewers.add(String(customer_ad_id![i]));
      this.markCustomer(this.reached, customer_id![i]);
    }
  }
}

/** The smallest bin whose cumulative count reaches the quantile (bins are unit-wide, so this is the value's floor). */
export function histogramQuantile(bins: ArrayLike<number>, quantile: number): number | null {
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i]!;
  if (total === 0) return null;
  const target = quantile * total;
  let running = 0;
  for (let i = 0; i < bins.length; i++) {
    running += bins[i]!;
    if (running >= target) return i;
  }
  return bins.length - 1;
}

export function histogramMean(bins: ArrayLike<number>): number | null {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < bins.length; i++) {
    total += bins[i]!;
    sum += i * bins[i]!;
  }
  return total === 0 ? null : sum / total;
}
