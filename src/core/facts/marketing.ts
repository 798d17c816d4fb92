/**
 * fact_marketing: campaigns start most days and run for their type's length; each active
 * campaign buys impressions over its channels, capped per day. Campaigns are derived from the day they
 * start (seed, 'campaign', start day), so any day can be generated alone and still see the campaigns
 * started before it. An impression's viewer is a known customer (customer_id set) or a prospect; a known
 * viewer may visit a store or order online because of it (attribution.ts).
 */
import { deriveStream, weighted } from '../rng.js';
import { FactTableBuilder } from './builder.js';
import { addDays, marketingMultiplier, parseDay } from './calendar.js';
import { adIdOf } from './context.js';

type CampaignType = 'seasonal_sale' | 'product_launch' | 'loyalty_program' | 'flash_sale';
const CAMPAIGNS: Record<CampaignType, { channels: string[]; days: number; daily: number }> = {
  seasonal_sale: { channels: ['FACEBOOK', 'GOOGLE', 'EMAIL'], days: 7, daily: 1000 },
  product_launch: { channels: ['INSTAGRAM', 'YOUTUBE', 'DISPLAY'], days: 14, daily: 2000 },
  loyalty_program: { channels: ['EMAIL', 'SOCIAL'], days: 30, daily: 500 },
  flash_sale: { channels: ['SOCIAL', 'SEARCH'], days: 1, daily: 5000 },
};
/** USD per impression by channel (the predecessor's marketing_cost defaults). */
const COST: Record<string, [number, number]> = {
  EMAIL: [0.1, 0.25],
  DISPLAY: [0.5, 2.0],
  SOCIAL: [0.75, 3.0],
  SEARCH: [1.0, 5.0],
  VIDEO: [1.5, 5.25],
  FACEBOOK: [0.25, 3.0],
  GOOGLE: [1.0, 5.0],
  INSTAGRAM: [0.2, 3.0],
  YOUTUBE: [1.5, 5.25],
};
const DEVICE_FACTOR: Record<string, number> = { MOBILE: 1.0, TABLET: 1.2, DESKTOP: 1.5 };
/** Frozen, so weighted() works out its entries once (drawn from per impression). */
const DEVICE_MIX = Object.freeze({ MOBILE: 0.6, DESKTOP: 0.3, TABLET: 0.1 });
const LONGEST_CAMPAIGN_DAYS = 30;

interface Campaign {
  id: string;
  type: CampaignType;
  start: string;
}

function campaignStartedOn(seed: number, day: string): Campaign | null {
  const random = deriveStream(seed, 'campaign', day);
  if (!random.chance(0.9)) return null;
  const month = parseDay(day).getUTCMonth() + 1;
  const weights: Record<CampaignType, number> =
    month >= 11
      ? { seasonal_sale: 3, product_launch: 1, loyalty_program: 2, flash_sale: 4 }
      : month === 8 || month === 9
        ? { seasonal_sale: 2, product_launch: 3, loyalty_program: 1, flash_sale: 2 }
        : { seasonal_sale: 1, product_launch: 1, loyalty_program: 1, flash_sale: 1 };
  return { id: `CAMP${day.replaceAll('-', '')}0001`, type: weighted(random, weights), start: day };
}

/**
 * Share of impressions served to someone who is one of our customers (their ad id is dim_customers.AdId);
 * the rest reach prospects, whose ad ids we cannot resolve.
 */
const KNOWN_VIEWER_SHARE = 0.6;

/** One day's impressions, column by column; `customerId` is 0 for a prospect. */
export interface ImpressionDay {
  count: number;
  at: Float64Array;
  customerId: Int32Array;
  channel: string[];
  campaignId: string[];
  creativeId: string[];
  adId: string[];
  impressionId: string[];
  cost: Float64Array;
  device: string[];
}

