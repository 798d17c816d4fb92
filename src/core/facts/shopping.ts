/**
 * Shopper behaviour, modelled on the predecessor's: segments, visit types, basket sizes by store format, category mix,
 * quantities and promotions.
 */
import { PrefixHash, weighted, type RandomStream } from '../rng.js';
import type { StoreFormat } from '../dimensions/places.js';
import type { BasketCategory, ProductInfo } from './context.js';

export type Segment = 'BUDGET_CONSCIOUS' | 'CONVENIENCE_FOCUSED' | 'QUALITY_SEEKER' | 'BRAND_LOYAL';
export type Visit = 'QUICK_TRIP' | 'GROCERY_RUN' | 'FAMILY_SHOPPING' | 'BULK_SHOPPING';

let segmentHashes: { seed: number; hash: PrefixHash } | null = null;

/** The hash of `${seed}:segment:${customerId}`, its prefix hashed once per seed (a segment is drawn per visit). */
function segmentHash(seed: number): PrefixHash {
  if (segmentHashes?.seed !== seed) segmentHashes = { seed, hash: new PrefixHash(`${seed}:segment:`) };
  return segmentHashes.hash;
}

/** A customer's segment is a property of the customer (stable across days), derived from seed and id. */
export function segmentOf(seed: number, customerId: number): Segment {
  const bucket = segmentHash(seed).of(customerId) % 100;
  if (bucket < 35) return 'BUDGET_CONSCIOUS';
  if (bucket < 60) return 'CONVENIENCE_FOCUSED';
  if (bucket < 80) return 'QUALITY_SEEKER';
  return 'BRAND_LOYAL';
}

// Each segment's table frozen, so weighted() works out its entries once (drawn from for every basket).
const VISIT_WEIGHTS: Record<Segment, Readonly<Record<Visit, number>>> = {
  BUDGET_CONSCIOUS: Object.freeze({ QUICK_TRIP: 0.2, GROCERY_RUN: 0.4, FAMILY_SHOPPING: 0.3, BULK_SHOPPING: 0.1 }),
  CONVENIENCE_FOCUSED: Object.freeze({ QUICK_TRIP: 0.5, GROCERY_RUN: 0.3, FAMILY_SHOPPING: 0.15, BULK_SHOPPING: 0.05 }),
  QUALITY_SEEKER: Object.freeze({ QUICK_TRIP: 0.3, GROCERY_RUN: 0.35, FAMILY_SHOPPING: 0.25, BULK_SHOPPING: 0.1 }),
  BRAND_LOYAL: Object.freeze({ QUICK_TRIP: 0.25, GROCERY_RUN: 0.4, FAMILY_SHOPPING: 0.25, BULK_SHOPPING: 0.1 }),
};
// The predecessor's line counts, kept although the realism report shows baskets near $160 against FMI's $60
// grocery trip: its stores are general-merchandise superstores and hypermarkets (clothing, electronics, home),
// whose measured baskets ($156 standard, $195 hypermarket) it was built to reproduce, not grocery-only trips.
const LINE_RANGE: Record<Visit, [number, number]> = { QUICK_TRIP: [1, 3], GROCERY_RUN: [5, 15], FAMILY_SHOPPING: [10, 30], BULK_SHOPPING: [20, 50] };
const FORMAT_FACTOR: Record<StoreFormat, number> = { hypermarket: 1.3, superstore: 1.1, standard: 1.0, neighborhood: 0.8, express: 1 };
const CATEGORY_MIX: Record<Visit, Partial<Record<BasketCategory, number>>> = {
  QUICK_TRIP: { food: 0.4, beverages: 0.3, personal_care: 0.2, household: 0.1 },
  GROCERY_RUN: { food: 0.5, beverages: 0.2, household: 0.15, personal_care: 0.15 },
  FAMILY_SHOPPING: { food: 0.4, household: 0.2, personal_care: 0.15, clothing: 0.1, electronics: 0.05, beverages: 0.1 },
  BULK_SHOPPING: { food: 0.3, household: 0.3, personal_care: 0.2, beverages: 0.1, other: 0.1 },
};

const CATEGORY_ENTRIES = Object.fromEntries(
  Object.entries(CATEGORY_MIX).map(([visit, mix]) => [visit, Object.entries(mix) as [BasketCategory, number][]]),
) as Record<Visit, [BasketCategory, number][]>;

/** Products on sale today, by basket category, each list sorted by price (for budget vs quality shoppers). */
export type Assortment = Map<BasketCategory, ProductInfo[]>;

/** The last day's assortment per product list: every region-day of a day asks for the same one (read only). */
const assortmentCache = new WeakMap<ProductInfo[], { day: string; assortment: { byCategory: Assortment; all: ProductInfo[] } }>();

export function assortmentFor(products: ProductInfo[], day: string): { byCategory: Assortment; all: ProductInfo[] } {
  const cached = assortmentCache.get(products);
  if (cached?.day === day) return cached.assortment;
  const assortment = buildAssortment(products, day);
  assortmentCache.set(products, { day, assortment });
  return assortment;
}

