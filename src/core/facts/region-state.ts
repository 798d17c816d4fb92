/**
 * The state every phase of a region-day reads and appends to (region-day.ts runs the phases), and the
 * units and helpers they share.
 */
import type { RandomStream } from '../rng.js';
import type { RegionConversions } from './attribution.js';
import type { StoreRow } from '../dimensions/places.js';
import { FACT_TABLES, type FactTable } from '../dataset-tables.js';
import type { FactTableBuilder } from './builder.js';
import type { FactContext, ProductInfo, Region } from './context.js';
import type { RegionBalances } from './inventory.js';
import type { OnlineLine, OnlineOrder } from './online-orders.js';
import type { Assortment } from './shopping.js';
import type { Timeline } from './timeline.js';

/** Every fact table but marketing, which is made per day for the whole chain (marketing.ts), not per region. */
export type RegionTable = Exclude<FactTable, 'fact_marketing'>;
export const REGION_TABLES: readonly RegionTable[] = FACT_TABLES.filter((t): t is RegionTable => t !== 'fact_marketing');

export type RegionDayOutput = Record<RegionTable, FactTableBuilder>;

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A location's reorder of one product: its position when raised, its reorder point and the units wanted. */
export interface Reorder {
  productId: number;
  current: number;
  point: number;
  quantity: number;
}

export interface Shipment {
  id: string;
  store: StoreRow;
  truckId: number;
  lines: { productId: number; quantity: number }[];
  /** What the store reordered overnight (every product at or below its reorder point), whether or not the DC can fill it. */
  reorders: Reorder[];
  loadedAt: number;
  departAt: number;
  arriveAt: number;
  unloadedAt: number;
}

/** An inventory movement at a location: applies the delta to the running balance and writes the row; returns the balance. */
export type InventoryMove = (at: number, productId: number, delta: number, type: string, source: string) => number;

/** What every phase of a region-day reads and appends to. */
export interface RegionDayState {
  context: FactContext;
  region: Region;
  day: string;
  date: Date;
  dayStart: number;
  dateCode: string;
  month: number;
  weekend: boolean;
  dcId: number;
  dcLabel: string;
  out: RegionDayOutput;
  assortment: { byCategory: Assortment; all: ProductInfo[] };
  boost: (product: ProductInfo) => number;
  balances: RegionBalances;
  dcRandom: RandomStream;
  dcTimeline: Timeline;
  dcMove: InventoryMove;
  shipments: Shipment[];
  orders: OnlineOrder[];
  /** Visits and online orders that ad impressions bring in today. */
  conversions: RegionConversions;
  /** Whether each online line could be picked from its node (false: backordered). */
  picked: Map<OnlineLine, boolean>;
}
