/**
 * The circuit breaker's transitions on a fake clock, over an in-memory document store with ETag semantics
 * (the Azure one is exercised in test/integration/streaming-breaker.test.ts): closed → open after
 * failure_threshold consecutive failures → half-open after timeout_seconds with half_open_max_calls probes →
 * closed on success or open again on failure; probes that never report back do not wedge it.
 */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerSettings, type CircuitBreakerState } from '../../src/core/streaming/breaker.js';
import { MemoryDocuments } from '../support/memory-documents.js';

const settings: BreakerSettings = { enabled: true, failureThreshold: 3, timeoutSeconds: 30, halfOpenMaxCalls: 2 };

function setup(overrides: Partial<BreakerSettings> = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryDocuments<CircuitBreakerState>();
  const make = () => new CircuitBreaker(store, { ...settings, ...overrides }, () => clock.now);
  return { clock, store, breaker: make(), make };
}

describe('CircuitBreaker', () => {
  it('opens after failure_threshold consecutive failures; a success in between resets the count', async () => {
    const { breaker } = setup();
    expect(await breaker.recordFailure('throttling')).toBe(false);
    expect(await breaker.recordFailure('throttling')).toBe(false);
    await breaker.recordSuccess();
    expect((await breaker.read()).consecutive_failures).toBe(0);
    expect(await breaker.recordFailure('throttling')).toBe(false);
    expect(await breaker.recordFailure('throttling')).toBe(false);
    expect(await breaker.allow()).toBe(true);
    expect(await breaker.recordFailure('connection_failure')).toBe(true);
    expect(await breaker.read()).toMatchObject({ state: 'open', trips: 1, last_failure: 'connection_failure' });
    expect(await breaker.allow()).toBe(false);
  });

  it('half-opens after timeout_seconds with half_open_max_calls probes, and closes on a success', async () => {
    const { breaker, clock } = setup();
    for (let i = 0; i < 3; i++) await breaker.recordFailure('throttling');
    clock.now += 29_999;
    expect(await breaker.allow()).toBe(false);
    clock.now += 1;
    expect(await breaker.allow()).toBe(true);
    expect((await breaker.read()).state).toBe('half_open');
    expect(await breaker.allow()).toBe(true);
    expect(await breaker.allow()).toBe(false); // only two probes
    await breaker.recordSuccess();
    expect(await breaker.read()).toMatchObject({ state: 'closed', consecutive_failures: 0, trips: 1 });
    expect(await breaker.allow()).toBe(true);
  });

  it('opens again when a probe fails, counting a second trip and waiting a full timeout', async () => {
    const { breaker, clock } = setup();
    for (let i = 0; i < 3; i++) await breaker.recordFailure('throttling');
    clock.now += 30_000;
    expect(await breaker.allow()).toBe(true);
    expect(await breaker.recordFailure('throttling')).toBe(true);
    expect(await breaker.read()).toMatchObject({ state: 'open', trips: 2, opened_at: clock.now });
    clock.now += 15_000;
    expect(await breaker.allow()).toBe(false);
    clock.now += 15_000;
    expect(await breaker.allow()).toBe(true);
  });

  it('starts a new probe window when the probes never report back (their instance died)', async () => {
    const { breaker, clock } = setup();
    for (let i = 0; i < 3; i++) await breaker.recordFailure('throttling');
    clock.now += 30_000;
    expect(await breaker.allow()).toBe(true);
    expect(await breaker.allow()).toBe(true);
    clock.now += 10_000;
    expect(await breaker.allow()).toBe(false);
    clock.now += 20_000;
    expect(await breaker.allow()).toBe(true);
    expect(await breaker.read()).toMatchObject({ state: 'half_open', half_open_calls: 1 });
  });

  it('is shared by every instance through the document: failures add up, and all see it open', async () => {
    const { make } = setup();
    const a = make();
    const b = make();
    await a.recordFailure('throttling');
    await b.recordFailure('throttling');
    expect(await a.recordFailure('throttling')).toBe(true);
    expect(await b.allow()).toBe(false);
    expect((await make().read()).trips).toBe(1);
  });

  it('lets everything through and never trips when disabled', async () => {
    const { breaker } = setup({ enabled: false });
    for (let i = 0; i < 10; i++) expect(await breaker.recordFailure('throttling')).toBe(false);
    expect(await breaker.allow()).toBe(true);
    expect((await breaker.read()).state).toBe('closed');
  });
});
