/**
 * The seeded streams every generator draws from (src/core/rng.ts): stable across machines and releases,
 * independent per key, and the helpers produce the ranges and distributions they promise.
 */
import { describe, expect, it } from 'vitest';
import { deriveStream, PrefixHash, RandomStream, stableHash, weighted, WeightedTable } from '../../src/core/rng.js';

const draws = (stream: RandomStream, n: number, draw: (s: RandomStream) => number): number[] => Array.from({ length: n }, () => draw(stream));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const variance = (values: number[]) => {
  const m = mean(values);
  return values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length;
};

describe('stable seeding', () => {
  it('hashes strings with cyrb53 (its published value for the empty string)', () => {
    expect(stableHash('')).toBe(3338908027751811);
    expect(stableHash('dim_customers')).not.toBe(stableHash('dim_customers', 1));
  });

  // Pinned outputs: if these change, every generated table changes for every user with the same seed.
  it('derives the same streams as every earlier run', () => {
    const customers = deriveStream(42, 'dim_customers');
    expect(draws(customers, 4, (s) => s.nextUint32())).toEqual([3547171722, 654482342, 3787000193, 2385733397]);
    const slice = deriveStream(42, 'fact_receipts', '2024-03-05', 7);
    expect(draws(slice, 2, (s) => s.nextUint32())).toEqual([1456180581, 472467799]);
  });

  // PrefixHash feeds digits arithmetically; the string path (stableHash of the concatenation) is the reference.
  it('PrefixHash gives stableHash of the concatenated string for every integer, salt and prefix', () => {
    const integers = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 65535, 403_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 10 ** 15, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 2000; i++) integers.push(Math.floor(Math.abs(Math.sin(i + 1)) * 10 ** (1 + (i % 12))));
    for (const prefix of ['', '42:segment:', '7:rp:s12:', 'é|x']) {
      for (const salt of [0, 1, 2]) {
        const hash = new PrefixHash(prefix, salt);
        for (const n of integers) expect(hash.of(n), `${prefix}${n} salt ${salt}`).toBe(stableHash(`${prefix}${n}`, salt));
        // Not plain decimal digits: negative, fractional, beyond safe integers; these go through the string.
        for (const odd of [-1, -250, 1.5, 2 ** 60, NaN]) expect(hash.of(odd)).toBe(stableHash(`${prefix}${odd}`, salt));
      }
    }
  });

  it('gives each (seed, keys) its own independent stream', () => {
    const sequence = (seed: number, ...keys: (string | number)[]) => draws(deriveStream(seed, ...keys), 8, (s) => s.nextUint32());
    expect(sequence(42, 'dim_products')).toEqual(sequence(42, 'dim_products'));
    const others = [sequence(43, 'dim_products'), sequence(42, 'dim_customers'), sequence(42, 'dim_products', 1), sequence(42, 'dim_products', 2)];
    for (const other of others) expect(other).not.toEqual(sequence(42, 'dim_products'));
    // Neighbouring keys must not give correlated streams: the first draws of 1,000 store slices look uniform.
    const firsts = Array.from({ length: 1000 }, (_, store) => deriveStream(42, 'day', store).next());
    expect(mean(firsts)).toBeGreaterThan(0.46);
    expect(mean(firsts)).toBeLessThan(0.54);
    expect(new Set(firsts).size).toBe(1000);
  });
});

describe('helpers', () => {
  const random = deriveStream(7, 'helpers');

  it('next() is uniform in [0, 1)', () => {
    const values = draws(random, 100_000, (s) => s.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(mean(values)).toBeCloseTo(0.5, 2);
    expect(variance(values)).toBeCloseTo(1 / 12, 2);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]!++;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('int(min, max) covers both ends and nothing outside', () => {
    const values = draws(random, 20_000, (s) => s.int(-3, 3));
    expect(new Set(values)).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    for (let v = -3; v <= 3; v++) expect(Math.abs(values.filter((x) => x === v).length / 20_000 - 1 / 7)).toBeLessThan(0.015);
    expect(random.int(5, 5)).toBe(5);
  });

  it('uniform, chance and pick stay in range with the right frequencies', () => {
    const uniform = draws(random, 10_000, (s) => s.uniform(2.5, 3));
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(2.5);
    expect(Math.max(...uniform)).toBeLessThan(3);
    expect(draws(random, 20_000, (s) => (s.chance(0.3) ? 1 : 0)).reduce((a, b) => a + b) / 20_000).toBeCloseTo(0.3, 1);
    const picks = draws(random, 9000, (s) => ['a', 'b', 'c'].indexOf(s.pick(['a', 'b', 'c'])));
    for (let i = 0; i < 3; i++) expect(Math.abs(picks.filter((p) => p === i).length - 3000)).toBeLessThan(250);
    expect(() => random.pick([])).toThrow();
  });

  it('normal and poisson have the requested mean and spread', () => {
    const normal = draws(random, 50_000, (s) => s.normal(10, 2));
    expect(mean(normal)).toBeCloseTo(10, 1);
    expect(Math.sqrt(variance(normal))).toBeCloseTo(2, 1);
    for (const lambda of [0.5, 4, 30, 200]) {
      const counts = draws(random, 20_000, (s) => s.poisson(lambda));
      expect(Math.abs(mean(counts) - lambda) / lambda, `mean ${lambda}`).toBeLessThan(0.03);
      expect(Math.abs(variance(counts) - lambda) / lambda, `variance ${lambda}`).toBeLessThan(0.08);
      expect(counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    }
    expect(random.poisson(0)).toBe(0);
  });

  it('shuffle returns a deterministic permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = deriveStream(1, 'shuffle').shuffle([...items]);
    const b = deriveStream(1, 'shuffle').shuffle([...items]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
  });

  it('WeightedTable and weighted() draw in proportion to the weights, never a zero weight', () => {
    const table = new WeightedTable(['a', 'b', 'c', 'never'], [0.6, 0.3, 0.1, 0]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const item = table.pick(random);
      counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    expect((counts.get('a') ?? 0) / 50_000).toBeCloseTo(0.6, 1);
    expect((counts.get('c') ?? 0) / 50_000).toBeCloseTo(0.1, 1);
    expect(counts.has('never')).toBe(false);
    const flagship = draws(random, 50_000, (s) => (weighted(s, { flagship: 0.1, other: 0.9 }) === 'flagship' ? 1 : 0));
    expect(mean(flagship)).toBeCloseTo(0.1, 2);
    expect(() => new WeightedTable(['a'], [0])).toThrow();
    expect(() => new WeightedTable(['a', 'b'], [1])).toThrow();
  });
});
