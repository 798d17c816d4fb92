/**
 * Streaming on the local host with the out-of-the-box Blob sink: refused without history; after master data
 * and a day of history, events flow at the requested pace across many event types; a second start is 409;
 * stop works; the NDJSON in Blob holds exactly the events reported sent.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseEvent } from '../../src/core/events/schemas.js';
import { SMALL_VOLUME_ENV, startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { readJson, type AnyJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
const prefix = uniquePrefix('stream');
let app: AppProcess;
const post = (path: string, body?: unknown) => fetch(`${app.url}${path}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

beforeAll(async () => {
  app = await startApp({
    storageConnectionString,
    storagePrefix: prefix,
    env: SMALL_VOLUME_ENV,
  });
});
afterAll(async () => {
  await app?.stop();
});

describe('streaming to the Blob sink', () => {
  it('refuses to start without historical data', async () => {
    const response = await post('/api/stream/start', {});
    expect(response.status).toBe(400);
    expect((await readJson(response)).detail).toContain('Historical data must be generated first');
    expect((await readJson(await post('/api/stream/start', { event_types: ['nope'] }))).detail).toContain('event_types');
  });

  it('streams over 1,000 events of at least 12 types within 30 s, and the NDJSON holds exactly them', async () => {
    const master = await readJson(await post('/api/generators/master/start'));
    expect((await waitForJob(app.url, master.status_url)).status).toBe('completed');
    const history = await readJson(await post('/api/generators/historical/start', { start_date: '2024-06-12', end_date: '2024-06-12' }));
    expect((await waitForJob(app.url, history.status_url)).status).toBe('completed');

    const started = await post('/api/stream/start', { emit_interval_ms: 100, burst: 200 });
    expect(started.status).toBe(200);
    const body = await readJson(started);
    expect(body).toMatchObject({ success: true, operation_id: expect.any(String), started_at: expect.any(String) });
    expect((await post('/api/stream/start', { emit_interval_ms: 100, burst: 200 })).status).toBe(409);

    const deadline = Date.now() + 30_000;
    let statistics: Record<string, AnyJson> = {};
    for (;;) {
      statistics = await readJson(await fetch(`${app.url}/api/stream/statistics`));
      if (statistics.events_sent_successfully > 1000 && Object.keys(statistics.event_type_counts).length >= 12) break;
      if (Date.now() > deadline) throw new Error(`not enough events in 30 s: ${JSON.stringify(statistics)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const status = await readJson(await fetch(`${app.url}/api/stream/status`));
    expect(status).toMatchObject({ is_streaming: true, status: 'running', day: '2024-06-13' });

    const recent = await readJson(await fetch(`${app.url}/api/stream/events/recent?limit=5`));
    expect(recent.events).toHaveLength(5);
    for (const event of recent.events) parseEvent(event);
    expect((await fetch(`${app.url}/api/stream/events/recent?limit=101`)).status).toBe(400);

    const hubChange = await fetch(`${app.url}/api/stream/config`, { method: 'PUT', body: JSON.stringify({ stream: { hub: 'elsewhere' } }) });
    expect(hubChange.status).toBe(409);
    expect((await readJson(hubChange)).detail).toContain('stream.hub');
    expect((await fetch(`${app.url}/api/stream/config`, { method: 'PUT', body: JSON.stringify({ realtime: { retry_attempts: 4 } }) })).status).toBe(200);

    const stopped = await post('/api/stream/stop');
    expect(stopped.status).toBe(200);
    expect((await readJson(stopped)).status).toBe('stopped');
    expect((await post('/api/stream/pause')).status).toBe(409);

    // Let an in-flight drain notice the stop and record its last batch.
    let settled = -1;
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = (await readJson(await fetch(`${app.url}/api/stream/statistics`))).events_sent_successfully;
      if (now === settled) break;
      settled = now;
    }
    const service = BlobServiceClient.fromConnectionString(storageConnectionString);
    const container = service.getContainerClient(`${prefix}-events`);
    const ids: string[] = [];
    for await (const blob of container.listBlobsFlat()) {
      expect(blob.name).toMatch(/^local\/retail-events\/\d\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\.ndjson$/);
      const text = (await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) ids.push(parseEvent(JSON.parse(line)).event_id);
    }
    expect(ids.length).toBe(settled);
    expect(new Set(ids).size).toBe(ids.length);

    const outbox = await readJson(await fetch(`${app.url}/api/stream/outbox/status`));
    expect(outbox.sent_events).toBe(settled);
    expect(outbox.pending_events).toBeGreaterThan(0);
  });

  it('reports health, Prometheus metrics and an empty DLQ from the shared state', async () => {
    const health = await fetch(`${app.url}/api/stream/health`);
    expect(health.status).toBe(200);
    const report = await readJson(health);
    expect(['healthy', 'degraded']).toContain(report.status);
    expect(Object.keys(report.checks).sort()).toEqual(['azure_config', 'circuit_breaker', 'dlq', 'outbox', 'statistics', 'streaming_task']);
    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    const sent = Number(/^streaming_events_sent (\d+)$/m.exec(text)?.[1]);
    expect(sent).toBeGreaterThan(1000);
    for (const name of [
      'streaming_events_generated',
      'streaming_events_failed',
      'streaming_circuit_breaker_trips',
      'streaming_events_per_second',
      'streaming_outbox_pending_events',
      'streaming_dlq_size',
      'streaming_circuit_breaker_state',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    const histogramCount = Number(/^streaming_batch_send_seconds_count (\d+)$/m.exec(text)?.[1]);
    expect(histogramCount).toBeGreaterThan(0);
    expect(Number(/^streaming_batch_send_seconds_bucket\{le="\+Inf"\} (\d+)$/m.exec(text)?.[1])).toBe(histogramCount);
    // Every sample line is `name{labels} value`, as Prometheus parses it.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"\})? -?[\d.e+]+$/);
    expect(await readJson(await fetch(`${app.url}/api/stream/dlq`))).toMatchObject({ events: [], count: 0 });
    expect((await readJson(await fetch(`${app.url}/api/stream/dlq/summary`))).total).toBe(0);
    expect((await post('/api/stream/dlq/retry', { ids: ['missing'] })).status).toBe(404);
    expect((await readJson(await fetch(`${app.url}/api/stream/dlq`, { method: 'DELETE' }))).deleted).toBe(0);
  });

  it('lists the event types with their schemas and reports a Blob-sink connection test', async () => {
    const types = await readJson(await fetch(`${app.url}/api/stream/event-types`));
    expect(types.count).toBeGreaterThanOrEqual(18);
    const test = await readJson(await post('/api/stream/test'));
    expect(test).toMatchObject({ success: true, details: { sink: 'blob' } });
    expect(test.response_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('reports a malformed connection string as a failed test without echoing it, and rate-limits the test', async () => {
    const planted = 'Endpoint=nope;SharedAccessKey=PLANTEDSECRET123';
    const other = await startApp({ storageConnectionString, storagePrefix: uniquePrefix('conn'), env: { AZURE_EVENTHUB_CONNECTION_STRING: planted } });
    try {
      const response = await fetch(`${other.url}/api/stream/test`, { method: 'POST' });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(text).not.toContain('PLANTEDSECRET123');
      expect(JSON.parse(text)).toMatchObject({
        success: false,
        message: 'Connection test failed: Invalid connection string format',
        details: { exception_type: 'ValueError' },
      });
      expect(JSON.parse(text).response_time_ms).toBeGreaterThanOrEqual(0);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await fetch(`${other.url}/api/stream/test`, { method: 'POST' })).status);
      expect(statuses).toContain(429);
      const limited = await fetch(`${other.url}/api/stream/test`, { method: 'POST' });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await readJson(limited)).detail).toMatch(/limited to 10 per 60 s/);
      expect(other.output()).not.toContain('PLANTEDSECRET123');
    } finally {
      await other.stop();
    }
  });
});
