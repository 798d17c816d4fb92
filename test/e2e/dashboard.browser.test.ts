/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the app as users run it:
 * generate master data and a day of history with the buttons and watch the progress reach 100%, stream and
 * watch the graph and the recent events move, pause, resume and stop, provoke a settings validation error,
 * re-attach to a job after a reload and cancel it, delete all data behind its confirmation, fit a phone
 * screen, ask for a function key, and create and cancel disruptions through their panel.
 *
 * Every page is watched: a console error, a page error, a failed request, an HTTP error the test did not
 * announce, or a request outside the app fails the test. Screenshots go to test-output/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SMALL_VOLUME_ENV, startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { launchChromium } from '../support/chromium.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { PageWatch } from '../support/page-watch.js';

const storageConnectionString = inject('storageConnectionString');
const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output/dashboard');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let browser: Browser;
let app: AppProcess;
let context: BrowserContext | undefined;
let watch: PageWatch | undefined;

const shot = (name: string) => path.join(SCREENSHOTS, name);
const poll = <T>(read: () => Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 200 });
const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();
const attribute = async (page: Page, selector: string, name: string) => (await page.getAttribute(selector, name)) ?? '';

async function openPage(
  options: {
    viewport?: { width: number; height: number };
    mobile?: boolean;
    before?: (watch: PageWatch, context: BrowserContext) => Promise<void> | void;
  } = {},
): Promise<Page> {
  context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    ...(options.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  watch = await PageWatch.attach(context, app.url);
  await options.before?.(watch, context);
  const page = watch.page(await context.newPage());
  await page.goto(`${app.url}/`);
  return page;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Installing Chromium on a clean CI machine can take a few minutes; everything else is quick.
  [browser, app] = await Promise.all([launchChromium(), startApp({ storageConnectionString, storagePrefix: uniquePrefix('dash'), env: SMALL_VOLUME_ENV })]);
}, 600_000);

