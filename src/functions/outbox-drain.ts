/**
 * The outbox drain: a timer every 5 seconds (a singleton in Azure; overlapping runs are still safe thanks to
 * ETag claims), each run pacing events to the sink for up to 4.5 s.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { configService, eventSink, streamingDeps } from '../app/services.js';
import { drainOutbox } from '../core/streaming/drain.js';

export const DRAIN_BUDGET_MS = 4_500;

export async function drainOnTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const config = await configService().get();
  const summary = await drainOutbox(streamingDeps(), config, () => eventSink(config), DRAIN_BUDGET_MS, { readConfig: () => configService().get() });
  if (summary.sent > 0 || summary.error) {
    const problems = summary.error
      ? `; ${summary.failed} failed (${summary.dead_lettered} dead-lettered), breaker ${summary.breaker_state}, last error: ${summary.error}`
      : '';
    context.log(`Drain: ${summary.sent} events in ${summary.batches} batches (${summary.elapsed_ms} ms)${problems}`);
  }
}

app.timer('outboxDrain', {
  schedule: '*/5 * * * * *',
  handler: drainOnTimer,
});
