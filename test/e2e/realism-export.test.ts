/**
 * The realism report and the export, checked by a second implementation: the app generates four days (Black
 * Friday week) of a small business, `npm run export`'s program copies the tree to a folder, and DuckDB reads
 * that folder with Hive partitioning. Row counts must equal the app's, lines → receipts → stores must join,
 * and the report's numbers must equal DuckDB's SQL over the same Parquet. The download route's files must be
 * the exported files.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SMALL_VOLUME_ENV, startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { readJson, type AnyJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';

const storageConnectionString = inject('storageConnectionString');
const storagePrefix = uniquePrefix('realism');
const START = '2024-11-27';
const END = '2024-11-30';
const folder = mkdtempSync(path.join(os.tmpdir(), 'realism-export-'));
let app: AppProcess;
let duck: DuckDBConnection;
let report: AnyJson;
let exportOutput = '';

const post = (route: string, body?: unknown) => fetch(`${app.url}${route}`, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const facts = (table: string) => `read_parquet('${path.join(folder, 'facts', table, '*', '*.parquet')}', hive_partitioning=1)`;
const master = (table: string) => `read_parquet('${path.join(folder, 'master', table, `${table}.parquet`)}')`;

async function scalar(sql: string): Promise<number> {
  const value = (await duck.runAndReadAll(sql)).getRows()[0]![0];
  return value === null ? NaN : Number(value);
}

async function rows(sql: string): Promise<unknown[][]> {
  return (await duck.runAndReadAll(sql)).getRows();
}

beforeAll(async () => {
  app = await startApp({ storageConnectionString, storagePrefix, env: { ...SMALL_VOLUME_ENV, RETAIL_HISTORICAL_MAX_SPAN_DAYS: '31' } });
  duck = await (await DuckDBInstance.create(':memory:')).connect();
}, 60_000);

afterAll(async () => {
  await app?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe('realism report and export', () => {
  it('refuses a report before history exists, then generates four days', async () => {
    const early = await fetch(`${app.url}/api/generators/report`);
    expect(early.status).toBe(409);
    expect((await readJson(early)).detail).toMatch(/Historical data must be generated first/);
    expect((await waitForJob(app.url, (await readJson(await post('/api/generators/master/start'))).status_url)).status).toBe('completed');
    const history = await readJson(await post('/api/generators/historical/start', { start_date: START, end_date: END }));
    expect((await waitForJob(app.url, history.status_url, 120_000)).status).toBe('completed');
  }, 150_000);

  it('validates the range: 400 for a bad or reversed one, 404 for days not generated', async () => {
    for (const [query, status, field] of [
      ['start_date=2024-11-30&end_date=2024-11-27', 400, 'end_date'],
      ['start_date=2024-02-30', 400, 'start_date'],
      ['start_date=2024-01-01&end_date=2024-12-31', 400, 'end_date'],
      ['start_date=2024-11-20&end_date=2024-11-28', 404, '2024-11-27..2024-11-30'],
      ['start_date=2024-11-27&bogus=1', 400, 'bogus'],
    ] as const) {
      const response = await fetch(`${app.url}/api/generators/report?${query}`);
      expect(response.status, query).toBe(status);
      expect((await readJson(response)).detail, query).toContain(field);
    }
  });

  it('reports the range with a benchmark and citation beside each measure', async () => {
    const response = await fetch(`${app.url}/api/generators/report?start_date=${START}&end_date=${END}`);
    expect(response.status).toBe(200);
    report = await readJson(response);
    expect(report).toMatchObject({ start_date: START, end_date: END, days: 4 });
    const sections = ['hourly', 'basket', 'tender', 'returns', 'funnel', 'stockouts', 'online', 'trucks', 'campaigns'];
    for (const section of sections) {
      expect(report[section].comparisons.length, section).toBeGreaterThan(0);
      for (const comparison of report[section].comparisons) {
        expect(Object.keys(comparison.benchmark), section).toEqual(['metric', 'value', 'unit', 'note', 'citation']);
        if (comparison.benchmark.value !== null) {
          expect(comparison.benchmark.citation.url, section).toMatch(/^https?:\/\//);
          expect(comparison.gap, section).toBeCloseTo(comparison.measured - comparison.benchmark.value, 9);
        }
      }
    }
    // The Diary's 2024 shares by number, as published (credit 35%, debit 30%, cash 14%).
    const tender = Object.fromEntries(report.tender.comparisons.map((c: AnyJson) => [c.benchmark.metric, c.benchmark.value]));
    expect(tender).toMatchObject({ tender_share_credit_card: 0.35, tender_share_debit_card: 0.3, tender_share_cash: 0.14 });
  });

  it('exports the tree with progress, and DuckDB reads it with the row counts the app reports', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/src/local/export.js', '--out', folder, '--from', START, '--to', END], {
      env: { ...process.env, AzureWebJobsStorage: storageConnectionString, RETAIL_STORAGE_PREFIX: storagePrefix },
    });
    exportOutput = stdout;
    expect(exportOutput).toMatch(/Exporting \d+ files/);
    expect(exportOutput).toMatch(/\d+\/\d+ files, [\d.]+ MB/);
    expect(exportOutput).not.toContain('AccountKey');
    const state = await readJson(await fetch(`${app.url}/api/generators/state`));
    for (const [table, count] of Object.entries(state.table_counts as Record<string, number>)) {
      const source = table.startsWith('dim_') ? master(table) : facts(table);
      expect(await scalar(`select count(*) from ${source}`), table).toBe(count);
    }
    expect(await rows(`select distinct date::varchar from ${facts('fact_receipts')} order by 1`)).toEqual([[START], ['2024-11-28'], ['2024-11-29'], [END]]);
    // Every line belongs to a receipt, and every receipt to a store.
    const lines = await scalar(`select count(*) from ${facts('fact_receipt_lines')}`);
    const joined = await scalar(
      `select count(*) from ${facts('fact_receipt_lines')} l join ${facts('fact_receipts')} r on l.receipt_id_ext = r.receipt_id_ext join ${master('dim_stores')} s on r.store_id = s.ID`,
    );
    expect(lines).toBeGreaterThan(1000);
    expect(joined).toBe(lines);
  }, 120_000);

  it('the report equals DuckDB over the exported Parquet', async () => {
    const receipts = facts('fact_receipts');
    const sales = await rows(`select count(*), sum(total_cents), sum(item_count) from ${receipts} where receipt_type = 'SALE'`);
    const [saleCount, saleCents, saleItems] = sales[0]!.map(Number) as [number, number, number];
    expect(report.basket.receipts).toBe(saleCount);
    expect(report.basket.value_dollars.mean).toBeCloseTo(Math.round(saleCents / saleCount) / 100, 2);
    expect(report.basket.items.mean).toBeCloseTo(saleItems / saleCount, 9);
    expect(report.basket.items.median).toBe(await scalar(`select quantile_disc(item_count, 0.5) from ${receipts} where receipt_type = 'SALE'`));

    const tenders = await rows(`select payment_method, count(*) from ${receipts} where receipt_type = 'SALE' group by 1`);
    expect(Object.fromEntries(Object.entries(report.tender.in_store).map(([k, v]: [string, AnyJson]) => [k, v.count]))).toEqual(
      Object.fromEntries(tenders.map(([k, n]) => [k, Number(n)])),
    );

    const returns = await rows(`select count(*), -sum(total_cents) from ${receipts} where receipt_type = 'RETURN'`);
    expect(report.returns.return_receipts).toBe(Number(returns[0]![0]));
    expect(report.returns.value_rate).toBeCloseTo(Number(returns[0]![1] ?? 0) / saleCents, 12);
    const departments = await rows(
      `select p.Department, sum(case when l.quantity > 0 then l.ext_cents else 0 end), sum(case when l.quantity < 0 then -l.ext_cents else 0 end)
       from ${facts('fact_receipt_lines')} l join ${master('dim_products')} p on l.product_id = p.ID group by 1 order by 1`,
    );
    expect(report.returns.by_department.map((d: AnyJson) => [d.department, d.sold_dollars, d.returned_dollars])).toEqual(
      departments.map(([name, sold, returned]) => [name, Number(sold) / 100, Number(returned) / 100]),
    );

    const entrants = await scalar(`select sum(count) from ${facts('fact_foot_traffic')} where zone in ('ENTRANCE_MAIN', 'ENTRANCE_SIDE')`);
    const sessions = await scalar(`select count(distinct session_id) from ${facts('fact_ble_pings')}`);
    expect(report.funnel).toMatchObject({ foot_traffic: entrants, ble_seen: sessions, buyers: saleCount });
    expect(entrants).toBeGreaterThanOrEqual(sessions);
    expect(sessions).toBeGreaterThanOrEqual(saleCount);

    // Traffic by format and hour on Black Friday (a Friday: weekday 5), through the store dimension.
    const curve = await rows(
      `select s.store_format, (extract(epoch from f.event_ts)::bigint // 3600) % 24 as hour, sum(f.count)
       from ${facts('fact_foot_traffic')} f join ${master('dim_stores')} s on f.store_id = s.ID
       where f.zone in ('ENTRANCE_MAIN', 'ENTRANCE_SIDE') and f.date = '2024-11-29' group by 1, 2`,
    );
    for (const [format, hour, count] of curve) {
      const reported = report.hourly.curves.find((c: AnyJson) => c.store_format === format && c.weekday === 5);
      expect(reported.traffic[Number(hour)], `${String(format)} ${String(hour)}h`).toBe(Number(count));
    }

    const stockouts = await scalar(
      `select count(*) from (select distinct store_id, product_id, date from ${facts('fact_store_inventory_txn')} where txn_type = 'STOCKOUT')`,
    );
    const storeDays = await scalar(`select count(*) from (select distinct store_id, date from ${facts('fact_foot_traffic')})`);
    const products = await scalar(`select count(*) from ${master('dim_products')}`);
    const sought = await scalar(
      `select count(*) from (select distinct store_id, product_id, date from ${facts('fact_store_inventory_txn')} where txn_type in ('SALE', 'STOCKOUT'))`,
    );
    expect(report.stockouts).toMatchObject({ stockout_pairs: stockouts, sought_pairs: sought, store_days: storeDays, products });
    expect(report.stockouts.rate).toBeCloseTo(stockouts / sought, 12);

    const online = await rows(`select count(*), sum(case when status <> 'CANCELLED' then total_cents else 0 end) from ${facts('fact_online_order_headers')}`);
    expect(report.online.orders).toBe(Number(online[0]![0]));
    expect(report.online.online_share).toBeCloseTo(Number(online[0]![1]) / (Number(online[0]![1]) + saleCents), 12);

    const trucks = await rows(
      `select count(*), count(*) filter (where event_ts <= eta + interval 15 minute) from ${facts('fact_truck_moves')} where status = 'ARRIVED'`,
    );
    expect([report.trucks.arrivals, report.trucks.on_time]).toEqual(trucks[0]!.map(Number));

    const campaigns = await rows(`select campaign_id, count(*), count(distinct customer_ad_id) from ${facts('fact_marketing')} group by 1 order by 1`);
    expect(report.campaigns.campaigns.map((c: AnyJson) => [c.campaign_id, c.impressions, c.reach])).toEqual(
      campaigns.map(([id, n, r]) => [id, Number(n), Number(r)]),
    );
    const lift = await rows(
      `with reached as (select distinct customer_id from ${facts('fact_marketing')} where customer_id is not null),
            bought as (select customer_id from ${receipts} where receipt_type = 'SALE' union select customer_id from ${facts('fact_online_order_headers')} where status <> 'CANCELLED'),
            everyone as (select ID as customer_id from ${master('dim_customers')})
       select count(*) filter (where r.customer_id is not null), count(*) filter (where r.customer_id is not null and b.customer_id is not null),
              count(*) filter (where r.customer_id is null and b.customer_id is not null), count(*)
       from everyone e left join reached r using (customer_id) left join bought b using (customer_id)`,
    );
    const [reached, reachedBuyers, otherBuyers, population] = lift[0]!.map(Number) as [number, number, number, number];
    expect(report.campaigns.reached_customers).toBe(reached);
    expect(report.campaigns.lift).toBeCloseTo(reachedBuyers / reached / (otherBuyers / (population - reached)), 9);
  });

  it('downloads a table-day as the exported files (one part as Parquet, all parts as a tar)', async () => {
    const day = '2024-11-28';
    const part = await fetch(`${app.url}/api/generators/download?table=fact_receipts&date=${day}&part=dc-001`);
    expect(part.status).toBe(200);
    expect(part.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(Buffer.from(await part.arrayBuffer()).equals(readFileSync(path.join(folder, 'facts', 'fact_receipts', `date=${day}`, 'dc-001.parquet')))).toBe(true);

    const tar = await fetch(`${app.url}/api/generators/download?table=fact_receipts&date=${day}`);
    expect(tar.status).toBe(200);
    expect(tar.headers.get('content-disposition')).toContain(`fact_receipts-${day}.tar`);
    const unpacked = mkdtempSync(path.join(os.tmpdir(), 'realism-tar-'));
    try {
      const archive = path.join(unpacked, 'day.tar');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(archive, Buffer.from(await tar.arrayBuffer()));
      execFileSync('tar', ['-xf', archive, '-C', unpacked]);
      const fromTar = await scalar(
        `select count(*) from read_parquet('${path.join(unpacked, 'facts', 'fact_receipts', '*', '*.parquet')}', hive_partitioning=1)`,
      );
      expect(fromTar).toBe(await scalar(`select count(*) from ${facts('fact_receipts')} where date = '${day}'`));
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }

    const stores = await fetch(`${app.url}/api/generators/download?table=dim_stores`);
    expect(Buffer.from(await stores.arrayBuffer()).equals(readFileSync(path.join(folder, 'master', 'dim_stores', 'dim_stores.parquet')))).toBe(true);
    expect((await fetch(`${app.url}/api/generators/download?table=fact_receipts&date=2024-01-01`)).status).toBe(404);
    expect((await fetch(`${app.url}/api/generators/download?table=fact_receipts`)).status).toBe(400);
    expect((await fetch(`${app.url}/api/generators/download?table=nope`)).status).toBe(404);
  });
});
