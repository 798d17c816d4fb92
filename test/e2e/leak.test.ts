/**
 * Leak test: recognisable secrets are planted everywhere a secret can come from — an Event Hubs
 * connection string in the environment, another in the runtime config, a third as a Key Vault secret (a fake
 * SecretClient loaded into the app, see test/support/fake-keyvault/), the local function key and an Entra
 * client secret for DefaultAzureCredential. Every endpoint, error path (connection tests and streaming from each
 * source: to a hub that does not answer, and to the AMQP test peer that accepts, then rejects batches and refuses
 * the credentials, so dead letters store error text; a missing Key Vault secret, a Key Vault that does not
 * answer, rejected updates carrying a secret, wrong function keys) and log line is exercised; then no planted
 * value (nor the signature of a SAS token made from one) may appear in any response
 * (body or header), in the app's stdout/stderr, or in anything stored under the test's storage prefix —
 * except the runtime connection string in the one entity that is meant to hold it (config/overrides).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../src/local/azurite.js';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { badRequest, operationsOf, type OpenApiDocument, type Operation } from '../support/fuzz-requests.js';
import { waitForJob } from '../support/jobs.js';
import { walkStorage } from '../support/storage-walk.js';

const storageConnectionString = inject('storageConnectionString');
const storagePrefix = uniquePrefix('leak');
const here = path.dirname(fileURLToPath(import.meta.url));
const fakeKeyVault = path.join(here, '../support/fake-keyvault/register.mjs');

const MARKER = 'LEAKCANARY';
interface Canary {
  /** `LEAKCANARY<label>`: starts the value, so any fragment from its start shows the marker. */
  head: string;
  /** The random rest (base64, like a real SharedAccessKey). */
  random: string;
  value: string;
}
function canary(label: string, safe = false): Canary {
  const head = `${MARKER}${label}`;
  let random = randomBytes(24).toString('base64');
  // The function key travels in a header and a query string: keep it to URL- and header-safe characters.
  if (safe) random = random.replace(/[+/=]/g, 'x');
  return { head, random, value: `${head}${random}` };
}
const planted = {
  environmentKey: canary('Env'),
  runtimeKey: canary('Rt'),
  keyVaultKey: canary('Kv'),
  functionKey: canary('Fn', true),
  clientSecret: canary('Cs'),
};
type Planted = keyof typeof planted;

/**
 * Which planted values the text gives away: a value's head (the marker and label), or any 10 characters of its
 * random part, as typed or URL-encoded (a fragment quoted from the middle, as V8's JSON errors do). The bare
 * marker counts too, as `unknown`, so a mangled value cannot slip through.
 */
function leaksIn(text: string): (Planted | 'sasSignature' | 'unknown')[] {
  const found: (Planted | 'sasSignature' | 'unknown')[] = [];
  for (const [name, { head, random }] of Object.entries(planted) as [Planted, Canary][]) {
    for (let i = 0; i + 10 <= random.length && !found.includes(name); i++) {
      const window = random.slice(i, i + 10);
      if (text.includes(window) || text.includes(encodeURIComponent(window))) found.push(name);
    }
    if (!found.includes(name) && text.includes(head)) found.push(name);
  }
  for (const signature of sasSignatures) {
    if (text.includes(signature) || text.includes(encodeURIComponent(signature))) found.push('sasSignature');
  }
  if (found.length === 0 && text.toUpperCase().includes(MARKER)) found.push('unknown');
  return [...new Set(found)];
}

/** Signatures of the SAS tokens the app derived from the runtime key (as the hub received them). */
const sasSignatures = new Set<string>();

let closedPort = 0;
/** An Event Hubs connection string, by default to a port where nothing listens (every send fails fast). */
const connectionString = (key: string, entityPath: string, port = closedPort) =>
  `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=leak-test;SharedAccessKey=${key};EntityPath=${entityPath};UseDevelopmentEmulator=true`;

const configEntity = `table ${storagePrefix}config config/overrides`;
const apps: AppProcess[] = [];
const responses: { what: string; text: string }[] = [];
let app: AppProcess;