afterEach(async () => {
  const problems = watch?.problems ?? [];
  watch?.stop();
  await context?.close();
  context = undefined;
  watch = undefined;
  // A server error is explained by the app's log; show its error lines with the problem.
  const serverErrors = problems.some((p) => /HTTP 5\d\d/.test(p))
    ? app
        .output()
        .split('\n')
        .filter((line) => / error /i.test(line))
        .slice(-10)
    : [];
  expect({ problems, serverErrors }, 'console errors, failed requests or outside requests').toEqual({ problems: [], serverErrors: [] });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the dashboard in Chromium', () => {
  it('generates data with progress to 100%, streams with a moving graph and events, stops, and shows a settings error by its field', async () => {
    const page = await openPage();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await poll(() => text(page, '#stream-state')).toBe('stopped');
    await poll(() => text(page, '#state-master')).toBe('not generated');
    await poll(() => page.locator('#table-tiles .tile').count()).toBe(16);
    await poll(() => text(page, '#disruption-list')).toContain('No active disruptions');
    await page.screenshot({ path: shot('01-empty-1280x800.png') });

    // Master data through the button: the bar ends at 100% and the tiles show the rows.
    await page.click('#generate-master');
    await poll(() => text(page, '#job-title')).toBe('Master data job');
    await poll(() => attribute(page, '#job-progress', 'aria-valuenow'), 60_000).toBe('100');
    expect(await text(page, '#job-status')).toBe('completed');
    expect(await text(page, '#job-progress .progress-text')).toBe('100%');
    expect(await page.locator('#job-tables tr').count()).toBe(6);
    await poll(() => text(page, '[data-table="dim_stores"] .tile-count')).toBe('10');
    await poll(() => text(page, '#generate-master')).toBe('Regenerate master data…');

    // One day of history through the form.
    await page.fill('#history-form [name="start_date"]', '2024-06-12');
    await page.fill('#history-form [name="end_date"]', '2024-06-12');
    await poll(() => page.isEnabled('#generate-history')).toBe(true);
    await page.click('#generate-history');
    await poll(() => text(page, '#job-title')).toBe('Historical data job');
    await poll(() => attribute(page, '#job-progress', 'aria-valuenow'), 60_000).toBe('100');
    expect(await text(page, '#job-message')).toContain('2024-06-12');
    expect(await page.locator('#job-tables tr').count()).toBe(10);
    await poll(() => text(page, '#state-history')).toBe('2024-06-12 to 2024-06-12');
    await poll(() => text(page, '[data-table="fact_receipts"] .tile-count')).not.toBe('0');
    await page.screenshot({ path: shot('02-generated-1280x800.png'), fullPage: true });

    // A tile opens a preview of its rows.
    await page.click('[data-table="dim_stores"]');
    await page.locator('#preview-dialog').waitFor({ state: 'visible' });
    await poll(() => page.locator('#preview-table tbody tr').count()).toBe(10);
    expect(await text(page, '#preview-table thead')).toContain('StoreNumber');
    await page.click('#preview-close');
    await page.locator('#preview-dialog').waitFor({ state: 'hidden' });

    // Streaming with a duration and a rate: the graph gains samples above zero, the recent events change.
    await page.fill('#stream-form [name="duration_minutes"]', '5');
    await page.fill('#stream-form [name="emit_interval_ms"]', '100');
    await page.fill('#stream-form [name="burst"]', '50');
    await page.click('#stream-start');
    await poll(() => text(page, '#stream-state')).toBe('running');
    expect(await text(page, '#stream-message')).toContain('Streaming');
    expect(await text(page, '#stream-ends')).not.toBe('–');
    await poll(async () => Number(await attribute(page, '#eps-chart', 'data-max')), 30_000).toBeGreaterThan(0);
    const samples = Number(await attribute(page, '#eps-chart', 'data-points'));
    await poll(async () => Number(await attribute(page, '#eps-chart', 'data-points'))).toBeGreaterThanOrEqual(samples + 2);
    await poll(() => page.locator('#recent-events li[data-event-id]').count(), 30_000).toBe(100);
    const newest = await attribute(page, '#recent-events', 'data-first');
    await poll(() => attribute(page, '#recent-events', 'data-first'), 30_000).not.toBe(newest);
    await poll(() => page.locator('#event-types .bar-row').count()).toBeGreaterThanOrEqual(5);
    expect(Number((await text(page, '#stream-sent')).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await text(page, '#breaker-state')).toBe('breaker closed');

    // A payload expands, and stays open while the list refreshes.
    const firstEvent = page.locator('#recent-events li[data-event-id]').first();
    const openedId = await firstEvent.getAttribute('data-event-id');
    await firstEvent.locator('summary').click();
    await poll(() => page.locator(`#recent-events li[data-event-id="${openedId}"] pre`).isVisible()).toBe(true);
    expect(await text(page, `#recent-events li[data-event-id="${openedId}"] pre`)).toContain('"payload"');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: shot('03-streaming-1280x800.png') });

    await page.click('#stream-pause');
    await poll(() => text(page, '#stream-state')).toBe('paused');
    await page.click('#stream-resume');
    await poll(() => text(page, '#stream-state')).toBe('running');
    await page.click('#stream-stop');
    await poll(() => text(page, '#stream-state')).toBe('stopped');
    expect(await page.isEnabled('#stream-start')).toBe(true);
    await page.screenshot({ path: shot('04-stopped-full-1280.png'), fullPage: true });

    // The live clock at speed 60 with late events: simulated and wall time side by side, the simulated one
    // running sixty times as fast.
    await page.selectOption('#stream-form [name="time_mode"]', 'live');
    await page.fill('#stream-form [name="speed"]', '60');
    await page.fill('#stream-form [name="late_event_ratio"]', '0.1');
    await page.fill('#stream-form [name="max_lateness_seconds"]', '120');
    await page.click('#stream-start');
    await poll(() => text(page, '#stream-state')).toBe('running');
    await poll(() => text(page, '#stream-clock')).toBe('live × 60');
    const utc = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC$/;
    await poll(() => text(page, '#stream-simulated')).toMatch(utc);
    const reading = async () => {
      const [simulated, wall] = [await text(page, '#stream-simulated'), await text(page, '#stream-wall')];
      const at = (shown: string) => Date.parse(shown.replace(utc, '$1T$2Z'));
      return { simulated: at(simulated), wall: at(wall) };
    };
    const first = await reading();
    await poll(async () => (await reading()).wall - first.wall, 15_000).toBeGreaterThanOrEqual(4000);
    const second = await reading();
    const pace = (second.simulated - first.simulated) / (second.wall - first.wall);
    // Displayed to the second, read a second or so apart at worst: sixty, give or take a fifth.
    expect(pace).toBeGreaterThan(45);
    expect(pace).toBeLessThan(75);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: shot('03b-live-1280x800.png') });
    const status = await readJson(await fetch(`${app.url}/api/stream/status`));
    expect(status).toMatchObject({ time_mode: 'live', speed: 60, late_event_ratio: 0.1 });
    await page.click('#stream-stop');
    await poll(() => text(page, '#stream-state')).toBe('stopped');

    // A value the server refuses: its reason appears by the field, and nothing is saved.
    await page.locator('#settings-card').scrollIntoViewIfNeeded();
    await poll(() => page.inputValue('[name="realtime.burst"]')).not.toBe('');
    await page.fill('[name="realtime.burst"]', '0');
    await watch!.expectHttpError({ status: 400, method: 'PUT', path: /^\/api\/stream\/config$/ }, async () => {
      await page.click('#settings-save');
      await poll(() => text(page, '[data-field="realtime.burst"]')).toContain('>=1');
    });
    expect(await page.isVisible('[data-field="realtime.burst"]')).toBe(true);
    expect(await attribute(page, '[name="realtime.burst"]', 'aria-invalid')).toBe('true');
    expect(await text(page, '#settings-message')).toContain('Not saved');
    await page.locator('[name="realtime.burst"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('05-settings-error-1280x800.png') });
    expect((await readJson(await fetch(`${app.url}/api/stream/config`))).realtime.burst).toBe(100);

    // A valid value is saved and the error goes away.
    await page.fill('[name="realtime.burst"]', '150');
    await page.click('#settings-save');
    await poll(() => text(page, '#settings-message')).toBe('Saved 1 setting');
    expect(await page.isVisible('[data-field="realtime.burst"]')).toBe(false);
    expect((await readJson(await fetch(`${app.url}/api/stream/config`))).realtime.burst).toBe(150);

    await page.click('#connection-test');
    await poll(() => text(page, '#connection-result')).toContain('Connection test successful');
  }, 120_000);

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await openPage({ viewport: PHONE, mobile: true });
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await poll(() => text(page, '[data-table="fact_receipts"] .tile-count')).not.toBe('0');
    await poll(() => page.locator('#recent-events li[data-event-id]').count()).toBeGreaterThan(0);
    await poll(() => page.locator('#settings-sections input').count()).toBeGreaterThan(10);
    // Evaluated in the page (the test's TypeScript has no DOM types, hence a string).
    const overflow = await page.evaluate(`({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      cards: [...document.querySelectorAll('.card')].filter((card) => card.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((card) => card.id),
    })`);
    expect(overflow).toEqual({ page: 0, cards: [] });
    await page.screenshot({ path: shot('06-phone-390.png') });
    await page.screenshot({ path: shot('07-phone-390-full.png'), fullPage: true });
  }, 60_000);

  it('re-attaches to a job that is running when the page loads, cancels it, and deletes all data behind a typed confirmation', async () => {
    const page = await openPage();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    // Started elsewhere (not from this page): 60 days keep the job busy long enough to find and cancel it.
    const started = await fetch(`${app.url}/api/generators/historical/start`, {
      method: 'POST',
      body: JSON.stringify({ start_date: '2024-06-13', end_date: '2024-08-11' }),
    });
    expect(started.status).toBe(202);
    const { operation_id: operationId } = await readJson(started);
    await watch!.navigation(() => page.reload());
    await poll(() => attribute(page, '#job-card', 'data-operation-id')).toBe(operationId);
    expect(['pending', 'running']).toContain(await text(page, '#job-status'));
    expect(await text(page, '#job-title')).toBe('Historical data job');
    expect(await page.isDisabled('#generate-master')).toBe(true);
    await page.click('#job-cancel');
    await poll(() => text(page, '#job-status'), 60_000).toBe('cancelled');
    expect(Number(await attribute(page, '#job-progress', 'aria-valuenow'))).toBeLessThan(100);
    await poll(() => page.isEnabled('#generate-master')).toBe(true);

    await page.click('#delete-all');
    await page.locator('#confirm-dialog').waitFor({ state: 'visible' });
    expect(await page.isDisabled('#confirm-ok')).toBe(true);
    await page.fill('#confirm-typed', 'DELETE');
    await page.click('#confirm-ok');
    await poll(() => text(page, '#delete-message')).toContain('Deleted');
    await poll(() => text(page, '#state-master')).toBe('not generated');
    await poll(() => text(page, '[data-table="dim_customers"] .tile-count')).toBe('0');
    expect((await readJson(await fetch(`${app.url}/api/generators/state`))).has_master_data).toBe(false);
  }, 90_000);

  it('shows a visible error in each panel whose endpoint fails, and recovers when it answers again', async () => {
    const failing: Record<string, { status: number; detail: string }> = {
      '/api/stream/statistics': { status: 500, detail: 'Internal error (invocation test); see the app logs' },
      '/api/generators/tables': { status: 503, detail: 'Storage or another dependency is unavailable; retry shortly' },
      '/api/stream/outbox/status': { status: 500, detail: 'Internal error (invocation test); see the app logs' },
      '/health': { status: 503, detail: 'Service unavailable' },
    };
    let broken = true;
    const page = await openPage({
      before: async (w, ctx) => {
        for (const [pathname, { status }] of Object.entries(failing)) w.allowHttpError({ status, path: new RegExp(`^${pathname}$`) });
        await ctx.route(
          (url) => broken && url.pathname in failing,
          (route) =>
            route.fulfill({
              status: failing[new URL(route.request().url()).pathname]!.status,
              json: { detail: failing[new URL(route.request().url()).pathname]!.detail },
            }),
        );
      },
    });
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await poll(() => text(page, '[data-error="statistics"]')).toContain('Internal error');
    expect(await text(page, '[data-error="statistics"]')).toContain('HTTP 500');
    await poll(() => text(page, '[data-error="tables"]')).toContain('Storage or another dependency is unavailable');
    await poll(() => text(page, '[data-error="outbox"]')).toContain('HTTP 500');
    await poll(() => page.isVisible('#global-error')).toBe(true);
    expect(await text(page, '#global-error')).toContain('not answering');
    // The panels whose endpoints work still show their data.
    await poll(() => text(page, '#stream-state')).toBe('stopped');
    await page.screenshot({ path: shot('08-failing-endpoints-1280x800.png') });

    broken = false;
    await poll(() => page.isVisible('[data-error="tables"]'), 20_000).toBe(false);
    await poll(() => page.isVisible('[data-error="statistics"]')).toBe(false);
    await poll(() => page.isVisible('#global-error')).toBe(false);
    await poll(() => page.locator('#table-tiles .tile').count()).toBe(16);
  }, 60_000);

  it('drives the disruption panel against the real API: create, field errors, unknown target, cancel, clear all', async () => {
    // Targets are checked against master data (the previous test deleted it): make it again, quickly, over the API.
    const master = await readJson(await fetch(`${app.url}/api/generators/master/start`, { method: 'POST', body: JSON.stringify({ force: true }) }));
    expect((await waitForJob(app.url, master.status_url)).status).toBe('completed');
    const page = await openPage({
      before: (w) => {
        w.allowHttpError({ status: 400, method: 'POST', path: /^\/api\/disruption\/create$/ });
        w.allowHttpError({ status: 404, method: 'POST', path: /^\/api\/disruption\/create$/ });
      },
    });
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await poll(() => text(page, '#disruption-list')).toContain('No active disruptions');
    expect(await page.isVisible('#disruptions-unavailable')).toBe(false);

    const form = '#disruption-form';
    await page.selectOption(`${form} [name="disruption_type"]`, 'inventory_shortage');
    expect(await text(page, '#disruption-target-label')).toBe('Store id');
    await page.fill(`${form} [name="target_id"]`, '3');
    await page.fill(`${form} [name="severity"]`, '1.5');
    await page.fill(`${form} [name="product_ids"]`, '12, 40');
    await page.click('#disruption-create');
    await poll(() => text(page, `${form} [data-field="severity"]`)).toContain('1');
    expect(await attribute(page, `${form} [name="severity"]`, 'aria-invalid')).toBe('true');

    await page.fill(`${form} [name="severity"]`, '0.5');
    await page.fill(`${form} [name="target_id"]`, '999');
    await page.click('#disruption-create');
    await poll(() => text(page, '#disruption-message')).toContain('no store 999');

    await page.fill(`${form} [name="target_id"]`, '3');
    await page.click('#disruption-create');
    await poll(() => page.locator('#disruption-list li[data-disruption-id]').count()).toBe(1);
    expect(await page.isVisible(`${form} [data-field="severity"]`)).toBe(false);
    await page.selectOption(`${form} [name="disruption_type"]`, 'dc_outage');
    await page.fill(`${form} [name="target_id"]`, '2');
    await page.fill(`${form} [name="product_ids"]`, '');
    await page.click('#disruption-create');
    await poll(() => page.locator('#disruption-list li[data-disruption-id]').count()).toBe(2);
    const listed = await readJson(await fetch(`${app.url}/api/disruption/list`));
    expect(
      listed.disruptions.map((d: { disruption_type: string; target_id: number; product_ids: number[] }) => [d.disruption_type, d.target_id, d.product_ids]),
    ).toEqual([
      ['inventory_shortage', 3, [12, 40]],
      ['dc_outage', 2, []],
    ]);
    await page.locator('#disruptions-card').screenshot({ path: shot('09-disruptions.png') });

    await page.click(`#disruption-list li[data-disruption-id="${listed.disruptions[0].id}"] button`);
    await poll(() => page.locator('#disruption-list li[data-disruption-id]').count()).toBe(1);
    await page.click('#disruption-clear-all');
    await poll(() => text(page, '#disruption-list')).toContain('No active disruptions');
    expect((await readJson(await fetch(`${app.url}/api/disruption/list`))).count).toBe(0);
  }, 90_000);
});

