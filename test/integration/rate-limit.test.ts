/** Rate limits shared through a Table: the limit holds across two limiter instances (two app instances). */
import { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { RateLimiter, type RateLimitLog } from '../../src/core/rate-limit.js';

const connectionString = inject('storageConnectionString');

async function limiters(count: number, now: () => number): Promise<RateLimiter[]> {
  const table = TableClient.fromConnectionString(connectionString, `rl${Math.random().toString(36).slice(2, 10)}`, { allowInsecureConnection: true });
  await table.createTable();
  return Array.from({ length: count }, () => new RateLimiter(new JsonEntityStore<RateLimitLog>(async () => table, 'ratelimit'), now));
}

const rule = { name: 'connection-test', limit: 10, windowSeconds: 60, description: 'the connection test' };

describe('RateLimiter', () => {
  it('admits the limit within the window across instances, then answers with the wait', async () => {
    let now = 1_000_000;
    const [a, b] = await limiters(2, () => now);
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b)!.take(rule)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0]!.reason).toBeInstanceOf(RateLimitedError);
    expect((rejected[0]!.reason as RateLimitedError).retryAfterSeconds).toBe(60);

    now += 30_000;
    await expect(a!.take(rule)).rejects.toMatchObject({ retryAfterSeconds: 30 });
    now += 30_001;
    await expect(b!.take(rule)).resolves.toBeUndefined();
  });
});
