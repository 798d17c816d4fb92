/**
 * Supply-chain disruptions over HTTP on the local host: validation (400), unknown targets (404), create → list
 * → cancel → clear-all, the create rate limit (429 with Retry-After), deleting all data ends them, and the effect on the live stream: a DC
 * outage's trucks never reach the sink while other DCs' trucks do, and a shortage's stockouts and urgent
 * reorders arrive once.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseEvent, type EventEnvelope } from '../../src/core/events/schemas.js';
import { SMALL_VOLUME_ENV, startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
const prefix = uniquePrefix('disrupt');
let app: AppProcess;
const post = (path: string, body?: unknown) =>
  fetch(`${app.url}${path}`, { method: 'POST', ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
const list = async () => readJson(await fetch(`${app.url}/api/disruption/list`));

beforeAll(async () => {
  app = await startApp({
    storageConnectionString,
    storagePrefix: prefix,
    env: {
      ...SMALL_VOLUME_ENV,
      RETAIL_VOLUME_CUSTOMERS_PER_DAY: '40',
      // Small shelves: every store is restocked every day, so every DC ships on the streamed day.
      RETAIL_VOLUME_STORE_INITIAL_INVENTORY_MIN: '2',
      RETAIL_VOLUME_STORE_INITIAL_INVENTORY_MAX: '12',
    },
  });
});
afterAll(async () => {
  await app?.stop();
});

async function sinkEvents(): Promise<EventEnvelope[]> {
  const container = BlobServiceClient.fromConnectionString(storageConnectionString).getContainerClient(`${prefix}-events`);
  const events: EventEnvelope[] = [];
  if (!(await container.exists())) return events;
  for await (const blob of container.listBlobsFlat()) {
    const text = (await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
    for (const line of text.split('\n').filter(Boolean)) events.push(parseEvent(JSON.parse(line)));
  }
  return events;
}

describe('supply-chain disruptions', () => {
  it('needs master data, then validates bodies (400) and targets (404)', async () => {
    const early = await post('/api/disruption/create', { disruption_type: 'dc_outage', target_id: 1, severity: 1, duration_minutes: 10 });
    expect(early.status).toBe(400);
    expect((await readJson(early)).detail).toContain('Master data must be generated first');

    const master = await readJson(await post('/api/generators/master/start'));
    expect((await waitForJob(app.url, master.status_url)).status).toBe('completed');
    const history = await readJson(await post('/api/generators/historical/start', { start_date: '2024-06-12', end_date: '2024-06-12' }));
    expect((await waitForJob(app.url, history.status_url)).status).toBe('completed');

    const valid = { disruption_type: 'dc_outage', target_id: 1, severity: 0.5, duration_minutes: 30 };
    for (const [body, field] of [
      ['{', 'body'],
      [[], 'body'],
      [{ ...valid, severity: 2 }, 'severity'],
      [{ ...valid, duration_minutes: 0 }, 'duration_minutes'],
      [{ ...valid, duration_minutes: 1441 }, 'duration_minutes'],
      [{ ...valid, target_id: 'DC001' }, 'target_id'],
      [{ ...valid, disruption_type: 'flood' }, 'disruption_type'],
      [{ ...valid, product_ids: [1] }, 'product_ids'],
    ] as const) {
      const response = await post('/api/disruption/create', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await readJson(response)).detail).toContain(field);
    }
    for (const [body, detail] of [
      [{ ...valid, target_id: 99 }, 'no distribution center 99'],
      [{ ...valid, disruption_type: 'truck_breakdown', target_id: 9999 }, 'no delivering truck 9999'],
      [{ ...valid, disruption_type: 'inventory_shortage', target_id: 5000 }, 'no store 5000'],
      [{ ...valid, disruption_type: 'inventory_shortage', target_id: 1, product_ids: [3, 401] }, 'no such products: 401'],
    ] as const) {
      const response = await post('/api/disruption/create', body);
      expect(response.status, JSON.stringify(body)).toBe(404);
      expect((await readJson(response)).detail).toContain(detail);
    }
    expect(await list()).toEqual({ disruptions: [], count: 0 });
  });

  it('changes the live stream: an outage stops its DC trucks, a shortage announces stockouts and urgent reorders', async () => {
    const outage = await post('/api/disruption/create', { disruption_type: 'dc_outage', target_id: 1, severity: 1, duration_minutes: 60 });
    expect(outage.status).toBe(201);
    const outageBody = await readJson(outage);
    expect(outageBody.disruption).toMatchObject({ disruption_type: 'dc_outage', target_id: 1, severity: 1, duration_minutes: 60, product_ids: [] });
    expect(Date.parse(outageBody.disruption.expires_at) - Date.parse(outageBody.disruption.created_at)).toBe(60 * 60_000);
    const shortage = await readJson(
      await post('/api/disruption/create', { disruption_type: 'inventory_shortage', target_id: 2, severity: 0.9, duration_minutes: 60, product_ids: [5, 6] }),
    );
    expect((await list()).count).toBe(2);
    expect((await list()).disruptions.map((d: { id: string }) => d.id)).toEqual([outageBody.disruption.id, shortage.disruption.id]);

    const started = await post('/api/stream/start', {
      emit_interval_ms: 50,
      burst: 1000,
      event_types: ['truck_arrived', 'truck_departed', 'stockout_detected', 'reorder_triggered'],
    });
    expect(started.status).toBe(200);
    const deadline = Date.now() + 60_000;
    let events: EventEnvelope[] = [];
    for (;;) {
      const status = await readJson(await fetch(`${app.url}/api/stream/status`));
      // The streamed day is done once the stream has moved on to the next one.
      if (status.day !== '2024-06-13') break;
      if (Date.now() > deadline) throw new Error(`the streamed day did not finish in 60 s: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect((await post('/api/stream/stop')).status).toBe(200);
    events = (await sinkEvents()).filter((e) => e.ingest_timestamp.startsWith('2024-06-13'));

    const trucks = events.filter((e) => e.event_type === 'truck_arrived' || e.event_type === 'truck_departed');
    const dcs = new Set(trucks.map((e) => (e.payload as { dc_id: number }).dc_id));
    expect(dcs.has(1)).toBe(false);
    expect(dcs.size).toBeGreaterThanOrEqual(1);
    const statistics = await readJson(await fetch(`${app.url}/api/stream/statistics`));
    expect(statistics.events_withheld_by_disruptions).toBeGreaterThan(0);

    const announced = events.filter((e) => e.correlation_id === `disruption-${shortage.disruption.id}`);
    expect(announced.map((e) => [e.event_type, (e.payload as { product_id: number }).product_id]).sort()).toEqual([
      ['reorder_triggered', 5],
      ['reorder_triggered', 6],
      ['stockout_detected', 5],
      ['stockout_detected', 6],
    ]);
    for (const event of announced.filter((e) => e.event_type === 'reorder_triggered')) expect(event.payload).toMatchObject({ store_id: 2, priority: 'URGENT' });
    expect((await list()).disruptions.find((d: { id: string }) => d.id === shortage.disruption.id).announced_at).toEqual(expect.any(String));
  });

  it('cancels one, clears all, and rate-limits creation at 20 a minute', async () => {
    const { disruptions } = await list();
    const cancelled = await fetch(`${app.url}/api/disruption/${disruptions[0].id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect((await readJson(cancelled)).disruption.id).toBe(disruptions[0].id);
    expect((await fetch(`${app.url}/api/disruption/${disruptions[0].id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${app.url}/api/disruption/not%2Fan-id`, { method: 'DELETE' })).status).toBe(400);
    expect((await list()).count).toBe(1);
    expect(await readJson(await post('/api/disruption/clear-all'))).toEqual({ success: true, cleared: 1 });
    expect((await list()).count).toBe(0);

    // Creations so far in this minute: 2 (plus rejected ones if they count); keep creating until refused.
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 21 && !refused; i++) {
      const response = await post('/api/disruption/create', { disruption_type: 'weather_delay', target_id: 2, severity: 0.3, duration_minutes: 5 });
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }
    expect(refused, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await readJson(refused!)).detail).toContain('creating disruptions');
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(18);
    expect((await list()).count).toBe(statuses.filter((s) => s === 201).length);

    // Deleting all data ends the disruptions too: their targets are gone.
    expect((await fetch(`${app.url}/api/generators/data?confirm=DELETE-ALL-DATA`, { method: 'DELETE' })).status).toBe(200);
    expect(await list()).toEqual({ disruptions: [], count: 0 });
  });
});
