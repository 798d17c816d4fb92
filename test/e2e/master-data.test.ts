/**
 * Master data over HTTP on the local host: start → job completes on the generation queue → state shows the
 * six dimension tables → previews return real rows with the predecessor's column names.
 */
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { readJson, type AnyJson } from '../support/http.js';
import { waitForJob as waitForJobAt } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
let app: AppProcess;

beforeAll(async () => {
  app = await startApp({
    storageConnectionString,
    storagePrefix: uniquePrefix('master'),
    env: { RETAIL_VOLUME_TOTAL_CUSTOMERS: '20000', RETAIL_VOLUME_TOTAL_PRODUCTS: '2000', RETAIL_VOLUME_STORES: '30' },
  });
});
afterAll(async () => {
  await app?.stop();
});

const waitForJob = (statusUrl: string) => waitForJobAt(app.url, statusUrl);

describe('master data generation', () => {
  it('starts as a job, completes, and records every dimension table', async () => {
    const empty = await readJson(await fetch(`${app.url}/api/generators/state`));
    expect(empty.has_master_data).toBe(false);
    expect(await readJson(await fetch(`${app.url}/api/generators/jobs/active`))).toEqual({ job: null });
    expect(Object.keys(empty.table_counts)).toHaveLength(16);

    const started = await fetch(`${app.url}/api/generators/master/start`, { method: 'POST' });
    expect(started.status).toBe(202);
    const { operation_id, status_url } = await readJson(started);
    expect(status_url).toBe(`/api/generators/jobs/${operation_id}`);
    expect(started.headers.get('location')).toBe(status_url);

    const again = await fetch(`${app.url}/api/generators/master/start`, { method: 'POST' });
    expect([409]).toContain(again.status);
    // A client that did not start the job finds it (the dashboard re-attaches this way after a reload).
    const active = await readJson(await fetch(`${app.url}/api/generators/jobs/active`));
    expect(active.job).toMatchObject({ operation_id, kind: 'master', status: expect.stringMatching(/^(pending|running)$/) });

    const job = await waitForJob(status_url);
    expect(job.status).toBe('completed');
    expect(await readJson(await fetch(`${app.url}/api/generators/jobs/active`))).toEqual({ job: null });
    expect(job.progress).toBe(1);
    expect(job.error).toBeNull();
    const tables = job.tables as Record<string, { rows: number; progress: number }>;
    expect(tables.dim_customers).toMatchObject({ rows: 20000, progress: 1 });
    expect(tables.dim_products).toMatchObject({ rows: 2000, progress: 1 });
    expect(tables.dim_stores).toMatchObject({ rows: 30, progress: 1 });

    const state = await readJson(await fetch(`${app.url}/api/generators/state`));
    expect(state.has_master_data).toBe(true);
    expect(state.has_historical_data).toBe(false);
    expect(state.can_start_realtime).toBe(false);
    for (const table of ['dim_geographies', 'dim_stores', 'dim_distribution_centers', 'dim_trucks', 'dim_customers', 'dim_products']) {
      expect(state.table_counts[table], table).toBeGreaterThan(0);
    }
    expect(state.table_counts.fact_receipts).toBe(0);
  });

  it('answers 409 without force once master data exists, and 202 with force', async () => {
    const refused = await fetch(`${app.url}/api/generators/master/start`, { method: 'POST', body: '{}' });
    expect(refused.status).toBe(409);
    expect((await readJson(refused)).detail).toMatch(/force/);
    const bad = await fetch(`${app.url}/api/generators/master/start`, { method: 'POST', body: '{"force": "yes"}' });
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).detail).toContain('force');
    const forced = await fetch(`${app.url}/api/generators/master/start`, { method: 'POST', body: '{"force": true}' });
    expect(forced.status).toBe(202);
    expect((await waitForJob((await readJson(forced)).status_url)).status).toBe('completed');
  });

  it('previews real rows with the predecessor’s column names, and validates the limit', async () => {
    const preview = await readJson(await fetch(`${app.url}/api/generators/tables/dim_stores/preview?limit=5`));
    expect(preview.columns).toEqual([
      'ID',
      'StoreNumber',
      'Address',
      'GeographyID',
      'tax_rate',
      'volume_class',
      'store_format',
      'operating_hours',
      'daily_traffic_multiplier',
    ]);
    expect(preview.preview_rows).toHaveLength(5);
    expect(preview.row_count).toBe(30);
    expect(preview.preview_rows[0]).toMatchObject({ ID: 1, StoreNumber: 'S000001' });

    const customers = await readJson(await fetch(`${app.url}/api/generators/tables/dim_customers/preview?limit=1000`));
    expect(customers.preview_rows).toHaveLength(1000);
    expect(customers.preview_rows[999].LoyaltyCard).toMatch(/^LC\d{9}$/);
    expect(customers.preview_rows[0].BLEId).toMatch(/^BLE[A-Z0-9]{6}$/);

    for (const limit of ['0', '1001', 'abc']) {
      const response = await fetch(`${app.url}/api/generators/tables/dim_stores/preview?limit=${limit}`);
      expect(response.status, limit).toBe(400);
      expect((await readJson(response)).detail).toContain('limit');
    }
    expect((await fetch(`${app.url}/api/generators/tables/nope/preview`)).status).toBe(404);
  });

  it('lists tables with summaries', async () => {
    const list = await readJson(await fetch(`${app.url}/api/generators/tables`));
    expect(list.count).toBe(16);
    const summary = await readJson(await fetch(`${app.url}/api/generators/tables/dim_products/summary`));
    expect(summary).toMatchObject({ name: 'dim_products', table_type: 'dimension', rows: 2000, files: 1, location: 'master/dim_products/' });
    expect(summary.bytes).toBeGreaterThan(1000);
    expect(summary.columns.map((c: { name: string }) => c.name)).toContain('taxability');
  });

  it('cancels a job that is still queued', async () => {
    // A host of its own whose generation worker is disabled (as an app setting does in Azure), so the job is
    // certainly still queued when the cancel arrives; then a host with the worker takes the message.
    const storagePrefix = uniquePrefix('queued');
    const queued = await startApp({ storageConnectionString, storagePrefix, env: { 'AzureWebJobs.generationWorker.Disabled': 'true' } });
    let started: AnyJson;
    try {
      started = await readJson(await fetch(`${queued.url}/api/generators/master/start`, { method: 'POST' }));
      expect((await readJson(await fetch(`${queued.url}${started.status_url}`))).status).toBe('pending');
      const cancelled = await fetch(`${queued.url}${started.status_url}`, { method: 'DELETE' });
      expect(cancelled.status).toBe(200);
      const job = await readJson(cancelled);
      expect(job.status).toBe('cancelled');
      expect(job.finished_at).not.toBeNull();
      expect((await fetch(`${queued.url}${started.status_url}`, { method: 'DELETE' })).status).toBe(409);
    } finally {
      await queued.stop();
    }
    const worker = await startApp({ storageConnectionString, storagePrefix });
    try {
      const queue = QueueServiceClient.fromConnectionString(storageConnectionString).getQueueClient(`${storagePrefix}-generation-jobs`);
      for (const deadline = Date.now() + 30_000; (await queue.getProperties()).approximateMessagesCount! > 0;) {
        if (Date.now() > deadline) throw new Error('the queued job message was never taken');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // The delivery found the job cancelled and generated nothing.
      const job = await readJson(await fetch(`${worker.url}${started.status_url}`));
      expect(job.status).toBe('cancelled');
      expect(job.started_at ?? null).toBeNull();
      expect((await readJson(await fetch(`${worker.url}/api/generators/state`))).has_master_data).toBe(false);
      expect((await fetch(`${worker.url}/api/generators/jobs/unknown-id`)).status).toBe(404);
    } finally {
      await worker.stop();
    }
  });

  it('deletes all data only with the confirmation', async () => {
    const refused = await fetch(`${app.url}/api/generators/data`, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect((await readJson(refused)).detail).toContain('confirm');
    expect((await readJson(await fetch(`${app.url}/api/generators/state`))).has_master_data).toBe(true);
    const deleted = await fetch(`${app.url}/api/generators/data?confirm=DELETE-ALL-DATA`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await readJson(deleted)).deleted_files).toBeGreaterThanOrEqual(6);
    const state = await readJson(await fetch(`${app.url}/api/generators/state`));
    expect(state.has_master_data).toBe(false);
    expect(state.table_counts.dim_customers).toBe(0);
  });
});