function buildAssortment(products: ProductInfo[], day: string): { byCategory: Assortment; all: ProductInfo[] } {
  const all = products.filter((p) => p.launchDay <= day);
  const byCategory: Assortment = new Map();
  for (const product of all) {
    const list = byCategory.get(product.basketCategory) ?? [];
    list.push(product);
    byCategory.set(product.basketCategory, list);
  }
  for (const list of byCategory.values()) list.sort((a, b) => a.saleCents - b.saleCents || a.id - b.id);
  return { byCategory, all };
}

export interface WantedLine {
  product: ProductInfo;
  quantity: number;
}

function quantityFor(random: RandomStream, category: BasketCategory): number {
  if (category !== 'food' && category !== 'beverages' && category !== 'household') return 1;
  const draw = random.next();
  return draw < 0.7 ? 1 : draw < 0.9 ? 2 : 3;
}

/** What a customer intends to buy; stock is checked later, in time order. */
export function basket(
  random: RandomStream,
  segment: Segment,
  format: StoreFormat,
  assortment: { byCategory: Assortment; all: ProductInfo[] },
  boost: (p: ProductInfo) => number,
): WantedLine[] {
  const visit = format === 'express' ? 'QUICK_TRIP' : weighted(random, VISIT_WEIGHTS[segment]);
  const [low, high] = LINE_RANGE[visit];
  const factor = FORMAT_FACTOR[format];
  const target = format === 'express' ? random.int(1, 3) : random.int(Math.max(1, Math.floor(low * factor)), Math.max(1, Math.floor(high * factor)));
  const lines = new Map<number, WantedLine>();
  let remaining = target;
  for (const [category, share] of CATEGORY_ENTRIES[visit]) {
    const list = assortment.byCategory.get(category);
    if (!list || list.length === 0 || remaining <= 0) continue;
    const count = Math.min(remaining, Math.max(1, Math.floor(target * share)));
    // Budget shoppers stay in the cheaper 60% of a category, quality seekers in the dearer 40%.
    const cut = Math.floor(list.length * 0.6);
    const [from, to] =
      segment === 'BUDGET_CONSCIOUS' ? [0, Math.max(1, cut)] : segment === 'QUALITY_SEEKER' ? [Math.min(cut, list.length - 1), list.length] : [0, list.length];
    for (let n = 0; n < count; n++) {
      const product = list[from + Math.floor(random.next() * (to - from))]!;
      const existing = lines.get(product.id);
      if (existing) existing.quantity += 1;
      else lines.set(product.id, { product, quantity: quantityFor(random, category) });
    }
    remaining -= count;
  }
  while (remaining-- > 0 && assortment.all.length > 0) {
    const product = random.pick(assortment.all);
    if (!lines.has(product.id)) lines.set(product.id, { product, quantity: 1 });
  }
  if (lines.size === 0 && assortment.all.length > 0) {
    const product = random.pick(assortment.all);
    lines.set(product.id, { product, quantity: 1 });
  }
  for (const line of lines.values()) {
    const multiplier = boost(line.product);
    if (multiplier >= 3) line.quantity += random.int(1, 2);
    else if (multiplier >= 1.5) line.quantity += random.int(0, 1);
  }
  return [...lines.values()];
}

/**
 * In-store tender by number of payments. Credit, debit and cash are the Federal Reserve's 2025 Diary of Consumer
 * Payment Choice shares of 2024 payments by number (35%, 30%, 14%; TENDER_SHARE_BY_COUNT in
 * src/core/report/benchmarks.ts). The Diary's remaining 21% are checks, bank transfers and other instruments a
 * till does not take; phone payments, 11 of 48 a month (about 23%), stand in for them as MOBILE_PAY. The
 * predecessor's 40/30/20/10 was a round default, not a measured choice, and put cash at 20%.
 */
// Frozen, so weighted() works out its entries once (it is drawn from on every visit).
export const TENDERS = Object.freeze({ CREDIT_CARD: 0.35, DEBIT_CARD: 0.3, CASH: 0.14, MOBILE_PAY: 0.21 } as const);

/**
 * Share of sales returned, by basket category, for purchases made in a store. Brick-and-mortar returns were
 * 10.02% of sales in the NRF's 2023 Consumer Returns in the Retail Industry report, against 17.6% online
 * (IN_STORE_RETURN_RATE in src/core/report/benchmarks.ts); category rates follow published category averages
 * (apparel about 10%, electronics about 8%, beauty 5%, health and wellness 4%, sport and outdoor 6%). Food and
 * drink come back rarely (spoiled or wrong items), so a grocery-heavy store lands well below the all-retail figure.
 */
const RETURN_RATE: Record<BasketCategory, number> = {
  food: 0.015,
  beverages: 0.015,
  household: 0.04,
  personal_care: 0.05,
  electronics: 0.083,
  clothing: 0.1,
  home_garden: 0.061,
  other: 0.05,
};

