/**
 * Seeded random streams. Every table (and every table/day/store slice) draws from its own stream derived
 * from (seed, keys), so output never depends on run order, worker count or which other tables were made.
 * sfc32 is small, fast in JS (32-bit integer ops only) and passes PractRand to large sizes; streams are
 * seeded through a stable string hash (never Node's process-salted hashing, never the clock).
 */

/** A stable 53-bit hash of a string (cyrb53), identical on every machine and run. */
export function stableHash(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * `stableHash(prefix + String(n))` for many integers n after one fixed prefix, without building the strings:
 * the prefix's hash state is computed once and each integer's decimal digits are fed in after it. Hot loops
 * (a reorder point per store and product, a segment per customer) make hundreds of thousands of these a day.
 */
export class PrefixHash {
  private readonly h1: number;
  private readonly h2: number;

  constructor(
    private readonly prefix: string,
    private readonly salt = 0,
  ) {
    let h1 = 0xdeadbeef ^ salt;
    let h2 = 0x41c6ce57 ^ salt;
    for (let i = 0; i < prefix.length; i++) {
      const code = prefix.charCodeAt(i);
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** The same number as `stableHash(prefix + text, salt)` for the text whose UTF-16 codes are `codes[from..to)`. */
  ofCodes(codes: ArrayLike<number>, from: number, to: number): number {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = from; i < to; i++) {
      const code = codes[i]!;
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }

  /** The same number as `stableHash(prefix + String(n), salt)`. */
  of(n: number): number {
    // Only non-negative safe integers have plain decimal digits; anything else goes through the string.
    if (!Number.isSafeInteger(n) || n < 0) return stableHash(this.prefix + String(n), this.salt);
    let h1 = this.h1;
    let h2 = this.h2;
    let scale = 1;
    while (scale * 10 <= n) scale *= 10;
    for (; scale >= 1; scale /= 10) {
      const code = 48 + (Math.floor(n / scale) % 10);
      h1 = Math.imul(h1 ^ code, 2654435761);
      h2 = Math.imul(h2 ^ code, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

/**
 * The decimal digits of 1..count as character codes, end to end (`codes[start[n]..start[n + 1])` is String(n)),
 * for `PrefixHash.ofCodes` over every id of a range; the last range asked for is kept.
 */
let digitTable: { count: number; codes: Uint8Array; start: Int32Array } | null = null;

export function decimalDigits(count: number): { codes: Uint8Array; start: Int32Array } {
  if (digitTable && digitTable.count >= count) return digitTable;
  const start = new Int32Array(count + 2);
  const parts: string[] = [];
  let length = 0;
  for (let n = 0; n <= count; n++) {
    start[n] = length;
    const text = String(n);
    parts.push(text);
    length += text.length;
  }
  start[count + 1] = length;
  const codes = new Uint8Array(length);
  let at = 0;
  for (const text of parts) for (let i = 0; i < text.length; i++) codes[at++] = text.charCodeAt(i);
  digitTable = { count, codes, start };
  return digitTable;
}

export class RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seedA: number, seedB: number, seedC: number, seedD: number) {
    this.a = seedA >>> 0;
    this.b = seedB >>> 0;
    this.c = seedC >>> 0;
    this.d = seedD >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32(); // warm up: decorrelate nearby seeds
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer uniform in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, deviation = 1): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return mean + deviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Poisson-distributed count (Knuth for small means, normal approximation for large). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > limit);
    return k - 1;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** The stream for (seed, ...keys), e.g. deriveStream(42, 'dim_customers') or (42, 'fact_receipts', '2024-03-05', 7). */
export function deriveStream(seed: number, ...keys: (string | number)[]): RandomStream {
  const text = `${seed}|${keys.join('|')}`;
  const h1 = stableHash(text, 1);
  const h2 = stableHash(text, 2);
  return new RandomStream(h1 % 4294967296, Math.floor(h1 / 4294967296), h2 % 4294967296, Math.floor(h2 / 4294967296) ^ 0x9e3779b9);
}

/**
 * Weighted choice in O(log n) with precomputed cumulative weights: build once per distribution, draw many
 * times (baskets, geographies), instead of re-normalising per draw.
 */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new Error('WeightedTable needs one weight per item');
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i]!);
      this.cumulative[i] = sum;
    }
    if (sum <= 0) throw new Error('WeightedTable needs a positive total weight');
    this.total = sum;
  }

  indexFor(random: RandomStream): number {
    const target = random.next() * this.total;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  pick(random: RandomStream): T {
    return this.items[this.indexFor(random)]!;
  }
}

/**
 * A table's entries and their total, summed in entry order (the same number a fresh sum gives). A frozen table
 * (a module constant drawn from per visit) is worked out once; any other may change between draws.
 */
const weightTables = new WeakMap<object, { entries: [string, number][]; total: number }>();

function weightsOf<T extends string>(table: Readonly<Record<T, number>>): { entries: [T, number][]; total: number } {
  let found = weightTables.get(table);
  if (!found) {
    const entries = Object.entries(table) as [string, number][];
    found = { entries, total: entries.reduce((sum, [, weight]) => sum + weight, 0) };
    if (Object.isFrozen(table)) weightTables.set(table, found);
  }
  return found as { entries: [T, number][]; total: number };
}

/** A weighted choice from a `{value: weight}` table. */
export function weighted<T extends string>(random: RandomStream, table: Readonly<Record<T, number>>): T {
  const { entries, total } = weightsOf(table);
  let target = random.next() * total;
  for (const [value, weight] of entries) {
    target -= weight;
    if (target < 0) return value;
  }
  return entries[entries.length - 1]![0];
}
