/**
 * Historical facts over HTTP: validation (no master data, bad/reversed/future dates, span), the fan-out job
 * to completion, the watermark and incremental runs, Hive-partitioned files and fact previews.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
let app: AppProcess;
const post = (path: string, body?: unknown) => fetch(`${app.url}${path}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

beforeAll(async () => {
  app = await startApp({
    storageConnectionString,
    storagePrefix: uniquePrefix('hist'),
    env: {
      RETAIL_VOLUME_STORES: '12',
      RETAIL_VOLUME_DCS: '4',
      RETAIL_VOLUME_TOTAL_GEOGRAPHIES: '12',
      RETAIL_VOLUME_TOTAL_CUSTOMERS: '4000',
      RETAIL_VOLUME_TOTAL_PRODUCTS: '600',
      RETAIL_VOLUME_CUSTOMERS_PER_DAY: '80',
      RETAIL_VOLUME_ONLINE_ORDERS_PER_DAY: '40',
      RETAIL_VOLUME_MARKETING_IMPRESSIONS_PER_DAY: '500',
      RETAIL_HISTORICAL_MAX_SPAN_DAYS: '31',
    },
  });
});
afterAll(async () => {
  await app?.stop();
});

describe('historical generation', () => {
  it('refuses to start without master data', async () => {
    const response = await post('/api/generators/historical/start', { start_date: '2024-11-26', end_date: '2024-11-27' });
    expect(response.status).toBe(400);
    expect((await readJson(response)).detail).toMatch(/Master data must be generated first/);
  });

  it('generates a range as a fanned-out job, then continues from the watermark', async () => {
    const master = await readJson(await post('/api/generators/master/start'));
    expect((await waitForJob(app.url, master.status_url)).status).toBe('completed');

    for (const [body, field] of [
      [{ start_date: '2024-11-30', end_date: '2024-11-26' }, 'start_date'],
      [{ start_date: '2024-02-30' }, 'start_date'],
      [{ start_date: '2024-01-01', end_date: '2024-03-01' }, 'end_date'],
      [{ end_date: '2999-01-01' }, 'end_date'],
      [{ start_date: 20240101 }, 'start_date'],
      [{ start_date: '2024-11-26', extra: 1 }, 'extra'],
    ] as const) {
      const response = await post('/api/generators/historical/start', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await readJson(response)).detail, JSON.stringify(body)).toContain(field);
    }

    const started = await post('/api/generators/historical/start', { start_date: '2024-11-27', end_date: '2024-11-29' });
    expect(started.status).toBe(202);
    const { status_url } = await readJson(started);
    expect((await post('/api/generators/historical/start', { start_date: '2024-11-27', end_date: '2024-11-29' })).status).toBe(409);
    const job = await waitForJob(app.url, status_url);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(job.units_done).toBe(job.units_total);
    expect(job.units_total).toBe((4 + 1) * 3);
    expect(job.days).toEqual({
      '2024-11-27': { done: 5, total: 5 },
      '2024-11-28': { done: 5, total: 5 },
      '2024-11-29': { done: 5, total: 5 },
    });
    expect(job.tables.fact_receipts.rows).toBeGreaterThan(100);
    expect(job.tables.fact_marketing.rows).toBeGreaterThan(0);

    const state = await readJson(await fetch(`${app.url}/api/generators/state`));
    expect(state).toMatchObject({ has_historical_data: true, can_start_realtime: true, fact_start_date: '2024-11-27', fact_end_date: '2024-11-29' });
    expect(state.last_generated_timestamp).toBe('2024-11-29T23:59:59.999Z');
    for (const table of [
      'fact_receipts',
      'fact_receipt_lines',
      'fact_store_inventory_txn',
      'fact_dc_inventory_txn',
      'fact_truck_moves',
      'fact_foot_traffic',
      'fact_ble_pings',
      'fact_marketing',
      'fact_online_order_headers',
      'fact_online_order_lines',
    ]) {
      expect(state.table_counts[table], table).toBeGreaterThan(0);
    }

    // Overlapping the generated days is refused; the next run continues from the watermark.
    expect((await post('/api/generators/historical/start', { start_date: '2024-11-28', end_date: '2024-11-30' })).status).toBe(409);
    const gap = await post('/api/generators/historical/start', { start_date: '2024-12-05', end_date: '2024-12-06' });
    expect(gap.status).toBe(400);
    expect((await readJson(gap)).detail).toContain('2024-11-30');
    const next = await readJson(await post('/api/generators/historical/start', { end_date: '2024-11-30' }));
    expect(next.message).toContain('2024-11-30 to 2024-11-30');
    expect((await waitForJob(app.url, next.status_url)).status).toBe('completed');
    const after = await readJson(await fetch(`${app.url}/api/generators/state`));
    expect(after.fact_end_date).toBe('2024-11-30');
    expect(after.fact_start_date).toBe('2024-11-27');
    expect(after.table_counts.fact_receipts).toBeGreaterThan(state.table_counts.fact_receipts);
  });

  it('previews facts from the newest date partition with their columns', async () => {
    const preview = await readJson(await fetch(`${app.url}/api/generators/tables/fact_receipts/preview?limit=10`));
    expect(preview.date_partition).toBe('2024-11-30');
    expect(preview.columns).toContain('receipt_id_ext');
    expect(preview.preview_rows.length).toBeGreaterThan(0);
    const row = preview.preview_rows[0];
    expect(row.total_cents).toBe(row.subtotal_cents - row.discount_cents + row.tax_cents);
    const summary = await readJson(await fetch(`${app.url}/api/generators/tables/fact_receipt_lines/summary`));
    expect(summary).toMatchObject({ table_type: 'fact', location: 'facts/fact_receipt_lines/' });
    expect(summary.files).toBeGreaterThanOrEqual(4);
  });
});
