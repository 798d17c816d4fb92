/**
 * Property-based fuzzing of every operation in the app's own OpenAPI document, against the real
 * app on the local host with state worth protecting: master data, a finished job, dead letters and pending
 * outbox events. For every bad request: never a 5xx; every 4xx is JSON with a string `detail`; requests built
 * to be invalid get a 4xx; and the state is the same after each operation's batch of requests as before it.
 *
 * Replay a failure with FUZZ_SEED=<the printed seed>.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BlobDatasetFiles, DATA_CONTAINER } from '../../src/adapters/blob-dataset-files.js';
import { createStorageAccount } from '../../src/adapters/storage.js';
import { TableDeadLetterQueue } from '../../src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import type { OutboxEvent } from '../../src/core/streaming/types.js';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { badRequest, operationsOf, wrongMethods, type FuzzRequest, type OpenApiDocument, type Operation } from '../support/fuzz-requests.js';
import { readJson } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { snapshotState } from '../support/state-snapshot.js';

const storageConnectionString = inject('storageConnectionString');
const storagePrefix = uniquePrefix('fuzz');
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let app: AppProcess;
let document: OpenApiDocument;
let jobId: string;

const SMALL_VOLUME = {
  RETAIL_VOLUME_STORES: '4',
  RETAIL_VOLUME_DCS: '2',
  RETAIL_VOLUME_TOTAL_GEOGRAPHIES: '4',
  RETAIL_VOLUME_TOTAL_CUSTOMERS: '200',
  RETAIL_VOLUME_TOTAL_PRODUCTS: '50',
};

function event(i: number): OutboxEvent {
  const eventType = i % 2 ? 'receipt_created' : 'ad_impression';
  return { at: i, partitionKey: `S00000${i}`, eventType, body: JSON.stringify({ event_id: `fuzz-${i}`, event_type: eventType, payload: { n: i } }) };
}

/** Dead letters and pending outbox events, written through the app's own adapters into its tables. */
async function seedStreamingState(): Promise<void> {
  const account = createStorageAccount({ AzureWebJobsStorage: storageConnectionString, RETAIL_STORAGE_PREFIX: storagePrefix });
  const files = new BlobDatasetFiles(() => account.container(DATA_CONTAINER));
  await new TableDeadLetterQueue(() => account.table('deadletters'), files).add(
    [event(1), event(2), event(3)],
    'authentication',
    'seeded by the fuzz test',
    0,
    100,
  );
  await new TableOutbox(() => account.table('outbox')).append([event(4), event(5)]);
}

interface RouteCounts {
  tried: number;
  statuses: Map<number, number>;
}
const counts = new Map<string, RouteCounts>();
const NOT_SERVED = '(methods a path does not serve)';

function record(route: string, status: number): void {
  const entry = counts.get(route) ?? { tried: 0, statuses: new Map() };
  entry.tried++;
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  counts.set(route, entry);
}

