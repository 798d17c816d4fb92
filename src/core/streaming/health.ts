/**
 * Readiness of the streaming path (GET /api/stream/health): healthy, degraded or unhealthy from the shared
 * state, so every instance gives the same answer. Rules:
 * - unhealthy: the circuit breaker is open while streaming; the stream is in error; failure rate ≥ 50%;
 *   the DLQ is full (realtime.max_buffer_size).
 * - degraded: breaker half-open (or open while not streaming); failure rate ≥ 10%; events in the DLQ; nothing
 *   sent for 5 minutes while events wait and the stream runs; streaming is paused.
 * - healthy otherwise (including "not streaming").
 * - azure_config is unhealthy when the sink cannot be resolved (Event Hubs asked for without a connection, an
 *   unreadable Key Vault secret) or the latest send failed to connect or authenticate.
 *
 * Each check carries `health` (the rule above) and `status`: the same word, except where the operators' guide
 * shows its own (`streaming_task.status` active/paused/stopped/error, `azure_config.status` configured/
 * not_configured/unreachable), beside the guide's fields (task_status, uptime_seconds, hub_name, events_generated,
 * events_per_second, failure_rate).
 */
import type { AppConfig } from '../config/schema.js';
import type { CircuitBreakerState } from './breaker.js';
import { streamCounts } from './control.js';
import { eventsPerSecond } from './types.js';
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
  /** The hub events go to (a connection string's EntityPath wins over stream.hub). */
  hub?: string;
  /** Why the sink cannot be resolved, or null. */
  sinkProblem?: string | null;
}

export interface HealthReport {
  status: HealthStatus;
  timestamp: string;
  checks: Record<string, { status: string; health: HealthStatus } & Record<string, unknown>>;
}

const worst = (a: HealthStatus, b: HealthStatus): HealthStatus =>
  a === 'unhealthy' || b === 'unhealthy' ? 'unhealthy' : a === 'degraded' || b === 'degraded' ? 'degraded' : 'healthy';

/** Errors that say the sink cannot be reached or refuses our credentials (not the events). */
const UNREACHABLE_ERRORS = new Set(['connection_failure', 'connection_timeout', 'authentication']);

export function assessHealth(input: HealthInput): HealthReport {
  const streaming = input.state.status === 'running' || input.state.status === 'paused';
  const counts = streamCounts(input.state, input.statistics, input.now);
  const failureRate = counts.events_generated > 0 ? Math.min(1, counts.events_failed / counts.events_generated) : 0;
  const stats = input.statistics;
  const failingNow = Boolean(stats.last_send_failed_at && (!stats.last_send_ok_at || stats.last_send_failed_at > stats.last_send_ok_at));
  const unreachable = failingNow && UNREACHABLE_ERRORS.has(stats.last_send_error_kind ?? '');
  const taskHealth: HealthStatus = input.state.status === 'error' ? 'unhealthy' : input.state.status === 'paused' ? 'degraded' : 'healthy';
  const statisticsHealth: HealthStatus = failureRate >= 0.5 ? 'unhealthy' : failureRate >= 0.1 ? 'degraded' : 'healthy';
  const breakerHealth: HealthStatus = input.breaker.state === 'open' && streaming ? 'unhealthy' : input.breaker.state !== 'closed' ? 'degraded' : 'healthy';
  const dlqHealth: HealthStatus = input.dlqSize >= input.config.realtime.max_buffer_size ? 'unhealthy' : input.dlqSize > 0 ? 'degraded' : 'healthy';
  const sinkHealth: HealthStatus = input.sinkProblem || unreachable ? 'unhealthy' : 'healthy';
  const hub = input.hub ?? input.config.stream.hub;
  const checks: HealthReport['checks'] = {
    streaming_task: {
      status: input.state.status === 'running' ? 'active' : input.state.status,
      health: taskHealth,
      task_status: input.state.status,
      uptime_seconds: streaming && input.state.started_at ? Math.round((input.now - Date.parse(input.state.started_at)) / 1000) : 0,
      day: input.state.day,
      error: input.state.error,
    },
    azure_config: {
      status: input.sinkProblem ? 'not_configured' : unreachable ? 'unreachable' : 'configured',
      health: sinkHealth,
      hub_name: hub,
      sink: input.sink,
      connection_source: input.connectionSource,
      hub,
      error: input.sinkProblem ?? (unreachable ? (stats.last_send_error ?? null) : null),
    },
    statistics: {
      status: statisticsHealth,
      health: statisticsHealth,
      events_generated: counts.events_generated,
      events_per_second: input.state.status === 'running' ? eventsPerSecond(stats, input.now, input.config.realtime.monitoring_interval) : 0,
      failure_rate: Math.round(failureRate * 1000) / 1000,
      events_sent: stats.events_sent_successfully,
      events_failed: counts.events_failed,
    },
    circuit_breaker: {
      status: breakerHealth,
      health: breakerHealth,
      state: input.breaker.state,
      trips: input.breaker.trips,
      consecutive_failures: input.breaker.consecutive_failures,
    },
    outbox: {
      status: 'healthy',
      health: 'healthy',
      pending_events: input.outbox.pending_events,
      claimed_events: input.outbox.claimed_events,
      sent_events: input.outbox.sent_events,
    },
    dlq: { status: dlqHealth, health: dlqHealth, size: input.dlqSize, capacity: input.config.realtime.max_buffer_size },
  };
  // A stream that is running but has not sent anything for 5 minutes while events wait is stuck.
  const lastSent = stats.last_event_time ? Date.parse(stats.last_event_time) : input.state.started_at ? Date.parse(input.state.started_at) : input.now;
  if (input.state.status === 'running' && input.outbox.pending_events > 0 && input.now - lastSent > 5 * 60_000) {
    checks.outbox!.status = 'degraded';
    checks.outbox!.health = 'degraded';
    checks.outbox!.stalled_seconds = Math.round((input.now - lastSent) / 1000);
  }
  const status = Object.values(checks).reduce<HealthStatus>((acc, check) => worst(acc, check.health), 'healthy');
  return { status, timestamp: new Date(input.now).toISOString(), checks };
}
