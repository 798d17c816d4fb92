/**
 * The probes and the Prometheus scrape config exactly as docs/DEPLOY.md ("Probes and scraping") writes them, run
 * against the local host with a function key required (as in Azure): the liveness and readiness probes get 200
 * without a key and see no secret, the scrape job gets the metrics only because it sends the key in its header,
 * the alert rules it documents use only metrics the scrape returns, and nothing that changes state answers
 * without the key.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { registeredHttpRoutes } from '../support/registered-routes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const storageConnectionString = inject('storageConnectionString');
const KEY = 'probe-test-function-key';
const PLANTED_KEY = 'ProbePlantedKey0123456789abcdefghijklmnopqrs=';
const PLANTED = `Endpoint=sb://probe-planted.servicebus.windows.net/;SharedAccessKeyName=ProbeSender;SharedAccessKey=${PLANTED_KEY};EntityPath=probe-hub`;

interface HttpGetProbe {
  httpGet: { path: string; port: number; httpHeaders?: { name: string; value: string }[] };
}
interface ScrapeJob {
  job_name: string;
  scheme?: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
  http_headers?: Record<string, { values?: string[]; secrets?: string[]; files?: string[] }>;
  static_configs: { targets: string[] }[];
}

/** The YAML blocks of the section, parsed. */
function documentedBlocks(): Record<string, unknown>[] {
  const text = readFileSync(path.join(root, 'docs/DEPLOY.md'), 'utf8');
  const start = text.indexOf('\n## Probes and scraping');
  expect(start, 'docs/DEPLOY.md has a "Probes and scraping" section').toBeGreaterThan(0);
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);
}

describe('probes and scraping as documented, against the local host with a function key', () => {
  const blocks = documentedBlocks();
  const probes = blocks.find((b) => 'readinessProbe' in b) as { livenessProbe: HttpGetProbe; readinessProbe: HttpGetProbe } | undefined;
  const scrape = blocks.find((b) => 'scrape_configs' in b) as { scrape_configs: ScrapeJob[] } | undefined;
  let app: AppProcess;
  const keyFolder = mkdtempSync(path.join(tmpdir(), 'probe-key-'));

  beforeAll(async () => {
    app = await startApp({
      storageConnectionString,
      storagePrefix: uniquePrefix('probe'),
      env: { LOCAL_FUNCTION_KEY: KEY, AZURE_EVENTHUB_CONNECTION_STRING: PLANTED },
    });
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(keyFolder, { recursive: true, force: true });
  });

  it('the liveness and readiness probes get 200 with no key, and see no secret', async () => {
    expect(probes, 'a YAML block with livenessProbe and readinessProbe').toBeDefined();
    for (const [name, probe] of Object.entries({ liveness: probes!.livenessProbe, readiness: probes!.readinessProbe })) {
      // Kubernetes sends a plain GET to the path, with only the headers the probe lists.
      const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
      expect(
        Object.keys(headers).map((h) => h.toLowerCase()),
        `${name} probe sends no key`,
      ).not.toContain('x-functions-key');
      const response = await fetch(`${app.url}${probe.httpGet.path}`, { headers });
      const body = await response.text();
      expect(response.status, `${name} probe ${probe.httpGet.path}`).toBe(200);
      for (const secret of [PLANTED_KEY, 'SharedAccessKey', 'ProbeSender', KEY]) expect(body, `${name} answer`).not.toContain(secret);
    }
    expect(probes!.readinessProbe.httpGet.path).toBe('/api/stream/health');
    expect(probes!.livenessProbe.httpGet.path).toBe('/health');
  });

  it('the Prometheus job gets the metrics because it sends the key in its header, and 401 without it', async () => {
    expect(scrape, 'a YAML block with scrape_configs').toBeDefined();
    const [job] = scrape!.scrape_configs;
    expect(job!.params?.code, 'the key travels in a header, not in the URL').toBeUndefined();
    const headers: Record<string, string> = {};
    for (const [name, spec] of Object.entries(job!.http_headers ?? {})) {
      // The documented key file holds the function key; here it is a file of the test's own with the local key.
      const values = [
        ...(spec.values ?? []),
        ...(spec.secrets ?? []),
        ...(spec.files ?? []).map((documented, i) => {
          const file = path.join(keyFolder, `${i}-${path.basename(documented)}`);
          writeFileSync(file, `${KEY}\n`);
          return readFileSync(file, 'utf8').trim(); // Prometheus trims the file's trailing newline too
        }),
      ];
      headers[name] = values.join(', ');
    }
    expect(Object.keys(headers)).toContain('x-functions-key');
    const url = `${app.url}${job!.metrics_path ?? '/metrics'}`; // scheme and target are the local host's
    const scraped = await fetch(url, { headers: { ...headers, accept: 'text/plain;version=0.0.4' } });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scraped.text();
    expect(text).toMatch(/^# TYPE streaming_events_sent gauge$/m);
    expect(text).toMatch(/^streaming_circuit_breaker_state \d$/m);
    expect(text).not.toContain(PLANTED_KEY);
    expect((await fetch(url)).status, 'the same scrape without the header').toBe(401);
  });

  it('the documented alert rules refer only to metrics the scrape returns, among them the five the product promises', async () => {
    const rules = blocks.find((b) => 'groups' in b) as { groups: { rules: { alert: string; expr: string }[] }[] } | undefined;
    expect(rules, 'a YAML block with the alert rule groups').toBeDefined();
    const text = await (await fetch(`${app.url}/metrics`, { headers: { 'x-functions-key': KEY } })).text();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const name of [
      'streaming_events_generated',
      'streaming_events_sent',
      'streaming_events_failed',
      'streaming_circuit_breaker_trips',
      'streaming_events_per_second',
    ]) {
      expect(exposed, name).toContain(name);
    }
    const expressions = rules!.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    expect(expressions.length).toBeGreaterThanOrEqual(3);
    for (const expression of expressions) {
      for (const [name] of expression.matchAll(/streaming_[a-z_]+/g)) expect(exposed, `${name} in ${expression}`).toContain(name);
    }
  });

  it('answers 401 to an unauthenticated request on every state-changing route', async () => {
    const changing = (await registeredHttpRoutes()).filter((r) => !r.route.startsWith('GET '));
    expect(changing.length).toBeGreaterThan(15);
    const fill = (route: string) => route.replace(/\{[^}]+\}/g, 'x');
    for (const { route } of changing) {
      const [method, routePath] = route.split(' ') as [string, string];
      const response = await fetch(`${app.url}${fill(routePath)}`, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status, route).toBe(401);
    }
  });
});
