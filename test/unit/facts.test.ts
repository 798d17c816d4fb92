/**
 * Historical facts: the invariants that must hold exactly, on generated data (money to the cent, inventory
 * reconciliation without clamping, shipments, unique ids, the visitor funnel) and determinism whatever the
 * split of the work.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { encodeParquet } from '../../src/core/dataset-parquet.js';
import { columnOf, type ColumnarTable } from '../../src/core/columnar-table.js';
import { addDays } from '../../src/core/facts/calendar.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import {
  dcReorderPoint,
  decodeBalances,
  encodeBalances,
  openingBalances,
  reorderPoints,
  storeReorderPoint,
  type RegionBalances,
} from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES, type RegionTable } from '../../src/core/facts/region-day.js';

const config = appConfigSchema.parse({
  seed: 11,
  volume: { stores: 10, dcs: 3, total_geographies: 10, total_customers: 3000, total_products: 400, customers_per_day: 120, online_orders_per_day: 80 },
});
const context = buildFactContext(config);
const START = '2024-11-26';
const DAYS = 4;

type DayTables = Record<RegionTable, ColumnarTable>;

function cloneBalances(b: RegionBalances): RegionBalances {
  return { dc: b.dc.slice(), stores: new Map([...b.stores].map(([id, v]) => [id, v.slice()])) };
}

/** Runs every region over the days; returns each day's tables and the opening/closing positions. */
function run(days: number, start = START) {
  const openings = new Map(context.regions.map((r) => [r.dcId, openingBalances(config.seed, config.volume, r, context.products.length)]));
  const firstOpenings = new Map([...openings].map(([id, b]) => [id, cloneBalances(b)]));
  const output: { day: string; dcId: number; tables: DayTables }[] = [];
  for (let d = 0; d < days; d++) {
    const day = addDays(start, d);
    for (const region of context.regions) {
      const result = generateRegionDay(context, region, day, openings.get(region.dcId)!);
      const tables = Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])) as DayTables;
      output.push({ day, dcId: region.dcId, tables });
      openings.set(region.dcId, result.balances);
    }
  }
  return { output, firstOpenings, closings: openings };
}

const { output, firstOpenings, closings } = run(DAYS);
const all = (table: RegionTable) => output.map((o) => o.tables[table]);
const col = <T>(tables: ColumnarTable[], name: string): T[] => tables.flatMap((t) => Array.from(columnOf(t, name) as unknown as ArrayLike<T>));

describe('money adds up to the cent', () => {
  it('receipt headers equal the sum of their lines; total = subtotal - discount + tax; discount applied once', () => {
    const lines = all('fact_receipt_lines');
    const byReceipt = new Map<string, { ext: number; discount: number; tax: number; count: number }>();
    const ids = col<string>(lines, 'receipt_id_ext');
    const ext = col<number>(lines, 'ext_cents');
    const unit = col<number>(lines, 'unit_cents');
    const qty = col<number>(lines, 'quantity');
    const disc = col<number>(lines, 'discount_cents');
    const tax = col<number>(lines, 'tax_cents');
    ids.forEach((id, i) => {
      expect(ext[i]).toBe(unit[i]! * qty[i]!);
      const entry = byReceipt.get(id) ?? { ext: 0, discount: 0, tax: 0, count: 0 };
      entry.ext += ext[i]!;
      entry.discount += disc[i]!;
      entry.tax += tax[i]!;
      entry.count++;
      byReceipt.set(id, entry);
    });
    const receipts = all('fact_receipts');
    const receiptIds = col<string>(receipts, 'receipt_id_ext');
    const subtotal = col<number>(receipts, 'subtotal_cents');
    const discount = col<number>(receipts, 'discount_cents');
    const taxes = col<number>(receipts, 'tax_cents');
    const total = col<number>(receipts, 'total_cents');
    const totalAmount = col<number>(receipts, 'total_amount');
    const types = col<string>(receipts, 'receipt_type');
    expect(receiptIds.length).toBeGreaterThan(1000);
    expect(types.filter((t) => t === 'RETURN').length).toBeGreaterThan(0);
    expect(discount.some((d) => d > 0)).toBe(true);
    receiptIds.forEach((id, i) => {
      const lineSums = byReceipt.get(id)!;
      expect(lineSums.count).toBeGreaterThan(0);
      expect(subtotal[i]).toBe(lineSums.ext);
      expect(discount[i]).toBe(lineSums.discount);
      expect(taxes[i]).toBe(lineSums.tax);
      expect(total[i]).toBe(subtotal[i]! - discount[i]! + taxes[i]!);
      expect(Math.round(totalAmount[i]! * 100)).toBe(total[i]);
    });
  });

  it('online order headers equal the sum of their lines', () => {
    const lines = all('fact_online_order_lines');
    const sums = new Map<string, number[]>();
    const ids = col<string>(lines, 'order_id');
    const ext = col<number>(lines, 'ext_cents');
    const disc = col<number>(lines, 'discount_cents');
    const tax = col<number>(lines, 'tax_cents');
    ids.forEach((id, i) => {
      const s = sums.get(id) ?? [0, 0, 0];
      sums.set(id, [s[0]! + ext[i]!, s[1]! + disc[i]!, s[2]! + tax[i]!]);
    });
    const headers = all('fact_online_order_headers');
    const orderIds = col<string>(headers, 'order_id_ext');
    expect(orderIds.length).toBeGreaterThan(50);
    const subtotal = col<number>(headers, 'subtotal_cents');
    const discount = col<number>(headers, 'discount_cents');
    const tax2 = col<number>(headers, 'tax_cents');
    const total = col<number>(headers, 'total_cents');
    orderIds.forEach((id, i) => {
      expect([subtotal[i], discount[i], tax2[i]]).toEqual(sums.get(id));
      expect(total[i]).toBe(subtotal[i]! - discount[i]! + tax2[i]!);
    });
  });
});

