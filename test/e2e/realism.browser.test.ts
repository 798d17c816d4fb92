/**
 * The dashboard's Realism page in a real browser at the default business size (86 stores, 403,000 customers,
 * 10,000 products; one generated day, a Friday, to keep the test within a couple of minutes): the report is
 * computed from the Parquet in Azurite and every section is drawn as a chart with its benchmark and gap.
 * Screenshots go to test-output/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { launchChromium } from '../support/chromium.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { PageWatch } from '../support/page-watch.js';

const storageConnectionString = inject('storageConnectionString');
const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output/dashboard');
const DAY = '2024-03-08';
/** One chart per measure the report has: the page must draw every one. */
const CHARTS = [
  'hourly-traffic',
  'hourly-sales',
  'basket-value',
  'basket-items',
  'tender-mix',
  'returns-department',
  'returns-week',
  'funnel',
  'stockouts',
  'online',
  'trucks',
  'campaigns',
];

let browser: Browser;
let app: AppProcess;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  [browser, app] = await Promise.all([launchChromium(), startApp({ storageConnectionString, storagePrefix: uniquePrefix('real') })]);
  const post = (route: string, body?: unknown) => fetch(`${app.url}${route}`, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) });
  expect((await waitForJob(app.url, (await readJson(await post('/api/generators/master/start'))).status_url, 180_000)).status).toBe('completed');
  const history = await readJson(await post('/api/generators/historical/start', { start_date: DAY, end_date: DAY }));
  expect((await waitForJob(app.url, history.status_url, 300_000)).status).toBe('completed');
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('dashboard realism page', () => {
  it('draws every section of the report as a chart with its benchmark', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const watch = await PageWatch.attach(context, app.url);
    try {
      const page = watch.page(await context.newPage());
      await page.goto(`${app.url}/`);
      await page.click('#realism-load');
      await page.waitForSelector(`#realism-charts[data-charts="${CHARTS.length}"]`, { timeout: 120_000 });
      expect(await page.textContent('#realism-message')).toContain(`${DAY} to ${DAY} (1 days)`);
      for (const chart of CHARTS) {
        const container = page.locator(`[data-chart="${chart}"]`);
        expect(await container.locator('canvas').count(), chart).toBe(1);
        expect(Number(await container.getAttribute('data-points')), chart).toBeGreaterThan(0);
        const box = await container.boundingBox();
        expect(box!.width, chart).toBeGreaterThan(250);
      }
      // Benchmarks with a published figure name their source as a link.
      const sources = await page.locator('.realism-gaps a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
      expect(sources.length).toBeGreaterThanOrEqual(8);
      for (const href of sources) expect(href).toMatch(/^https?:\/\//);
      await page.locator('#realism-card').screenshot({ path: path.join(SCREENSHOTS, '11-realism-1280.png') });
      expect(watch.problems).toEqual([]);
    } finally {
      watch.stop();
      await context.close();
    }
  }, 180_000);
});
