/**
 * Inventory positions carried from day to day: per store and per DC, one balance per product. Opening
 * positions of the first day are drawn from (seed, location); later days start from the previous day's
 * closing positions, saved between jobs, so every balance reconciles: opening + Σ deltas = closing.
 */
import type { VolumeConfig } from '../config/volume.js';
import { decimalDigits, deriveStream, PrefixHash, stableHash } from '../rng.js';
import type { Region } from './context.js';
import { OUT_OF_STOCK_RATE } from '../report/benchmarks.js';

export interface RegionBalances {
  dc: Int32Array;
  stores: Map<number, Int32Array>;
}

export function openingBalances(seed: number, volume: VolumeConfig, region: Region, productCount: number): RegionBalances {
  const dcRandom = deriveStream(seed, 'opening-dc', region.dcId);
  const dc = new Int32Array(productCount + 1);
  for (let p = 1; p <= productCount; p++) dc[p] = dcRandom.int(volume.dc_initial_inventory_min, volume.dc_initial_inventory_max);
  const stores = new Map<number, Int32Array>();
  for (const store of region.stores) {
    const random = deriveStream(seed, 'opening-store', store.id);
    const balances = new Int32Array(productCount + 1);
    for (let p = 1; p <= productCount; p++) balances[p] = random.int(volume.store_initial_inventory_min, volume.store_initial_inventory_max);
    stores.set(store.id, balances);
  }
  return { dc, stores };
}

/** Reorder points are a property of (location, product): stable across days, no storage needed. */
export function storeReorderPoint(seed: number, volume: VolumeConfig, storeId: number, productId: number): number {
  const span = volume.store_reorder_point_max - volume.store_reorder_point_min + 1;
  return volume.store_reorder_point_min + (stableHash(`${seed}:rp:s${storeId}:${productId}`) % Math.max(1, span));
}

export function dcReorderPoint(seed: number, volume: VolumeConfig, dcId: number, productId: number): number {
  const span = volume.dc_reorder_point_max - volume.dc_reorder_point_min + 1;
  return volume.dc_reorder_point_min + (stableHash(`${seed}:rp:d${dcId}:${productId}`) % Math.max(1, span));
}

/**
 * Every product's reorder point at one location, indexed by product id (0 unused): the same numbers as
 * `storeReorderPoint` / `dcReorderPoint`, hashed from one shared prefix instead of a string per product.
 */
export function reorderPoints(seed: number, volume: VolumeConfig, kind: 'store' | 'dc', locationId: number, productCount: number): Int32Array {
  const [min, max] =
    kind === 'store' ? [volume.store_reorder_point_min, volume.store_reorder_point_max] : [volume.dc_reorder_point_min, volume.dc_reorder_point_max];
  const span = Math.max(1, max - min + 1);
  const hash = new PrefixHash(`${seed}:rp:${kind === 'store' ? 's' : 'd'}${locationId}:`);
  const points = new Int32Array(productCount + 1);
  const { codes, start } = decimalDigits(productCount);
  for (let p = 1; p <= productCount; p++) points[p] = min + (hash.ofCodes(codes, start[p]!, start[p + 1]!) % span);
  return points;
}

/** Where a region's closing positions of a day are kept: history, or the streamed days (kept apart so history never changes). */
export function balancesPath(kind: 'history' | 'stream', dcId: number, day: string): string {
  return `state/${kind === 'history' ? 'balances' : 'stream'}/dc-${String(dcId).padStart(3, '0')}/${day}.bin`;
}

/** Serialises a region's balances (little-endian Int32 arrays) for the next day's worker. */
export function encodeBalances(balances: RegionBalances): Uint8Array {
  const storeIds = [...balances.stores.keys()].sort((a, b) => a - b);
  const length = balances.dc.length;
  const words = new Int32Array(3 + storeIds.length + length * (1 + storeIds.length));
  words[0] = 1; // format version
  words[1] = length;
  words[2] = storeIds.length;
  storeIds.forEach((id, i) => (words[3 + i] = id));
  let offset = 3 + storeIds.length;
  words.set(balances.dc, offset);
  offset += length;
  for (const id of storeIds) {
    words.set(balances.stores.get(id)!, offset);
    offset += length;
  }
  return new Uint8Array(words.buffer);
}

export function decodeBalances(bytes: Uint8Array): RegionBalances {
  const aligned = new Uint8Array(bytes); // copy: Int32Array needs 4-byte alignment
  const words = new Int32Array(aligned.buffer, 0, aligned.byteLength / 4);
  if (words[0] !== 1) throw new Error(`Unknown balances format ${words[0]}`);
  const length = words[1]!;
  const storeCount = words[2]!;
  const storeIds = Array.from(words.subarray(3, 3 + storeCount));
  let offset = 3 + storeCount;
  const dc = words.slice(offset, offset + length);
  offset += length;
  const stores = new Map<number, Int32Array>();
  for (const id of storeIds) {
    stores.set(id, words.slice(offset, offset + length));
    offset += length;
  }
  return { dc, stores };
}

/**
 * Shelf gaps: products whose shelf is empty all day at one store although the store's books show stock (not
 * yet brought out from the back room, misplaced, or recorded but not there). The worldwide study of retail
 * out-of-stocks by Gruen, Corsten and Bharadwaj found about 8.3% of items off the shelf at a given time and
 * three quarters of the causes at the store itself, so every store-product-day has that chance
 * (OUT_OF_STOCK_RATE in src/core/report/benchmarks.ts). A shopper who wants the product finds it missing: a
 * STOCKOUT row with the booked balance and no sale. Drawn from (seed, day, store), one draw per product.
 */
export function shelfGaps(seed: number, day: string, storeId: number, productCount: number): Uint8Array {
  const random = deriveStream(seed, 'shelf-gap', day, storeId);
  const gaps = new Uint8Array(productCount + 1);
  for (let p = 1; p <= productCount; p++) if (random.next() < OUT_OF_STOCK_RATE) gaps[p] = 1;
  return gaps;
}
