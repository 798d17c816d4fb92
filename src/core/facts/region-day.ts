/**
 * One day of one supply region (a DC and the stores it serves): DC supplier receipts and store
 * replenishment, trucks, store visits (foot traffic, BLE, receipts and lines), returns, online orders
 * fulfilled in the region, cycle counts. Every inventory movement is applied in time order to running
 * balances, so each row's balance is exact and a shortage is a STOCKOUT event, never a clamp.
 *
 * The day runs in phases over one shared state (`RegionDayState`): the DC (supplier receipts, loading the
 * stores' replenishment, online picks from the DC), the trucks, each store (store-day.ts), and finally the
 * online order rows (online-orders.ts), written once every pick is known.
 *
 * Random streams are keyed by (seed, stream, day, location), so the output of a region-day does not
 * depend on which worker makes it or in what order.
 */
import { deriveStream } from '../rng.js';
import { FactTableBuilder } from './builder.js';
import { parseDay, thanksgivingOf } from './calendar.js';
import { conversionsFor } from './attribution.js';
import type { FactContext, ProductInfo, Region } from './context.js';
import { reorderPoints, type RegionBalances } from './inventory.js';
import { planOnlineOrders, scheduleDcPicks, writeOnlineOrderRows } from './online-orders.js';
import { HOUR_MS, MINUTE_MS, pad, REGION_TABLES, type RegionDayOutput, type RegionDayState, type Shipment } from './region-state.js';
import { assortmentFor } from './shopping.js';
import { runStoreDay } from './store-day.js';
import { Timeline } from './timeline.js';

export { REGION_TABLES, type RegionDayOutput, type RegionTable } from './region-state.js';

/** Holiday demand boosts by product, worked out once per product and day (a name test per basket line otherwise). */
function holidayBoost(date: Date, productCount: number): (product: ProductInfo) => number {
  const boost = boostOfDay(date);
  const known = new Float64Array(productCount + 1);
  return (product) => {
    if (product.id > productCount) return boost(product);
    return known[product.id] || (known[product.id] = boost(product));
  };
}

/** Holiday demand boosts by product (Thanksgiving staples, Black Friday electronics, grilling season). */
function boostOfDay(date: Date): (product: ProductInfo) => number {
  const year = date.getUTCFullYear();
  const thanksgiving = thanksgivingOf(year).getTime();
  const time = date.getTime();
  const day = 86_400_000;
  if (time >= thanksgiving - 10 * day && time <= thanksgiving + day) {
    return (p) => (/turkey|cranberry|pie|stuffing|pumpkin/i.test(p.name) ? 3.5 : /flour|sugar|butter/i.test(p.name) ? 1.8 : 1);
  }
  if (time === thanksgiving + day) return (p) => (p.department === 'Electronics' ? 5 : p.department === 'Baby & Kids' ? 3 : 1);
  const christmas = Date.UTC(year, 11, 25);
  if (time >= christmas - 14 * day && time < christmas)
    return (p) => (/lights|wreath|wrapping|candy|cookie|chocolate/i.test(p.name) || p.department === 'Electronics' ? 1.6 : 1);
  return () => 1;
}

/** Reorder points by location (a property of location and product, the same every day), kept per fact context. */
const reorderPointCache = new WeakMap<FactContext, Map<string, Int32Array>>();

function reorderPointsAt(context: FactContext, kind: 'store' | 'dc', locationId: number): Int32Array {
  let byLocation = reorderPointCache.get(context);
  if (!byLocation) reorderPointCache.set(context, (byLocation = new Map()));
  const key = `${kind}${locationId}`;
  let points = byLocation.get(key);
  if (!points) byLocation.set(key, (points = reorderPoints(context.seed, context.config.volume, kind, locationId, context.products.length)));
  return points;
}

export interface RegionDayResult {
  tables: RegionDayOutput;
  balances: RegionBalances;
}

function startRegionDay(context: FactContext, region: Region, day: string, balances: RegionBalances): RegionDayState {
  const date = parseDay(day);
  const dcId = region.dcId;
  const out = Object.fromEntries(REGION_TABLES.map((t) => [t, new FactTableBuilder(t)])) as RegionDayOutput;
  const dcBalance = balances.dc;
  return {
    context,
    region,
    day,
    date,
    dayStart: date.getTime(),
    dateCode: day.replaceAll('-', ''),
    month: date.getUTCMonth() + 1,
    weekend: date.getUTCDay() === 0 || date.getUTCDay() === 6,
    dcId,
    dcLabel: pad(dcId, 3),
    out,
    assortment: assortmentFor(context.products, day),
    boost: holidayBoost(date, context.products.length),
    balances,
    dcRandom: deriveStream(context.seed, 'dc-day', day, dcId),
    dcTimeline: new Timeline(),
    dcMove: (at, productId, delta, type, source) => {
      dcBalance[productId]! += delta;
      out.fact_dc_inventory_txn.add(at, dcId, productId, delta, type, source, dcBalance[productId]!, null, null);
      return dcBalance[productId]!;
    },
    shipments: [],
    orders: [],
    conversions: conversionsFor(context, region, day, date.getTime()),
    picked: new Map(),
  };
}

