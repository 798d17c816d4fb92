/**
 * The circuit breaker's state lives in a Table document (ETag updates), so it is shared by instances and
 * survives restarts: breakers built on separate clients of one table (as separate instances would be) add
 * their failures up without losing any to races, a freshly built one (a restart) sees the open state, and
 * concurrent probes in half-open are admitted exactly half_open_max_calls times across all of them.
 */
import { describe, expect, inject, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { CircuitBreaker, type BreakerSettings, type CircuitBreakerState } from '../../src/core/streaming/breaker.js';
import { freshTable } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
const settings: BreakerSettings = { enabled: true, failureThreshold: 12, timeoutSeconds: 5, halfOpenMaxCalls: 3 };

describe('circuit breaker in Table Storage', () => {
  it('is shared by instances, survives a restart and admits exactly half_open_max_calls probes', async () => {
    const table = await freshTable(connectionString, 'breaker');
    const clock = { now: 1_700_000_000_000 };
    // Each "instance" has its own TableClient and document store, as separate hosts would.
    const instance = () => {
      const client = TableClient.fromConnectionString(connectionString, table.tableName, { allowInsecureConnection: true });
      return new CircuitBreaker(new JsonEntityStore<CircuitBreakerState>(async () => client, 'stream'), settings, () => clock.now);
    };
    const instances = Array.from({ length: 4 }, instance);

    // 11 failures at once from four instances: ETag retries keep every one, below the threshold of 12.
    const tripped = await Promise.all(Array.from({ length: 11 }, (_, i) => instances[i % 4]!.recordFailure('throttling')));
    expect(tripped.filter(Boolean)).toHaveLength(0);
    expect(await instances[0]!.read()).toMatchObject({ state: 'closed', consecutive_failures: 11 });
    expect(await instances[1]!.recordFailure('connection_failure')).toBe(true);

    // A restarted instance reads the open breaker and waits for the timeout like everyone else.
    const restarted = instance();
    expect(await restarted.read()).toMatchObject({ state: 'open', trips: 1, last_failure: 'connection_failure' });
    expect(await restarted.allow()).toBe(false);

    clock.now += 5_000;
    const probes = await Promise.all(Array.from({ length: 8 }, (_, i) => instances[i % 4]!.allow()));
    expect(probes.filter(Boolean)).toHaveLength(3);
    await restarted.recordSuccess();
    expect(await instance().read()).toMatchObject({ state: 'closed', consecutive_failures: 0, trips: 1 });
  });
});