async function call(
  method: string,
  pathAndQuery: string,
  options: { body?: string; key?: string | null } = {},
): Promise<{ status: number; json: () => unknown }> {
  const key = options.key === undefined ? planted.functionKey.value : options.key;
  const response = await fetch(`${app.url}${pathAndQuery}`, {
    method,
    headers: key ? { 'x-functions-key': key } : {},
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await response.text();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  responses.push({ what: `${method} ${pathAndQuery.slice(0, 120)} -> ${response.status}`, text: `${headers}\n\n${text}` });
  return { status: response.status, json: () => JSON.parse(text) as unknown };
}

async function startLeakApp(env: Record<string, string>): Promise<AppProcess> {
  app = await startApp({
    storageConnectionString,
    storagePrefix,
    env: {
      LOCAL_FUNCTION_KEY: planted.functionKey.value,
      // DefaultAzureCredential's first choice; it must never surface, whatever fails.
      AZURE_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
      AZURE_CLIENT_SECRET: planted.clientSecret.value,
      AZURE_AUTHORITY_HOST: `https://127.0.0.1:${closedPort}`,
      RETAIL_VOLUME_STORES: '4',
      RETAIL_VOLUME_DCS: '2',
      RETAIL_VOLUME_TOTAL_GEOGRAPHIES: '4',
      RETAIL_VOLUME_TOTAL_CUSTOMERS: '200',
      RETAIL_VOLUME_TOTAL_PRODUCTS: '60',
      RETAIL_VOLUME_CUSTOMERS_PER_DAY: '20',
      RETAIL_VOLUME_ONLINE_ORDERS_PER_DAY: '10',
      RETAIL_VOLUME_MARKETING_IMPRESSIONS_PER_DAY: '30',
      // The faults follow each other quickly; a breaker that opened would hold the next one back for a minute.
      RETAIL_REALTIME_FAILURE_THRESHOLD: '1000',
      ...env,
    },
  });
  apps.push(app);
  return app;
}

const withFakeKeyVault = () => ({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${fakeKeyVault}`.trim(),
  FAKE_KEYVAULT_SECRET_NAME: 'eh-connection',
  FAKE_KEYVAULT_SECRET: connectionString(planted.keyVaultKey.value, 'kv-hub'),
});

const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

interface Observed {
  statistics: { events_sent_successfully: number; error_counts: Record<string, number> };
  dlq: { total: number };
}

async function observe(): Promise<Observed> {
  return {
    statistics: (await call('GET', '/api/stream/statistics')).json() as Observed['statistics'],
    dlq: (await call('GET', '/api/stream/dlq/summary')).json() as Observed['dlq'],
  };
}

async function until(what: string, done: (observed: Observed) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done(await observe())) {
    // Drain now rather than wait for the 5-second timer (overlapping drains are safe: chunks are claimed).
    await call('POST', '/api/stream/outbox/drain', { body: JSON.stringify({ budget_ms: 300 }) });
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms: ${JSON.stringify(await observe())} ${JSON.stringify((await call('GET', '/api/stream/status')).json())}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

/**
 * Tests the connection and starts streaming from the given credential source; `whileStreaming` waits for the
 * drain to hit the error paths wanted; then every read endpoint, a refused live change of the secret, stop.
 */
async function stream(source: string, expectConnected: boolean, whileStreaming: () => Promise<void>): Promise<void> {
  const view = (await call('GET', '/api/stream/config')).json() as { connection: { source: string } };
  expect(view.connection.source).toBe(source);
  const test = (await call('POST', '/api/stream/test')).json() as { success: boolean; message: string };
  expect(test.success, `connection test (${source}): ${test.message}`).toBe(expectConnected);
  // A failure says what failed (an AggregateError used to give "Connection test failed: ").
  if (!expectConnected) expect(test.message).toMatch(/^Connection test failed: \S/);
  expect((await call('POST', '/api/stream/start', { body: JSON.stringify({ emit_interval_ms: 50, burst: 50 }) })).status).toBe(200);
  await whileStreaming();
  for (const read of [
    '/api/stream/status',
    '/api/stream/health',
    '/metrics',
    '/api/stream/dlq',
    '/api/stream/outbox/status',
    '/api/stream/outbox/preview',
    '/api/stream/events/recent?limit=100',
  ])
    await call('GET', read);
  expect(
    (
      await call('PUT', '/api/stream/config', {
        body: JSON.stringify({ realtime: { azure_connection_string: connectionString(planted.runtimeKey.value, 'other') } }),
      })
    ).status,
  ).toBe(409);
  expect((await call('POST', '/api/stream/stop')).status).toBe(200);
}

/** A send error, and the timer drain's log line quoting it (the log path for error text). */
const aSendError = () => {
  const logged = app.output().split('last error:').length;
  return until('a send error, logged', (o) => Object.keys(o.statistics.error_counts).length > 0 && app.output().split('last error:').length > logged);
};

/** A request per operation that the app serves (or refuses for a reason of its own), plus bad ones. */
async function exerciseEveryOperation(document: OpenApiDocument, jobId: string): Promise<number> {
  const fill: Record<string, string> = { operation_id: jobId, table: 'dim_stores', file: 'docs.js', path: '' };
  // Destructive ones stay out of the "valid" pass: what they would delete is what the storage walk inspects.
  const notValid = new Set(['startStreaming', 'stopStreaming', 'clearDeadLetters', 'outboxClear', 'deleteGeneratedData', 'cancelGenerationJob']);
  let count = 0;
  const operations: Operation[] = operationsOf(document);
  for (const [index, operation] of operations.entries()) {
    if (!notValid.has(operation.id)) {
      await call(
        operation.method,
        operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => fill[name] ?? 'x'),
      );
      count++;
    }
    for (const request of fc.sample(badRequest(operation, document), { numRuns: 6, seed: index })) {
      const search = request.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      await call(request.method, `${request.path}${search ? `?${search}` : ''}`, request.body === undefined ? {} : { body: request.body });
      count++;
    }
  }
  return count;
}

let peer: EventHubsPeer | undefined;
afterAll(async () => {
  for (const running of apps) await running.stop();
  await peer?.stop();
});

describe('planted secrets never leak', () => {
  it('not into responses, logs or storage, from any endpoint or error path', async () => {
    closedPort = await findFreePort();
    // Phase 1: the environment's connection string wins (its hub does not answer).
    await startLeakApp({ AZURE_EVENTHUB_CONNECTION_STRING: connectionString(planted.environmentKey.value, 'env-hub'), ...withFakeKeyVault() });
    const put = await call('PUT', '/api/stream/config', {
      body: JSON.stringify({
        realtime: {
          azure_connection_string: connectionString(planted.runtimeKey.value, 'runtime-hub'),
          use_keyvault: true,
          keyvault_url: `https://127.0.0.1:${closedPort}/`,
          keyvault_secret_name: 'eh-connection',
          retry_attempts: 0,
          failure_threshold: 1000,
        },
      }),
    });
    expect(put.status).toBe(200);
    // The runtime connection string is stored, whole, in the one entity meant for it (README "Configuration").
    const secretHome = (await walkStorage(storageConnectionString, storagePrefix)).filter((item) => leaksIn(item.text).length > 0);
    expect(secretHome.map((item) => [item.where, leaksIn(item.text)])).toEqual([[configEntity, ['runtimeKey']]]);
    // Rejected updates that carry a secret, and requests with a wrong, missing or misplaced key.
    const rejected = [
      JSON.stringify({ realtime: { azure_connection_string: `not a connection string ${planted.runtimeKey.value}` } }),
      JSON.stringify({ realtime: { azure_connection_string: `Endpoint=bad;SharedAccessKey=${planted.runtimeKey.value}` } }),
      JSON.stringify({ realtime: { azure_connection_string: `Endpoint=sb://x/;SharedAccessKey=${planted.runtimeKey.value}` } }),
      JSON.stringify({ realtime: { azure_connection_string: `${planted.runtimeKey.value}`.repeat(200) } }),
      JSON.stringify({ realtime: { azure_connection_string: connectionString(planted.runtimeKey.value, 'x'), burst: -1 } }),
      `{"realtime": {"azure_connection_string": ${planted.runtimeKey.value}}}`,
      `{"realtime": {"azure_connection_string": "${connectionString(planted.runtimeKey.value, 'x')}"`,
      `${planted.runtimeKey.value}`,
      JSON.stringify({ realtime: { azure_connection_string: planted.runtimeKey.value.repeat(2_000) } }),
    ];
    for (const body of rejected) expect((await call('PUT', '/api/stream/config', { body })).status).toBeGreaterThanOrEqual(400);
    expect((await call('GET', '/api/stream/config', { key: null })).status).toBe(401);
    expect((await call('GET', '/api/stream/config', { key: `${planted.functionKey.value}x` })).status).toBe(401);
    expect((await call('GET', `/api/stream/config?code=${planted.functionKey.value}`, { key: null })).status).toBe(200);
    expect((await call('GET', `/api/nothing?code=${planted.functionKey.value}`, { key: null })).status).toBe(404);

    const master = (await call('POST', '/api/generators/master/start')).json() as { status_url: string };
    const masterJob = await waitForJob(app.url, `${master.status_url}?code=${planted.functionKey.value}`);
    expect(masterJob.status).toBe('completed');
    const history = (
      await call('POST', '/api/generators/historical/start', { body: JSON.stringify({ start_date: yesterday(), end_date: yesterday() }) })
    ).json() as { status_url: string };
    expect((await waitForJob(app.url, `${history.status_url}?code=${planted.functionKey.value}`)).status).toBe('completed');

    await stream('environment', false, aSendError);
    const document = (await call('GET', '/api/openapi.json')).json() as OpenApiDocument;
    const exercised = await exerciseEveryOperation(document, masterJob.operation_id as string);
    await app.stop();

    // Phase 2: the runtime config's connection string, to a hub that takes events, then rejects a batch and refuses
    // the credentials (dead letters keep the error text); then the Key Vault secret; then a missing secret.
    peer = await startEventHubsPeer({ hubName: 'runtime-hub' });
    await startLeakApp(withFakeKeyVault());
    expect(
      (
        await call('PUT', '/api/stream/config', {
          body: JSON.stringify({ realtime: { azure_connection_string: connectionString(planted.runtimeKey.value, 'runtime-hub', peer.port) } }),
        })
      ).status,
    ).toBe(200);
    await stream('runtime_config', true, async () => {
      await until('events sent', (o) => o.statistics.events_sent_successfully > 0);
      // A transient rejection and refused credentials (both stay in the outbox, their text in statistics and
      // logs), then a fault of the events (dead-lettered with the error text).
      peer!.faults.rejectNextBatches(20, 'amqp:internal-error');
      await until('a rejected batch', (o) => (o.statistics.error_counts.connection_failure ?? 0) > 0);
      peer!.faults.rejectAuth(true);
      peer!.faults.detachSenders();
      await until('an authentication error', (o) => (o.statistics.error_counts.authentication ?? 0) > 0);
      peer!.faults.clear();
      peer!.faults.rejectNextBatches(20, 'com.microsoft:argument-out-of-range');
      await until('dead letters after a fault of the events', (o) => o.dlq.total > 0);
      peer!.faults.clear();
    });
    for (const token of peer.tokens) {
      const signature = /[?&]sig=([^&]+)/.exec(token)?.[1];
      if (signature) sasSignatures.add(decodeURIComponent(signature));
    }
    expect(sasSignatures.size).toBeGreaterThan(0);
    expect((await call('PUT', '/api/stream/config', { body: JSON.stringify({ realtime: { azure_connection_string: null } }) })).status).toBe(200);
    await stream('keyvault', false, aSendError);
    expect((await call('PUT', '/api/stream/config', { body: JSON.stringify({ realtime: { keyvault_secret_name: 'no-such-secret' } }) })).status).toBe(200);
    expect(((await call('POST', '/api/stream/test')).json() as { success: boolean }).success).toBe(false);
    expect((await call('PUT', '/api/stream/config', { body: JSON.stringify({ realtime: { keyvault_secret_name: 'eh-connection' } }) })).status).toBe(200);
    await app.stop();

    // Phase 3: the real Key Vault client, against a vault that does not answer.
    await startLeakApp({});
    expect(((await call('POST', '/api/stream/test')).json() as { success: boolean }).success).toBe(false);
    await app.stop();

    // The checks.
    const leaks: string[] = [];
    for (const response of responses) for (const name of leaksIn(response.text)) leaks.push(`${name} in response ${response.what}`);
    const logs = apps.map((a) => a.output()).join('\n');
    for (const name of leaksIn(logs)) leaks.push(`${name} in the app's output`);
    const stored = await walkStorage(storageConnectionString, storagePrefix);
    for (const item of stored) {
      // Only the runtime connection string may be in the config entity, and only there.
      for (const name of leaksIn(item.text)) if (!(item.where === configEntity && name === 'runtimeKey')) leaks.push(`${name} in ${item.where}`);
    }
    const counts = (kind: string) => stored.filter((item) => item.kind === kind).length;
    console.log(
      `leak test: ${responses.length} responses checked (${exercised} of them across all ${operationsOf(document).length} operations), ` +
        `${Buffer.byteLength(logs)} log bytes checked, ${counts('entity')} entities, ${counts('blob')} blobs and ${counts('message')} queue messages checked, ` +
        `leaks = ${leaks.length}`,
    );
    expect(leaks).toEqual([]);
    // The checks can fail: the planted values are where they should be.
    expect(leaksIn(`x ${planted.keyVaultKey.value.slice(8, 24)} y`)).toEqual(['keyVaultKey']);
    expect(leaksIn(`x ${encodeURIComponent(planted.runtimeKey.random)} y`)).toEqual(['runtimeKey']);
    expect(leaksIn('x leakcanary y')).toEqual(['unknown']);
    expect(logs).toContain('last error:');
  }, 240_000);
});