/** DC: supplier receipts for low positions, then loading each store's replenishment. */
function planDc(state: RegionDayState): void {
  const { context, region, dayStart, dateCode, dcLabel, dcId, dcRandom, dcTimeline, out, balances, assortment } = state;
  const volume = context.config.volume;
  const dcBalance = balances.dc;
  const dcStockouts = new Set<number>();
  const dcPoints = reorderPointsAt(context, 'dc', dcId);
  const lowAtDc = assortment.all.filter((p) => dcBalance[p.id]! <= dcPoints[p.id]!);
  if (lowAtDc.length > 0) {
    const deliveries = Math.min(lowAtDc.length, dcRandom.int(1, 3));
    // The DC reorders at midnight what its suppliers deliver in the small hours: a REORDER row (no stock
    // moves) with the position, the reorder point and the units that will arrive.
    const reorders: { product: ProductInfo; quantity: number; source: string }[] = [];
    for (let d = 0; d < deliveries; d++) {
      const at = dayStart + dcRandom.int(1, 4) * HOUR_MS + dcRandom.int(0, 59) * MINUTE_MS;
      const source = `SUP${dateCode}${dcLabel}${pad(d + 1, 2)}`;
      const share = lowAtDc
        .filter((_, i) => i % deliveries === d)
        .map((product) => ({ product, quantity: dcRandom.int(volume.dc_initial_inventory_min, volume.dc_initial_inventory_max), source }));
      reorders.push(...share);
      dcTimeline.add(at, () => {
        for (const { product, quantity } of share) state.dcMove(at, product.id, quantity, 'INBOUND_SHIPMENT', source);
      });
    }
    reorders.sort((a, b) => a.product.id - b.product.id);
    for (const { product, quantity, source } of reorders) {
      out.fact_dc_inventory_txn.add(dayStart, dcId, product.id, 0, 'REORDER', source, dcBalance[product.id]!, dcPoints[product.id]!, quantity);
    }
  }

  const fleet = region.trucks.length > 0 ? region.trucks : context.poolTrucks;
  region.stores.forEach((store, index) => {
    const storeBalance = balances.stores.get(store.id)!;
    // A store orders up to its shelf capacity what is at or below its reorder point (and not already full).
    const target = volume.store_initial_inventory_max;
    const points = reorderPointsAt(context, 'store', store.id);
    const needs = assortment.all.filter((p) => storeBalance[p.id]! <= points[p.id]! && storeBalance[p.id]! < target);
    if (needs.length === 0) return;
    const reorders = needs.map((p) => ({
      productId: p.id,
      current: storeBalance[p.id]!,
      point: points[p.id]!,
      quantity: Math.max(0, target - storeBalance[p.id]!),
    }));
    const travelHours = dcRandom.int(1, 5);
    const loadedAt = dayStart + (4 * 60 + index * 10) * MINUTE_MS;
    const departAt = dayStart + 6 * HOUR_MS;
    const arriveAt = departAt + travelHours * HOUR_MS;
    const shipment: Shipment = {
      id: `SHIP${dateCode}${dcLabel}${pad(store.id, 4)}`,
      store,
      truckId: fleet.length > 0 ? fleet[index % fleet.length]!.id : 0,
      lines: [],
      reorders,
      loadedAt,
      departAt,
      arriveAt,
      // Unloading takes about an hour; stock is on the shelf from the next full hour.
      unloadedAt: arriveAt + HOUR_MS,
    };
    state.shipments.push(shipment);
    dcTimeline.add(loadedAt, () => {
      for (const product of needs) {
        const wanted = Math.max(0, target - storeBalance[product.id]!);
        const available = dcBalance[product.id]!;
        const quantity = Math.min(wanted, available);
        if (quantity <= 0) {
          if (wanted > 0 && !dcStockouts.has(product.id)) {
            dcStockouts.add(product.id);
            out.fact_dc_inventory_txn.add(loadedAt, dcId, product.id, 0, 'STOCKOUT', shipment.id, available, null, null);
          }
          continue;
        }
        state.dcMove(loadedAt, product.id, -quantity, 'OUTBOUND_SHIPMENT', shipment.id);
        shipment.lines.push({ productId: product.id, quantity });
      }
    });
  });
}

/** Trucks: the whole lifecycle of every shipment that carries something. */
function writeTrucks(state: RegionDayState): void {
  const { dayStart, dcId, out } = state;
  for (const shipment of state.shipments) {
    if (shipment.lines.length === 0) continue;
    const units = shipment.lines.reduce((sum, l) => sum + l.quantity, 0);
    const eta = shipment.arriveAt;
    const etd = shipment.unloadedAt;
    const move = (at: number, status: string) =>
      out.fact_truck_moves.add(at, shipment.truckId, dcId, shipment.store.id, shipment.id, status, eta, etd, shipment.lines.length, units);
    move(dayStart + 3 * HOUR_MS, 'SCHEDULED');
    move(shipment.loadedAt, 'LOADING');
    move(shipment.departAt, 'IN_TRANSIT');
    move(shipment.arriveAt, 'ARRIVED');
    move(shipment.arriveAt + 5 * MINUTE_MS, 'UNLOADING');
    move(shipment.unloadedAt, 'COMPLETED');
  }
}

export function generateRegionDay(context: FactContext, region: Region, day: string, balances: RegionBalances): RegionDayResult {
  const state = startRegionDay(context, region, day, balances);
  planDc(state);
  planOnlineOrders(state);
  scheduleDcPicks(state);
  state.dcTimeline.drain();
  writeTrucks(state);
  for (const store of region.stores) runStoreDay(state, store);
  writeOnlineOrderRows(state);
  return { tables: state.out, balances };
}