/**
 * The chance that a basket comes back: the value-weighted return rate of its lines, so the share of sales
 * returned matches the category rates. Boxing Day returns run six times the usual rate (the predecessor's
 * deliberate gift-return spike, kept).
 */
export function returnRateOf(lines: readonly { product: ProductInfo; quantity: number; unitCents: number }[], boxingDay: boolean): number {
  let value = 0;
  let returned = 0;
  for (const line of lines) {
    const ext = line.unitCents * line.quantity;
    value += ext;
    returned += ext * RETURN_RATE[line.product.basketCategory];
  }
  const rate = value > 0 ? returned / value : 0;
  return Math.min(0.6, boxingDay ? rate * 6 : rate);
}

interface Promotion {
  code: string;
  percent: number;
  minimumCents: number;
  months: number[] | null;
  categories: BasketCategory[] | null;
  bogo?: boolean;
}

const PROMOTIONS: Promotion[] = [
  { code: 'SAVE10', percent: 10, minimumCents: 0, months: null, categories: null },
  { code: 'SAVE15', percent: 15, minimumCents: 2500, months: null, categories: null },
  { code: 'SAVE20', percent: 20, minimumCents: 5000, months: null, categories: null },
  { code: 'SAVE25', percent: 25, minimumCents: 7500, months: null, categories: null },
  { code: 'BOGO50', percent: 50, minimumCents: 0, months: null, categories: null, bogo: true },
  { code: 'CLEARANCE30', percent: 30, minimumCents: 0, months: null, categories: ['clothing', 'electronics', 'home_garden'] },
  { code: 'CLEARANCE50', percent: 50, minimumCents: 0, months: [1, 2, 7, 8], categories: ['clothing', 'electronics'] },
  { code: 'BFRIDAY30', percent: 30, minimumCents: 0, months: [11], categories: null },
  { code: 'BFRIDAY40', percent: 40, minimumCents: 10000, months: [11], categories: null },
  { code: 'SUMMER25', percent: 25, minimumCents: 0, months: [6, 7, 8], categories: null },
  { code: 'BACKTOSCHOOL', percent: 20, minimumCents: 0, months: [8, 9], categories: ['clothing', 'electronics'] },
  { code: 'HOLIDAY20', percent: 20, minimumCents: 0, months: [12], categories: null },
  { code: 'NEWYEAR15', percent: 15, minimumCents: 0, months: [1, 2], categories: null },
];
const SEGMENT_RATE: Record<Segment, number> = { BUDGET_CONSCIOUS: 0.3, CONVENIENCE_FOCUSED: 0.08, QUALITY_SEEKER: 0.1, BRAND_LOYAL: 0.15 };
const MONTH_RATE = [1.3, 1.2, 0.9, 1.0, 1.0, 1.1, 1.3, 1.4, 1.1, 1.0, 2.0, 1.6];
const CATEGORY_RATE: Record<BasketCategory, number> = {
  food: 0.6,
  beverages: 0.7,
  household: 0.8,
  personal_care: 0.9,
  electronics: 1.2,
  clothing: 1.8,
  home_garden: 1.1,
  other: 1.0,
};

export interface LineDiscount {
  code: string | null;
  discountCents: number;
}

/**
 * Chooses at most one promotion for a basket and returns each line's discount (applied once: on the line,
 * summed into the header, never again on the total).
 */
export function promotionsFor(
  random: RandomStream,
  segment: Segment,
  month: number,
  lines: { product: ProductInfo; quantity: number; unitCents: number }[],
): LineDiscount[] {
  const none = lines.map(() => ({ code: null, discountCents: 0 }));
  if (lines.length === 0) return none;
  const categoryRate = lines.reduce((sum, l) => sum + CATEGORY_RATE[l.product.basketCategory], 0) / lines.length;
  if (!random.chance(Math.min(0.6, SEGMENT_RATE[segment] * MONTH_RATE[month - 1]! * categoryRate))) return none;
  const subtotal = lines.reduce((sum, l) => sum + l.unitCents * l.quantity, 0);
  const eligible = PROMOTIONS.filter(
    (p) =>
      (!p.months || p.months.includes(month)) &&
      subtotal >= p.minimumCents &&
      (!p.categories || lines.some((l) => p.categories!.includes(l.product.basketCategory))),
  );
  if (eligible.length === 0) return none;
  let target = random.next() * eligible.reduce((sum, p) => sum + p.percent, 0);
  let chosen = eligible[0]!;
  for (const promotion of eligible) {
    target -= promotion.percent;
    if (target < 0) {
      chosen = promotion;
      break;
    }
  }
  return lines.map((line) => {
    if (chosen.categories && !chosen.categories.includes(line.product.basketCategory)) return { code: null, discountCents: 0 };
    const discountedUnits = chosen.bogo ? Math.floor(line.quantity / 2) : line.quantity;
    return { code: chosen.code, discountCents: Math.round((line.unitCents * discountedUnits * chosen.percent) / 100) };
  });
}
