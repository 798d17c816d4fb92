/**
 * GET /api/stream/health (readiness: 200 healthy/degraded, 503 unhealthy) and GET /metrics (Prometheus text),
 * both computed from the shared Tables so every instance reports the same figures.
 */
import { Registry, Gauge } from 'prom-client';
import { z } from 'zod';
import { configService, sinkProblem, streamingDeps } from '../app/services.js';
import { breakerSettings, CircuitBreaker } from '../core/streaming/breaker.js';
import { readStatistics, readStreamState, streamCounts } from '../core/streaming/control.js';
import { assessHealth, type HealthReport } from '../core/streaming/health.js';
import { eventsPerSecond, SEND_LATENCY_BUCKETS, type StreamStatistics } from '../core/streaming/types.js';
import { httpRoute } from './http/route.js';

async function snapshot() {
  const service = configService();
  const config = await service.get();
  const deps = streamingDeps();
  const breaker = new CircuitBreaker(deps.breakerState, breakerSettings(config.realtime));
  const now = Date.now();
  const [view, problem, state, statistics, breakerState, outbox, dlq] = await Promise.all([
    service.view(),
    sinkProblem(config),
    readStreamState(deps),
    readStatistics(deps),
    breaker.read(),
    deps.outbox.status(now),
    deps.deadLetters.summary(),
  ]);
  return { config, view, sinkProblem: problem ? `${problem.field} ${problem.reason}` : null, state, statistics, breakerState, outbox, dlqSize: dlq.total, now };
}

const checkSchema = z
  .object({
    status: z.string().describe("The check's word: the operators' guide's where it has one (active, configured), else its health"),
    health: z.enum(['healthy', 'degraded', 'unhealthy']),
  })
  .catchall(z.unknown());
const healthSchema = z
  .object({ status: z.enum(['healthy', 'degraded', 'unhealthy']), timestamp: z.string(), checks: z.record(z.string(), checkSchema) })
  .meta({ id: 'StreamHealth' });

httpRoute({
  name: 'streamHealth',
  method: 'GET',
  route: 'api/stream/health',
  // Anonymous and read-only, so a readiness probe (which sends no key) can call it: it reports states and
  // counts, never a connection string, key or event.
  authLevel: 'anonymous',
  summary: 'Readiness of the streaming path',
  description: 'HTTP 200 when healthy or degraded, 503 when unhealthy (for readiness probes). The rules are in the README.',
  tags: ['operations'],
  responses: { 200: { description: 'Healthy or degraded', schema: healthSchema }, 503: { description: 'Unhealthy', schema: healthSchema } },
  handler: async () => {
    const s = await snapshot();
    const report: HealthReport = assessHealth({
      config: s.config,
      sink: s.view.connection.sink,
      connectionSource: s.view.connection.source,
      state: s.state,
      statistics: s.statistics,
      breaker: s.breakerState,
      outbox: s.outbox,
      dlqSize: s.dlqSize,
      now: s.now,
      hub: s.view.connection.hub,
      sinkProblem: s.sinkProblem,
    });
    return { status: report.status === 'unhealthy' ? 503 : 200, jsonBody: report };
  },
});

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * The batch send latency histogram, aggregated across instances in the statistics document. prom-client only
 * builds histograms from local observations, so the exposition lines are written here in its format.
 */
function latencyHistogram(statistics: StreamStatistics): string {
  const counts = statistics.send_latency_counts ?? [];
  const lines = ['# HELP streaming_batch_send_seconds Time to send one batch to the sink', '# TYPE streaming_batch_send_seconds histogram'];
  let cumulative = 0;
  SEND_LATENCY_BUCKETS.forEach((bound, i) => {
    cumulative += counts[i] ?? 0;
    lines.push(`streaming_batch_send_seconds_bucket{le="${bound}"} ${cumulative}`);
  });
  cumulative += counts[SEND_LATENCY_BUCKETS.length] ?? 0;
  lines.push(`streaming_batch_send_seconds_bucket{le="+Inf"} ${cumulative}`);
  lines.push(`streaming_batch_send_seconds_sum ${statistics.send_latency_sum ?? 0}`);
  lines.push(`streaming_batch_send_seconds_count ${statistics.send_latency_count ?? 0}`);
  return `${lines.join('\n')}\n`;
}

httpRoute({
  name: 'prometheusMetrics',
  method: 'GET',
  route: 'metrics',
  summary: 'Prometheus metrics (shared across instances)',
  tags: ['operations'],
  responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain', schema: z.string() } },
  handler: async () => {
    const s = await snapshot();
    // A fresh registry per scrape: the figures come from the shared Tables, not from this process's memory.
    const registry = new Registry();
    const gauge = (name: string, help: string, value: number, labels?: Record<string, string>) => {
      const metric = new Gauge({ name, help, registers: [registry], ...(labels ? { labelNames: Object.keys(labels) } : {}) });
      if (labels) metric.set(labels, value);
      else metric.set(value);
      return metric;
    };
    const counts = streamCounts(s.state, s.statistics, s.now);
    gauge(
      'streaming_events_generated',
      'Events the stream has produced since it started (sent, withheld, given up on, or due while sending fails)',
      counts.events_generated,
    );
    gauge('streaming_events_sent', 'Events delivered to the sink', s.statistics.events_sent_successfully);
    gauge(
      'streaming_events_failed',
      'Due events not delivered because sending failed (given up on, or held in the outbox while the sink fails)',
      counts.events_failed,
    );
    gauge('streaming_circuit_breaker_trips', 'Times the circuit breaker opened', s.statistics.circuit_breaker_trips);
    gauge(
      'streaming_events_per_second',
      'Events sent per second over the last realtime.monitoring_interval seconds',
      s.state.status === 'running' ? eventsPerSecond(s.statistics, s.now, s.config.realtime.monitoring_interval) : 0,
    );
    gauge('streaming_batches_sent', 'Batches delivered to the sink', s.statistics.batches_sent);
    gauge('streaming_bytes_sent', 'Bytes delivered to the sink', s.statistics.bytes_sent);
    gauge('streaming_connection_failures', 'Connection failures and timeouts', s.statistics.connection_failures);
    gauge('streaming_outbox_pending_events', 'Events waiting in the outbox', s.outbox.pending_events);
    gauge('streaming_dlq_size', 'Events in the dead-letter queue', s.dlqSize);
    gauge('streaming_circuit_breaker_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open', BREAKER_VALUE[s.breakerState.state]);
    gauge('streaming_active', 'Whether a stream is running (1) or not (0)', s.state.status === 'running' ? 1 : 0);
    const errors = new Gauge({ name: 'streaming_errors', help: 'Send errors by type', labelNames: ['error_type'], registers: [registry] });
    for (const [kind, count] of Object.entries(s.statistics.error_counts)) errors.set({ error_type: kind }, count);
    const byType = new Gauge({
      name: 'streaming_events_sent_by_type',
      help: 'Events delivered by event type',
      labelNames: ['event_type'],
      registers: [registry],
    });
    for (const [type, count] of Object.entries(s.statistics.event_type_counts)) byType.set({ event_type: type }, count);
    return { status: 200, headers: { 'content-type': registry.contentType }, body: (await registry.metrics()) + latencyHistogram(s.statistics) };
  },
});
