/**
 * The app streaming to Event Hubs (the AMQP peer) through a 60-second outage: the shared breaker opens,
 * /api/stream/health answers 503, and when the peer returns the breaker half-opens and closes and streaming
 * resumes with no event lost.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
let app: AppProcess | undefined;
let peer: EventHubsPeer | undefined;
afterAll(async () => {
  await app?.stop();
  await peer?.stop();
});

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('streaming through a peer outage', () => {
  it('opens the breaker, reports 503, recovers and loses nothing', { timeout: 240_000 }, async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    app = await startApp({
      storageConnectionString,
      storagePrefix: uniquePrefix('outage'),
      env: {
        AZURE_EVENTHUB_CONNECTION_STRING: peer.connectionString,
        RETAIL_VOLUME_STORES: '6',
        RETAIL_VOLUME_DCS: '2',
        RETAIL_VOLUME_TOTAL_GEOGRAPHIES: '6',
        RETAIL_VOLUME_TOTAL_CUSTOMERS: '2000',
        RETAIL_VOLUME_TOTAL_PRODUCTS: '300',
        RETAIL_VOLUME_CUSTOMERS_PER_DAY: '40',
        RETAIL_REALTIME_FAILURE_THRESHOLD: '3',
        RETAIL_REALTIME_TIMEOUT_SECONDS: '10',
        RETAIL_REALTIME_RETRY_ATTEMPTS: '1',
      },
    });
    const url = app.url;
    const post = (path: string, body?: unknown) => fetch(`${url}${path}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await waitForJob(url, (await readJson(await post('/api/generators/master/start'))).status_url)).status).toBe('completed');
    expect(
      (await waitForJob(url, (await readJson(await post('/api/generators/historical/start', { start_date: '2024-04-09', end_date: '2024-04-09' }))).status_url))
        .status,
    ).toBe('completed');
    expect((await post('/api/stream/start', { emit_interval_ms: 100, burst: 100 })).status).toBe(200);
    await until(
      async () => peer!.events.length,
      (n) => n >= 300,
      30_000,
      'events arriving',
    );

    const downAt = Date.now();
    await peer.faults.down();
    // Unhealthy at once (the sink cannot be reached), then the breaker opens.
    const report = await until(
      async () => {
        const response = await fetch(`${url}/api/stream/health`);
        return { code: response.status, ...(await readJson(response)) };
      },
      (r) => r.code === 503 && r.checks.circuit_breaker.state === 'open',
      45_000,
      'health 503 with the breaker open',
    );
    expect(report.checks.azure_config).toMatchObject({ status: 'unreachable', health: 'unhealthy' });
    const metricsWhileDown = await (await fetch(`${url}/metrics`)).text();
    expect(metricsWhileDown).toMatch(/^streaming_circuit_breaker_state 2$/m);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - downAt))));

    const beforeUp = peer.events.length;
    await peer.faults.up();
    await until(
      async () => (await readJson(await fetch(`${url}/api/stream/health`))).checks.circuit_breaker.state,
      (state) => state === 'closed',
      60_000,
      'breaker closed',
    );
    await until(
      async () => peer!.events.length,
      (n) => n >= beforeUp + 300,
      60_000,
      'streaming resumed',
    );
    expect((await post('/api/stream/stop')).status).toBe(200);

    let settled = -1;
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = (await readJson(await fetch(`${url}/api/stream/statistics`))).events_sent_successfully;
      if (now === settled) break;
      settled = now;
    }
    const statistics = await readJson(await fetch(`${url}/api/stream/statistics`));
    const outbox = await readJson(await fetch(`${url}/api/stream/outbox/status`));
    const dlq = await readJson(await fetch(`${url}/api/stream/dlq/summary`));
    const unique = new Set(peer.events.map((e) => (e.body as { event_id: string }).event_id)).size;
    console.log(
      `fault peer down 60 s: breaker trips ${statistics.circuit_breaker_trips}, sent ${statistics.events_sent_successfully}, received ${unique} unique ` +
        `(${peer.events.length} deliveries), outbox sent ${outbox.sent_events}, DLQ ${dlq.total}, errors ${JSON.stringify(statistics.error_counts)}`,
    );
    if (dlq.total > 0) console.log('dead letter:', JSON.stringify((await readJson(await fetch(`${url}/api/stream/dlq?page_size=1`))).events[0]?.error));
    expect(statistics.circuit_breaker_trips).toBeGreaterThanOrEqual(1);
    expect(dlq.total).toBe(0);
    expect(unique).toBe(outbox.sent_events);
    expect(unique).toBe(statistics.events_sent_successfully);
  });
});
