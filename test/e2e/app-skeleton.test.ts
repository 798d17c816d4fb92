/**
 * The real app over HTTP, started as a user starts it: health, configuration (masking, validation,
 * persistence across a restart), function keys, the OpenAPI document and the pages.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { registeredHttpRoutes, registeredRoutes } from '../support/registered-routes.js';
import { readJson } from '../support/http.js';

const storageConnectionString = inject('storageConnectionString');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLANTED_KEY = 'PlantedKey0123456789abcdefghijklmnopqrstuvwxyzAB=';
const PLANTED = `Endpoint=sb://planted-ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${PLANTED_KEY};EntityPath=planted-hub`;

describe('the app on the local host', () => {
  const storagePrefix = uniquePrefix('skel');
  let app: AppProcess;

  beforeAll(async () => {
    app = await startApp({ storageConnectionString, storagePrefix });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('answers GET /health with status and version (and, with no CORS origins configured, no CORS headers)', async () => {
    const response = await fetch(`${app.url}/health`, { headers: { origin: 'https://elsewhere.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const body = await readJson(response);
    expect(body).toMatchObject({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('returns the defaults with the connection source and the Blob sink when no hub is configured', async () => {
    const config = await readJson(await fetch(`${app.url}/api/stream/config`));
    expect(config.seed).toBe(42);
    expect(config.realtime).toMatchObject({ emit_interval_ms: 500, burst: 100, max_batch_size: 256, enable_dead_letter_queue: true });
    expect(config.stream.hub).toBe('retail-events');
    expect(config.connection).toMatchObject({ source: 'none', sink: 'blob', connection_string: null });
  });

  it('rejects a bad PUT with 400 naming every field and reason, and changes nothing', async () => {
    const before = await (await fetch(`${app.url}/api/stream/config`)).text();
    const cases: [string, string][] = [
      [JSON.stringify({ realtime: { burst: -5 } }), 'realtime.burst'],
      [JSON.stringify({ realtime: { emit_interval_ms: 'fast' } }), 'realtime.emit_interval_ms'],
      [JSON.stringify({ realtime: { burst: 10, unknown_setting: 1 } }), 'realtime.unknown_setting'],
      [JSON.stringify({ realtime: { azure_connection_string: 'not a connection string' } }), 'realtime.azure_connection_string'],
      ['{"realtime": {', 'body'],
      ['[]', 'body'],
    ];
    for (const [body, field] of cases) {
      const response = await fetch(`${app.url}/api/stream/config`, { method: 'PUT', body });
      expect(response.status, body).toBe(400);
      const error = await readJson(response);
      expect(error.detail, body).toContain(field);
      expect(error.detail).not.toMatch(/at .*\.js:\d+/);
    }
    expect(await (await fetch(`${app.url}/api/stream/config`)).text()).toBe(before);
  });

  it('never returns a planted connection string or its key, and treats the echoed mask as unchanged', async () => {
    const put = await fetch(`${app.url}/api/stream/config`, {
      method: 'PUT',
      body: JSON.stringify({ realtime: { azure_connection_string: PLANTED, burst: 250 } }),
    });
    const putText = await put.text();
    expect(put.status).toBe(200);
    expect(putText).not.toContain(PLANTED_KEY);
    const view = await readJson(await fetch(`${app.url}/api/stream/config`));
    expect(JSON.stringify(view)).not.toContain(PLANTED_KEY);
    expect(view.realtime.azure_connection_string).toBe(
      'Endpoint=sb://planted-ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***;EntityPath=planted-hub',
    );
    expect(view.connection).toMatchObject({
      source: 'runtime_config',
      hub: 'planted-hub',
      sink: 'eventhubs',
      fully_qualified_namespace: 'planted-ns.servicebus.windows.net',
    });

    // A client that PUTs back what it was given must not replace the secret with the mask.
    const echoed = await fetch(`${app.url}/api/stream/config`, { method: 'PUT', body: JSON.stringify({ realtime: view.realtime }) });
    expect(echoed.status).toBe(200);
    expect((await readJson(await fetch(`${app.url}/api/stream/config`))).realtime.azure_connection_string).toBe(view.realtime.azure_connection_string);
    expect(app.output()).not.toContain(PLANTED_KEY);
  });

  it('persists runtime overrides across a restart of the host', async () => {
    await fetch(`${app.url}/api/stream/config`, {
      method: 'PUT',
      body: JSON.stringify({ realtime: { emit_interval_ms: 1234 }, stream: { hub: 'persisted-hub' }, historical: { start_date: '2024-01-01' } }),
    });
    const exitCode = await app.stop('SIGTERM');
    expect(exitCode).toBe(0);
    expect(app.output()).toContain('Stopped.');
    app = await startApp({ storageConnectionString, storagePrefix });
    const config = await readJson(await fetch(`${app.url}/api/stream/config`));
    expect(config.realtime.emit_interval_ms).toBe(1234);
    expect(config.realtime.burst).toBe(250);
    expect(config.historical.start_date).toBe('2024-01-01');
    // The hub shown is the one events go to: the planted connection string's EntityPath wins over stream.hub.
    expect(config.stream.hub).toBe('planted-hub');
    expect(config.realtime.azure_connection_string).toContain('SharedAccessKey=***');
  });

  it('clears an optional setting with null', async () => {
    const response = await fetch(`${app.url}/api/stream/config`, { method: 'PUT', body: JSON.stringify({ realtime: { azure_connection_string: null } }) });
    expect(response.status).toBe(200);
    const view = await readJson(response);
    expect(view.connection.source).toBe('none');
    // Without a connection string naming its hub, the persisted stream.hub is the one events go to.
    expect(view.stream.hub).toBe('persisted-hub');
  });

  it('lists every registered HTTP route in the OpenAPI document', async () => {
    const document = await readJson(await fetch(`${app.url}/api/openapi.json`));
    expect(document.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [route, operations] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${route}`);
    }
    const registered = await registeredRoutes();
    expect(registered.length).toBeGreaterThan(5);
    for (const route of registered) expect(documented, route).toContain(route);
    expect(document.paths['/api/stream/config'].put.requestBody.content['application/json'].schema).toBeDefined();
    // A job as shown: per-day progress, not the stored counters it is derived from (presentJob leaves them out).
    const job = Object.keys(document.components.schemas.GenerationJob.properties as object);
    expect(job).toContain('days');
    expect(job).not.toContain('region_days_done');
    expect(job).not.toContain('marketing_days_done');
  });

  it('serves the dashboard and an offline docs page that load nothing from outside the app', async () => {
    for (const page of ['/', '/api/docs']) {
      const response = await fetch(`${app.url}${page}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      const html = await response.text();
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      for (const [, asset] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
        expect((await fetch(`${app.url}${asset}`)).status, asset).toBe(200);
      }
    }
    expect((await fetch(`${app.url}/not-a-page`)).status).toBe(404);
  });

  it('serves every dashboard module and the chart library from an allow-list, with a same-origin content policy', async () => {
    const page = await fetch(`${app.url}/`);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    // Modules are imported by main.js, not named in the HTML: every file in src/web/js must be served.
    for (const file of await readdir(path.join(root, 'src/web/js'))) {
      const response = await fetch(`${app.url}/js/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toContain('text/javascript');
    }
    const chart = await fetch(`${app.url}/vendor/uPlot.iife.min.js`);
    expect(chart.status).toBe(200);
    expect(await chart.text()).toContain('uPlot');
    for (const outside of [
      '/vendor/..%2fpackage.json',
      '/js/..%2f..%2f..%2fpackage.json',
      '/node_modules/uplot/package.json',
      '/vendor/uPlot.cjs.js',
      '/docs.html',
    ]) {
      expect((await fetch(`${app.url}${outside}`)).status, outside).toBe(404);
    }
  });
});

describe('the app with a function key', () => {
  let app: AppProcess;
  const KEY = 'e2e-function-key';
  beforeAll(async () => {
    app = await startApp({
      storageConnectionString,
      storagePrefix: uniquePrefix('key'),
      env: { LOCAL_FUNCTION_KEY: KEY, LOCAL_CORS_ORIGINS: 'https://dashboard.example' },
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('requires the key on API routes but not on /health or the dashboard shell', async () => {
    expect((await fetch(`${app.url}/api/stream/config`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/stream/config`, { headers: { 'x-functions-key': KEY } })).status).toBe(200);
    expect((await fetch(`${app.url}/api/stream/config?code=${KEY}`)).status).toBe(200);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    expect(app.output()).not.toContain(KEY);
  });

  it('answers CORS preflights without a key for the allowed origin only, and lets that origin read every answer', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/api/stream/config`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-functions-key, content-type' },
      });
    const allowed = await preflight('https://dashboard.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET, PUT');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('x-functions-key, content-type');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(405);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The key is still required on the request itself; the 401 is readable by the allowed origin's script.
    const unauthorized = await fetch(`${app.url}/api/stream/config`, { headers: { origin: 'https://dashboard.example' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    const served = await fetch(`${app.url}/api/stream/config`, { headers: { origin: 'https://dashboard.example', 'x-functions-key': KEY } });
    expect(served.status).toBe(200);
    expect(served.headers.get('access-control-allow-origin')).toBe('https://dashboard.example');
    expect(served.headers.get('access-control-allow-credentials')).toBeNull();
    expect(
      (await fetch(`${app.url}/api/stream/config`, { headers: { origin: 'https://evil.example', 'x-functions-key': KEY } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it("gives every HTTP route authLevel 'function' except the two probes, the dashboard shell and the docs page, and enforces it", async () => {
    const routes = await registeredHttpRoutes();
    const anonymous = routes
      .filter((r) => r.authLevel === 'anonymous')
      .map((r) => r.route)
      .sort();
    expect(anonymous).toEqual(['GET /health', 'GET /api/stream/health', 'GET /api/docs', 'GET /api/docs/assets/{file}', 'GET /{path}'].sort());
    // Nothing that changes state is anonymous, whatever is added later.
    expect(anonymous.filter((r) => !r.startsWith('GET '))).toEqual([]);
    expect(routes.filter((r) => r.authLevel !== 'anonymous').every((r) => r.authLevel === 'function')).toBe(true);
    expect(routes.length).toBeGreaterThan(30);
    // The OpenAPI document says the same, and the host enforces it: no key, 401, before any validation.
    const document = await readJson(await fetch(`${app.url}/api/openapi.json`, { headers: { 'x-functions-key': KEY } }));
    const fill = (route: string) => route.replace('{operation_id}', 'x').replace('{table}', 'dim_stores').replace('{file}', 'docs.js').replace('{path}', '');
    for (const { route, authLevel } of routes) {
      const [method, path] = route.split(' ') as [string, string];
      expect(document.paths[path][method.toLowerCase()].security, route).toEqual(authLevel === 'anonymous' ? [] : [{ functionKey: [] }]);
      const response = await fetch(`${app.url}${fill(path)}`, { method, ...(method === 'GET' ? {} : { body: '{' }) });
      if (authLevel === 'anonymous') expect(response.status, route).not.toBe(401);
      else expect(response.status, route).toBe(401);
    }
  });
});