async function send(request: FuzzRequest): Promise<{ status: number; text: string; contentType: string }> {
  const search = request.query.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
  const response = await fetch(`${app.url}${request.path}${search ? `?${search}` : ''}`, {
    method: request.method,
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.contentType ? { headers: { 'content-type': request.contentType } } : {}),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** The checks every fuzzed response must pass. */
function checkResponse(request: FuzzRequest, response: { status: number; text: string; contentType: string }): void {
  const what = `${request.method} ${request.path} [${request.kind}] query=${JSON.stringify(request.query)} body=${JSON.stringify(request.body?.slice(0, 200))} -> ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBeLessThan(500);
  if (request.mustReject) expect(response.status, what).toBeGreaterThanOrEqual(400);
  if (response.status >= 400) {
    expect(response.contentType, what).toContain('application/json');
    const body = JSON.parse(response.text) as { detail?: unknown };
    expect(typeof body.detail, what).toBe('string');
    expect(String(body.detail), what).not.toMatch(/\n\s+at .*:\d+:\d+/);
  }
}

/** Runs per operation: operations with inputs get more, plain GETs fewer (they only see unknown query params). */
function runsFor(operation: Operation): number {
  if (operation.bodySchema) return 200;
  if (operation.pathParams.length > 0 || operation.queryParams.length > 0) return 120;
  return operation.method === 'GET' ? 20 : 80;
}

const snapshot = () => snapshotState({ baseUrl: app.url, jobId });

beforeAll(async () => {
  app = await startApp({ storageConnectionString, storagePrefix, env: SMALL_VOLUME });
  const started = await readJson(await fetch(`${app.url}/api/generators/master/start`, { method: 'POST' }));
  const job = await waitForJob(app.url, started.status_url, 60_000);
  expect(job.status).toBe('completed');
  jobId = job.operation_id as string;
  await seedStreamingState();
  // An active disruption, so a clear-all or cancel that wrongly went through would show.
  const disruption = await fetch(`${app.url}/api/disruption/create`, {
    method: 'POST',
    body: JSON.stringify({ disruption_type: 'dc_outage', target_id: 1, severity: 0.5, duration_minutes: 120 }),
  });
  expect(disruption.status).toBe(201);
  document = (await readJson(await fetch(`${app.url}/api/openapi.json`))) as OpenApiDocument;
}, 120_000);

afterAll(async () => {
  await app?.stop();
});

describe('fuzzing every route of the OpenAPI document', () => {
  it('never answers 5xx, always explains a 4xx in `detail`, and leaves the state as it was', async () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);
    const initial = await snapshot();
    // The state is worth protecting: a request that wrongly went through would show.
    expect((initial['/api/stream/dlq/summary'] as { total: number }).total).toBe(3);
    expect((initial['/api/stream/outbox/status'] as { pending_events: number }).pending_events).toBe(2);
    expect((initial['/api/generators/state'] as { has_master_data: boolean }).has_master_data).toBe(true);
    expect((initial['/api/disruption/list'] as { count: number }).count).toBe(1);

    const started = Date.now();
    for (const [index, operation] of operations.entries()) {
      const route = `${operation.method} ${operation.path}`;
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(badRequest(operation, document), async (request) => {
          const response = await send(request);
          record(route, response.status);
          checkResponse(request, response);
        }),
        { numRuns: runsFor(operation), seed: seed + index, endOnFailure: true },
      );
      expect(await snapshot(), `state changed by bad requests to ${route}`).toEqual(before);
    }
    for (const { method, path } of wrongMethods(document)) {
      const request: FuzzRequest = { method, path, query: [], kind: 'wrong-method', mustReject: true, ...(method === 'GET' ? {} : { body: '{"x":1}' }) };
      const response = await send(request);
      record(NOT_SERVED, response.status);
      checkResponse(request, response);
    }
    expect(await snapshot()).toEqual(initial);

    const rows = [...counts].map(([route, c]) => ({
      route,
      tried: c.tried,
      statuses: [...c.statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
    }));
    const total = rows.reduce((sum, row) => sum + row.tried, 0);
    const serverErrors = [...counts.values()].reduce((sum, c) => sum + [...c.statuses].filter(([s]) => s >= 500).reduce((n, [, k]) => n + k, 0), 0);
    console.log(
      [
        `fuzz (seed ${seed}): ${operations.length} operations, ${total} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, 5xx seen = ${serverErrors}`,
        ...rows.map((row) => `  ${row.route.padEnd(48)} ${String(row.tried).padStart(4)}  ${row.statuses}`),
      ].join('\n'),
    );
    expect(serverErrors).toBe(0);
    expect(total).toBeGreaterThan(3_000);
  }, 240_000);
});

describe('bad bodies a hardening review named', () => {
  const send = (method: string, path: string, body?: string) => fetch(`${app.url}${path}`, { method, ...(body === undefined ? {} : { body }) });

  async function expectRejected(response: Response, status: number, field: string, label: string): Promise<string> {
    expect(response.status, label).toBe(status);
    const error = await readJson(response);
    expect(typeof error.detail, label).toBe('string');
    expect(error.detail, label).toContain(field);
    return error.detail as string;
  }

  it('POST /api/stream/start: `{`, `[]`, a negative burst, a string interval, an unknown event type (and never 429 for them)', async () => {
    const before = await snapshot();
    const cases: [string, string][] = [
      ['{', 'body: malformed JSON'],
      ['[]', 'body'],
      ['null', 'body'],
      [JSON.stringify({ burst: -5 }), 'burst'],
      [JSON.stringify({ burst: 0.5 }), 'burst'],
      [JSON.stringify({ emit_interval_ms: 'fast' }), 'emit_interval_ms'],
      [JSON.stringify({ emit_interval_ms: '500' }), 'emit_interval_ms'],
      [JSON.stringify({ event_types: ['receipt_created', 'not_an_event'] }), 'event_types'],
      [JSON.stringify({ event_types: [] }), 'event_types'],
      [JSON.stringify({ burst: 10, surprise: true }), 'surprise'],
    ];
    // Twelve in a row: invalid starts are refused before the rate limit (5 a minute) counts them.
    for (const [body, field] of [...cases, ...cases.slice(0, 2)]) await expectRejected(await send('POST', '/api/stream/start', body), 400, field, body);
    expect(await snapshot()).toEqual(before);
  });

  it('PUT /api/stream/config: malformed, wrong-typed, out-of-range and unknown fields change nothing', async () => {
    const before = await snapshot();
    const cases: [string, string][] = [
      ['{', 'body: malformed JSON'],
      ['[]', 'body'],
      ['"realtime"', 'body'],
      [JSON.stringify({ realtime: { burst: -1, emit_interval_ms: 1000 } }), 'realtime.burst'],
      [JSON.stringify({ realtime: { emit_interval_ms: '1000' } }), 'realtime.emit_interval_ms'],
      ['{"realtime":{"backoff_multiplier":1e309}}', 'realtime.backoff_multiplier'], // parses to Infinity
      [JSON.stringify({ seed: 2 ** 32 }), 'seed'],
      [JSON.stringify({ stream: { hub: '../other-hub' } }), 'stream.hub'],
      [JSON.stringify({ realtime: 'fast' }), 'realtime'],
      [JSON.stringify({ realtime: { burst: 10 }, nonsense: 1 }), 'nonsense'],
      [JSON.stringify({ realtime: { keyvault_url: 'javascript:alert(1)' } }), 'realtime.keyvault_url'],
    ];
    for (const [body, field] of cases) await expectRejected(await send('PUT', '/api/stream/config', body), 400, field, body);
    await expectRejected(await send('PUT', '/api/stream/config', JSON.stringify({ stream: { hub: 'x'.repeat(70_000) } })), 413, 'body', 'oversize');
    expect(await snapshot()).toEqual(before);
  });

  it('a route that takes no body refuses one (DELETE /api/stream/dlq with ids must not delete everything), but accepts `{}`', async () => {
    const before = await snapshot();
    await expectRejected(await send('DELETE', '/api/stream/dlq', JSON.stringify({ ids: ['fuzz-1'] })), 400, 'body: this endpoint takes no request body', 'ids');
    await expectRejected(await send('POST', '/api/stream/stop', 'stop'), 400, 'body: malformed JSON', 'text');
    await expectRejected(await send('DELETE', '/api/stream/outbox/clear', '[]'), 400, 'body', '[]');
    expect(await snapshot()).toEqual(before);
    // `{}` and an empty body mean "no body": the request is served (409 here: nothing is streaming).
    expect((await send('POST', '/api/stream/stop', '{}')).status).toBe(409);
    expect((await send('POST', '/api/stream/stop', ' ')).status).toBe(409);
  });

  it('a malformed body is reported by position, never quoted back (it may be a pasted secret)', async () => {
    const pasted = '{"realtime": {"azure_connection_string": Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=QUOTEDBACK0123456789abcdef=}}';
    const detail = await expectRejected(await send('PUT', '/api/stream/config', pasted), 400, 'body: malformed JSON', 'pasted');
    expect(detail).not.toMatch(/Endpoint|QUOTED|SharedAccess/);
  });
});
