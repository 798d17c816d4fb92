/**
 * Attribution that actually happens: an impression seen by a known customer makes that customer visit a
 * store or order online within the attribution window with a channel's own probability, on top of their
 * ordinary shopping. The visit or order names the impression and its campaign, so a funnel computed from
 * the events (or from the Parquet facts) shows a lift by channel.
 *
 * Each impression decides its own outcome from its own random stream (seed, impression id), so the
 * conversion is the same whichever region-day draws it, and an impression late on one day can bring the
 * customer in on the next.
 */
import { deriveStream } from '../rng.js';
import type { StoreRow } from '../dimensions/places.js';
import { addDays } from './calendar.js';
import type { FactContext, Region } from './context.js';
import { impressionsOfDay } from './marketing.js';

/** How long after an impression a visit or order is still credited to it. */
export const ATTRIBUTION_WINDOW_MS = 24 * 3_600_000;

/**
 * Chance that an impression brings its viewer in within the window, by channel: email and search reach people
 * who already intend to shop, display and video mostly build awareness.
 */
export const CONVERSION_RATE: Record<string, number> = {
  EMAIL: 0.12,
  SEARCH: 0.14,
  GOOGLE: 0.13,
  SOCIAL: 0.07,
  FACEBOOK: 0.08,
  INSTAGRAM: 0.06,
  DISPLAY: 0.04,
  YOUTUBE: 0.05,
  VIDEO: 0.05,
};
/** Mean time from impression to visit or order. */
const MEAN_DELAY_SECONDS = 4 * 3600;
/** Share of conversions that are online orders rather than store visits. */
const ONLINE_SHARE = 0.3;

export interface Conversion {
  /** When the customer walks in or places the order (epoch ms, within the region-day). */
  at: number;
  customerId: number;
  impressionId: string;
  campaignId: string;
}

export interface RegionConversions {
  byStore: Map<number, Conversion[]>;
  online: Conversion[];
}

/** Region (DC id) and home geography of every customer, built once per fact context. */
const homes = new WeakMap<FactContext, { region: Int32Array; geography: Int32Array }>();

function homesOf(context: FactContext): { region: Int32Array; geography: Int32Array } {
  let found = homes.get(context);
  if (!found) {
    const region = new Int32Array(context.customerCount + 1);
    const geography = new Int32Array(context.customerCount + 1);
    for (const r of context.regions) for (const c of r.customers) region[c] = r.dcId;
    for (const [id, block] of context.customersByGeography) geography.fill(id, block.first, Math.min(block.first + block.count, geography.length));
    found = { region, geography };
    homes.set(context, found);
  }
  return found;
}

/**
 * Every region's conversions of one day, kept for the last day asked: each region-day of a day needs its own
 * share of the same impressions, so they are walked once per day rather than once per region.
 */
const dayCache = new WeakMap<FactContext, { day: string; byRegion: Map<number, RegionConversions> }>();

/** The conversions that land on `day` in `region`: impressions of that day and the day before, in time order. */
export function conversionsFor(context: FactContext, region: Region, day: string, dayStart: number): RegionConversions {
  // A region object of the context's own is served from the day's walk; any other (a caller's variant) alone.
  if (!context.regions.includes(region)) return conversionsOfDay(context, [region], day, dayStart).get(region.dcId)!;
  let cached = dayCache.get(context);
  if (cached?.day !== day) {
    cached = { day, byRegion: conversionsOfDay(context, context.regions, day, dayStart) };
    dayCache.set(context, cached);
  }
  return cached.byRegion.get(region.dcId)!;
}

interface Found {
  conversion: Conversion;
  store: StoreRow | null;
}

function conversionsOfDay(context: FactContext, regionsToFill: readonly Region[], day: string, dayStart: number): Map<number, RegionConversions> {
  const { region: regionOf, geography: geographyOf } = homesOf(context);
  const volume = context.config.volume;
  const dayEnd = dayStart + 86_400_000;
  const regions = new Map(regionsToFill.map((r) => [r.dcId, { region: r, found: [] as Found[], near: new Map<number, StoreRow[]>() }]));
  for (const impressionDay of [addDays(day, -1), day]) {
    const m = impressionsOfDay(context.seed, impressionDay, volume.marketing_impressions_per_day, volume.total_customers);
    for (let i = 0; i < m.count; i++) {
      const customerId = m.customerId[i]!;
      if (customerId === 0 || customerId >= regionOf.length) continue;
      const home = regions.get(regionOf[customerId]!);
      if (!home) continue;
      const { region } = home;
      const random = deriveStream(context.seed, 'conversion', m.impressionId[i]!);
      if (!random.chance(CONVERSION_RATE[m.channel[i]!] ?? 0.05)) continue;
      // Most customers who respond do so within hours: the delay is exponential (mean 4 h) within the window.
      const delaySeconds = Math.min(ATTRIBUTION_WINDOW_MS / 1000 - 1, 300 + Math.floor(-Math.log(1 - random.next()) * MEAN_DELAY_SECONDS));
      const at = m.at[i]! + delaySeconds * 1000;
      const online = region.stores.length === 0 || random.chance(ONLINE_SHARE);
      // The customer's own neighbourhood store when there is one, else any store of the region.
      const geography = geographyOf[customerId]!;
      let near = home.near.get(geography);
      if (!near) home.near.set(geography, (near = region.stores.filter((s) => s.geographyId === geography)));
      const store = online ? null : random.pick(near.length > 0 ? near : region.stores);
      if (at < dayStart || at >= dayEnd) continue;
      home.found.push({ conversion: { at, customerId, impressionId: m.impressionId[i]!, campaignId: m.campaignId[i]! }, store });
    }
  }
  const byRegion = new Map<number, RegionConversions>();
  for (const [dcId, { found }] of regions) {
    const result: RegionConversions = { byStore: new Map(), online: [] };
    found.sort((a, b) => a.conversion.at - b.conversion.at || (a.conversion.impressionId < b.conversion.impressionId ? -1 : 1));
    for (const { conversion, store } of found) {
      if (!store) result.online.push(conversion);
      else {
        const list = result.byStore.get(store.id) ?? [];
        list.push(conversion);
        result.byStore.set(store.id, list);
      }
    }
    byRegion.set(dcId, result);
  }
  return byRegion;
}
