/** Health rules: each check can make the whole status degraded or unhealthy. */
import { describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { closedBreaker } from '../../src/core/streaming/breaker.js';
import { assessHealth, type HealthInput } from '../../src/core/streaming/health.js';
import { emptyStatistics, stoppedState } from '../../src/core/streaming/types.js';

const now = Date.parse('2026-01-01T12:00:00Z');
function input(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    config: appConfigSchema.parse({ realtime: { max_buffer_size: 100 } }),
    sink: 'blob',
    connectionSource: 'none',
    state: { ...stoppedState(), status: 'running', started_at: new Date(now - 60_000).toISOString() },
    statistics: { ...emptyStatistics(), events_sent_successfully: 1000, last_event_time: new Date(now - 1000).toISOString() },
    breaker: closedBreaker(),
    outbox: { pending_events: 10, claimed_events: 0, sent_events: 1000, pending_chunks: 1, claimed_chunks: 0, sent_chunks: 4, oldest_pending_event_time: null },
    dlqSize: 0,
    now,
    ...overrides,
  };
}

describe('assessHealth', () => {
  it('is healthy when streaming normally or when idle', () => {
    expect(assessHealth(input()).status).toBe('healthy');
    expect(assessHealth(input({ state: stoppedState() })).status).toBe('healthy');
    expect(Object.keys(assessHealth(input()).checks).sort()).toEqual(['azure_config', 'circuit_breaker', 'dlq', 'outbox', 'statistics', 'streaming_task']);
  });

  it('is unhealthy with the breaker open while streaming, a full DLQ or half the events failing', () => {
    expect(assessHealth(input({ breaker: { ...closedBreaker(), state: 'open', trips: 1 } })).status).toBe('unhealthy');
    expect(assessHealth(input({ dlqSize: 100 })).status).toBe('unhealthy');
    expect(assessHealth(input({ statistics: { ...emptyStatistics(), events_sent_successfully: 50, events_failed: 50 } })).status).toBe('unhealthy');
  });

  it('is degraded when half-open, paused, with dead letters, some failures or a stalled outbox', () => {
    expect(assessHealth(input({ breaker: { ...closedBreaker(), state: 'half_open' } })).status).toBe('degraded');
    expect(assessHealth(input({ state: { ...stoppedState(), status: 'paused' } })).status).toBe('degraded');
    expect(assessHealth(input({ dlqSize: 3 })).status).toBe('degraded');
    expect(assessHealth(input({ statistics: { ...emptyStatistics(), events_sent_successfully: 85, events_failed: 15 } })).status).toBe('degraded');
    const stalled = assessHealth(input({ statistics: { ...emptyStatistics(), last_event_time: new Date(now - 6 * 60_000).toISOString() } }));
    expect(stalled.status).toBe('degraded');
    expect(stalled.checks.outbox!.stalled_seconds).toBe(360);
  });
});