describe('inventory reconciles', () => {
  // The region-day reads reorder points from per-location tables; the per-product functions (which the
  // disruptions read) are the reference.
  it("per-location reorder point tables hold every product's own reorder point", () => {
    const n = context.products.length;
    for (const store of context.stores) {
      const points = reorderPoints(config.seed, config.volume, 'store', store.id, n);
      for (let p = 1; p <= n; p++) expect(points[p], `store ${store.id} product ${p}`).toBe(storeReorderPoint(config.seed, config.volume, store.id, p));
    }
    for (const region of context.regions) {
      const points = reorderPoints(config.seed, config.volume, 'dc', region.dcId, n);
      for (let p = 1; p <= n; p++) expect(points[p], `dc ${region.dcId} product ${p}`).toBe(dcReorderPoint(config.seed, config.volume, region.dcId, p));
    }
  });

  function check(
    table: RegionTable,
    locationColumn: string,
    opening: (location: number, product: number) => number,
    closing: (location: number, product: number) => number,
  ) {
    const rows = all(table);
    const location = col<number>(rows, locationColumn);
    const product = col<number>(rows, 'product_id');
    const quantity = col<number>(rows, 'quantity');
    const balance = col<number>(rows, 'balance');
    const types = col<string>(rows, 'txn_type');
    const running = new Map<string, number>();
    location.forEach((loc, i) => {
      const key = `${loc}:${product[i]}`;
      const before = running.get(key) ?? opening(loc, product[i]!);
      expect(balance[i], `${table} ${key} row ${i} ${types[i]}`).toBe(before + quantity[i]!);
      expect(balance[i]).toBeGreaterThanOrEqual(0);
      running.set(key, balance[i]!);
    });
    for (const [key, value] of running) {
      const [loc, prod] = key.split(':').map(Number) as [number, number];
      expect(value, key).toBe(closing(loc, prod));
    }
    return types;
  }

  it('store positions: opening + every delta = closing, with stockouts recorded instead of clamped', () => {
    const storeRegion = new Map(context.regions.flatMap((r) => r.stores.map((s) => [s.id, r.dcId] as const)));
    const types = check(
      'fact_store_inventory_txn',
      'store_id',
      (store, product) => firstOpenings.get(storeRegion.get(store)!)!.stores.get(store)![product]!,
      (store, product) => closings.get(storeRegion.get(store)!)!.stores.get(store)![product]!,
    );
    for (const type of ['SALE', 'INBOUND_SHIPMENT', 'STOCKOUT', 'RETURN']) expect(types, type).toContain(type);
  });

  it('DC positions reconcile the same way', () => {
    const types = check(
      'fact_dc_inventory_txn',
      'dc_id',
      (dc, product) => firstOpenings.get(dc)!.dc[product]!,
      (dc, product) => closings.get(dc)!.dc[product]!,
    );
    expect(types).toContain('OUTBOUND_SHIPMENT');
  });

  it('every shipment leaves a DC and arrives whole at a store, with the full truck lifecycle', () => {
    const dcOut = new Map<string, number>();
    const dcRows = all('fact_dc_inventory_txn');
    const dcSources = col<string>(dcRows, 'source');
    const dcQuantities = col<number>(dcRows, 'quantity');
    col<string>(dcRows, 'txn_type').forEach((type, i) => {
      if (type === 'OUTBOUND_SHIPMENT') dcOut.set(dcSources[i]!, (dcOut.get(dcSources[i]!) ?? 0) - dcQuantities[i]!);
    });
    const storeIn = new Map<string, number>();
    const storeRows = all('fact_store_inventory_txn');
    const sources = col<string>(storeRows, 'source');
    const quantities = col<number>(storeRows, 'quantity');
    col<string>(storeRows, 'txn_type').forEach((type, i) => {
      if (type === 'INBOUND_SHIPMENT') storeIn.set(sources[i]!, (storeIn.get(sources[i]!) ?? 0) + quantities[i]!);
    });
    expect(dcOut.size).toBeGreaterThan(0);
    expect(storeIn).toEqual(dcOut);
    const moves = all('fact_truck_moves');
    const statuses = new Map<string, string[]>();
    const moveStatuses = col<string>(moves, 'status');
    col<string>(moves, 'shipment_id').forEach((id, i) => statuses.set(id, [...(statuses.get(id) ?? []), moveStatuses[i]!]));
    expect(new Set(statuses.keys())).toEqual(new Set(dcOut.keys()));
    for (const list of statuses.values()) expect(list).toEqual(['SCHEDULED', 'LOADING', 'IN_TRANSIT', 'ARRIVED', 'UNLOADING', 'COMPLETED']);
  });
});