function drawImpressions(seed: number, day: string, impressionsPerDay: number, customerCount: number): ImpressionDay {
  const empty: ImpressionDay = {
    count: 0,
    at: new Float64Array(0),
    customerId: new Int32Array(0),
    channel: [],
    campaignId: [],
    creativeId: [],
    adId: [],
    impressionId: [],
    cost: new Float64Array(0),
    device: [],
  };
  if (customerCount <= 0 || impressionsPerDay <= 0) return empty;
  const random = deriveStream(seed, 'marketing', day);
  const multiplier = marketingMultiplier(parseDay(day));
  const cap = Math.max(1000, Math.floor(impressionsPerDay * Math.min(2, Math.max(0.5, multiplier))));
  const active: Campaign[] = [];
  for (let back = LONGEST_CAMPAIGN_DAYS - 1; back >= 0; back--) {
    const campaign = campaignStartedOn(seed, addDays(day, -back));
    if (campaign && back < CAMPAIGNS[campaign.type].days) active.push(campaign);
  }
  const dayStart = parseDay(day).getTime();
  const dateCode = day.replaceAll('-', '');
  const at: number[] = [];
  const customers: number[] = [];
  const costs: number[] = [];
  const result = { ...empty };
  let written = 0;
  for (const campaign of active) {
    const spec = CAMPAIGNS[campaign.type];
    const total = Math.max(100 * spec.channels.length, Math.floor(spec.daily * multiplier));
    const perChannel = Math.floor(total / spec.channels.length);
    for (const channel of spec.channels) {
      for (let n = 0; n < perChannel && written < cap; n++, written++) {
        const customerId = random.int(1, customerCount);
        const known = random.chance(KNOWN_VIEWER_SHARE);
        const device = weighted(random, DEVICE_MIX);
        const [low, high] = COST[channel]!;
        const cost = Math.round(random.uniform(low, high) * DEVICE_FACTOR[device]! * 10_000) / 10_000;
        at.push(dayStart + random.int(0, 86_399) * 1000);
        result.channel.push(channel);
        result.campaignId.push(campaign.id);
        result.creativeId.push(`CREAT${campaign.id.slice(-4)}${channel.slice(0, 3)}${String(random.int(1, 99)).padStart(2, '0')}`);
        // A prospect's ad id has a prefix no customer's has, so it never resolves to dim_customers.
        result.adId.push(known ? adIdOf(customerId) : `ADX${dateCode}${String(written + 1).padStart(7, '0')}`);
        result.impressionId.push(`IMP${dateCode}${String(written + 1).padStart(7, '0')}`);
        customers.push(known ? customerId : 0);
        costs.push(cost);
        result.device.push(device);
      }
    }
  }
  return { ...result, count: written, at: Float64Array.from(at), customerId: Int32Array.from(customers), cost: Float64Array.from(costs) };
}

/**
 * Every region-day reads the impressions of its own day and the day before (for attribution), so the last few
 * days are kept: drawing them is deterministic, the cache only saves the work.
 */
const impressionCache = new Map<string, ImpressionDay>();
const IMPRESSION_CACHE_DAYS = 4;

export function impressionsOfDay(seed: number, day: string, impressionsPerDay: number, customerCount: number): ImpressionDay {
  const key = `${seed}|${day}|${impressionsPerDay}|${customerCount}`;
  let impressions = impressionCache.get(key);
  if (!impressions) {
    impressions = drawImpressions(seed, day, impressionsPerDay, customerCount);
    impressionCache.set(key, impressions);
    if (impressionCache.size > IMPRESSION_CACHE_DAYS) impressionCache.delete(impressionCache.keys().next().value!);
  }
  return impressions;
}

export function generateMarketingDay(seed: number, day: string, impressionsPerDay: number, customerCount: number): FactTableBuilder {
  const out = new FactTableBuilder('fact_marketing');
  const m = impressionsOfDay(seed, day, impressionsPerDay, customerCount);
  for (let i = 0; i < m.count; i++) {
    const cost = m.cost[i]!;
    out.add(
      m.at[i]!,
      m.channel[i]!,
      m.campaignId[i]!,
      m.creativeId[i]!,
      m.adId[i]!,
      m.impressionId[i]!,
      cost,
      Math.round(cost * 100),
      m.customerId[i]! || null,
      m.device[i]!,
    );
  }
  return out;
}
