/**
 * Readiness of the streaming path (GET /api/stream/health): healthy, degraded or unhealthy from the shared
 * state, so every instance gives the same answer. Rules:
 * - unhealthy: the circuit breaker is open while streaming; the stream is in error; failure rate ≥ 50%;
 *   the DLQ is full (realtime.max_buffer_size).
 * - degraded: breaker half-open (or open while not streaming); failure rate ≥ 10%; events in the DLQ; nothing
 *   sent for 5 minutes while events wait and the stream runs; streaming is paused.
 * - healthy otherwise (including "not streaming").
 */
import type { AppConfig } from '../config/schema.js';
import type { CircuitBreakerState } from './breaker.js';
import type { OutboxStatus, StreamState, StreamStatistics } from './types.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthInput {
  config: AppConfig;
  sink: 'eventhubs' | 'blob';
  connectionSource: string;
  state: StreamState;
  statistics: StreamStatistics;
  breaker: CircuitBreakerState;
  outbox: OutboxStatus;
  dlqSize: number;
  now: number;
}

export interface HealthReport {
  status: HealthStatus;
  timestamp: string;
  checks: Record<string, { status: HealthStatus } & Record<string, unknown>>;
}

const worst = (a: HealthStatus, b: HealthStatus): HealthStatus => (a === 'unhealthy' || b === 'unhealthy' ? 'unhealthy' : a === 'degraded' || b === 'degraded' ? 'degraded' : 'healthy');

export function assessHealth(input: HealthInput): HealthReport {
  const streaming = input.state.status === 'running' || input.state.status === 'paused';
  const attempted = input.statistics.events_sent_successfully + input.statistics.events_failed;
  const failureRate = attempted > 0 ? input.statistics.events_failed / attempted : 0;
  const checks: HealthReport['checks'] = {
    streaming_task: {
      status: input.state.status === 'error' ? 'unhealthy' : input.state.status === 'paused' ? 'degraded' : 'healthy',
      state: input.state.status,
      day: input.state.day,
    },
    azure_config: { status: 'healthy', sink: input.sink, connection_source: input.connectionSource, hub: input.config.stream.hub },
    statistics: {
      status: failureRate >= 0.5 ? 'unhealthy' : failureRate >= 0.1 ? 'degraded' : 'healthy',
      failure_rate: Math.round(failureRate * 1000) / 1000,
      events_sent: input.statistics.events_sent_successfully,
      events_failed: input.statistics.events_failed,
    },
    circuit_breaker: {
      status: input.breaker.state === 'open' && streaming ? 'unhealthy' : input.breaker.state !== 'closed' ? 'degraded' : 'healthy',
      state: input.breaker.state,
      trips: input.breaker.trips,
      consecutive_failures: input.breaker.consecutive_failures,
    },
    outbox: {
      status: 'healthy',
      pending_events: input.outbox.pending_events,
      claimed_events: input.outbox.claimed_events,
      sent_events: input.outbox.sent_events,
    },
    dlq: {
      status: input.dlqSize >= input.config.realtime.max_buffer_size ? 'unhealthy' : input.dlqSize > 0 ? 'degraded' : 'healthy',
      size: input.dlqSize,
      capacity: input.config.realtime.max_buffer_size,
    },
  };
  // A stream that is running but has not sent anything for 5 minutes while events wait is stuck.
  const lastSent = input.statistics.last_event_time ? Date.parse(input.statistics.last_event_time) : input.state.started_at ? Date.parse(input.state.started_at) : input.now;
  if (input.state.status === 'running' && input.outbox.pending_events > 0 && input.now - lastSent > 5 * 60_000) {
    checks.outbox!.status = 'degraded';
    checks.outbox!.stalled_seconds = Math.round((input.now - lastSent) / 1000);
  }
  const status = Object.values(checks).reduce<HealthStatus>((acc, check) => worst(acc, check.status), 'healthy');
  return { status, timestamp: new Date(input.now).toISOString(), checks };
}