describe('the dashboard with a function key', () => {
  const KEY = 'browser-test-function-key';
  let keyed: AppProcess;
  beforeAll(async () => {
    keyed = await startApp({ storageConnectionString, storagePrefix: uniquePrefix('dkey'), env: { LOCAL_FUNCTION_KEY: KEY } });
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  it('asks for the key once, says when it is wrong, and keeps it for the session', async () => {
    context = await browser.newContext({ viewport: DESKTOP });
    watch = await PageWatch.attach(context, keyed.url);
    const page = watch.page(await context.newPage());
    // Until the right key is in, 401s are the expected answer.
    const unauthorized = { status: 401, path: /^\/api\// };
    await watch.expectHttpError(unauthorized, async () => {
      await page.goto(`${keyed.url}/`);
      await page.locator('#key-panel').waitFor({ state: 'visible' });
      expect(await page.isHidden('#dashboard')).toBe(true);
      await page.screenshot({ path: shot('10-function-key.png') });
      await page.fill('#key-input', 'wrong-key');
      await page.click('#key-form button');
      await poll(() => text(page, '#key-error')).toContain('did not accept');
      await page.fill('#key-input', KEY);
      await page.click('#key-form button');
      await page.locator('#dashboard').waitFor({ state: 'visible' });
    });
    await poll(() => text(page, '#connection-hub')).toBe('retail-events');
    await poll(() => text(page, '#stream-state')).toBe('stopped');
    expect(await page.evaluate(`sessionStorage.getItem('retail-datagen.functionKey')`)).toBe(KEY);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(page.url()).not.toContain(KEY);

    // Reloaded, the page uses the kept key without asking again.
    await watch.navigation(() => page.reload());
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await poll(() => text(page, '#connection-hub')).toBe('retail-events');
    expect(await page.isHidden('#key-panel')).toBe(true);
  }, 60_000);
});