describe('ids and the visitor funnel', () => {
  it('ids are unique across the whole history', () => {
    for (const [table, column] of [
      ['fact_receipts', 'receipt_id_ext'],
      ['fact_online_order_headers', 'order_id_ext'],
    ] as const) {
      const ids = col<string>(all(table), column);
      expect(new Set(ids).size, table).toBe(ids.length);
    }
    const marketing = Array.from({ length: DAYS }, (_, d) => generateMarketingDay(config.seed, addDays(START, d), 2000, 3000).build());
    const impressions = col<string>(marketing, 'impression_id_ext');
    expect(impressions.length).toBeGreaterThan(DAYS * 1000);
    expect(new Set(impressions).size).toBe(impressions.length);
  });

  it('foot traffic >= BLE-seen visitors >= buying customers, per store and day', () => {
    for (const { tables, day } of output) {
      // People through the door: the entrance sensors only (the aisle and checkout sensors count the same
      // people again inside, so summing every zone would make the first inequality all but automatic).
      const foot = new Map<number, number>();
      const footCounts = col<number>([tables.fact_foot_traffic], 'count');
      const zones = col<string>([tables.fact_foot_traffic], 'zone');
      col<number>([tables.fact_foot_traffic], 'store_id').forEach((s, i) => {
        if (zones[i]!.startsWith('ENTRANCE')) foot.set(s, (foot.get(s) ?? 0) + footCounts[i]!);
      });
      const ble = new Map<number, Set<string>>();
      const bleIds = col<string>([tables.fact_ble_pings], 'customer_ble_id');
      col<number>([tables.fact_ble_pings], 'store_id').forEach((s, i) => ble.set(s, (ble.get(s) ?? new Set()).add(bleIds[i]!)));
      const buyers = new Map<number, Set<number>>();
      const types = col<string>([tables.fact_receipts], 'receipt_type');
      const customers = col<number>([tables.fact_receipts], 'customer_id');
      col<number>([tables.fact_receipts], 'store_id').forEach((s, i) => {
        if (types[i] === 'SALE') buyers.set(s, (buyers.get(s) ?? new Set()).add(customers[i]!));
      });
      expect(buyers.size).toBeGreaterThan(0);
      for (const [store, buying] of buyers) {
        expect(ble.get(store)?.size ?? 0, `${day} store ${store}`).toBeGreaterThanOrEqual(buying.size);
        expect(foot.get(store) ?? 0, `${day} store ${store}`).toBeGreaterThanOrEqual(ble.get(store)!.size);
      }
      // The funnel narrows: the browsers who leave empty-handed come in but are not seen by the beacons.
      const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
      expect(sum(foot.values())).toBeGreaterThan(sum([...ble.values()].map((ids) => ids.size)));
    }
  });

  it('Black Friday is busier than an ordinary Tuesday', () => {
    const receiptsOn = (day: string) => output.filter((o) => o.day === day).reduce((sum, o) => sum + o.tables.fact_receipts.rowCount, 0);
    expect(receiptsOn('2024-11-29')).toBeGreaterThan(receiptsOn('2024-11-26') * 1.5);
  });
});

describe('determinism', () => {
  const digest = (tables: DayTables) =>
    createHash('sha256')
      .update(REGION_TABLES.map((t) => createHash('sha256').update(encodeParquet(tables[t])).digest('hex')).join())
      .digest('hex');

  it('is byte-identical whether one worker makes all days or two workers split them, handing over saved positions', () => {
    const whole = output.map((o) => digest(o.tables));
    // Worker A: days 1-2; it saves the closing positions; worker B loads them and makes days 3-4.
    const firstHalf = run(2);
    const saved = new Map([...firstHalf.closings].map(([id, b]) => [id, encodeBalances(b)]));
    const secondHalf: string[] = [];
    for (let d = 2; d < DAYS; d++) {
      const day = addDays(START, d);
      for (const region of context.regions) {
        const result = generateRegionDay(context, region, day, decodeBalances(saved.get(region.dcId)!));
        secondHalf.push(digest(Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])) as DayTables));
        saved.set(region.dcId, encodeBalances(result.balances));
      }
    }
    expect([...firstHalf.output.map((o) => digest(o.tables)), ...secondHalf]).toEqual(whole);
  });

  it('changes with the seed', () => {
    const other = buildFactContext({ ...config, seed: 12 });
    const region = other.regions.find((r) => r.stores.length > 0)!;
    const result = generateRegionDay(other, region, START, openingBalances(12, config.volume, region, other.products.length));
    const mine = output.find((o) => o.day === START && o.dcId === region.dcId)!;
    expect(digest(Object.fromEntries(REGION_TABLES.map((t) => [t, result.tables[t].build()])) as DayTables)).not.toBe(digest(mine.tables));
  });
});
