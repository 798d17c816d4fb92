/**
 * The local host against a fixture app and a real Azurite: routes and methods, function keys, timers on
 * their schedule, queue messages processed, failing ones moved to the poison queue, graceful shutdown.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { readJson } from '../support/http.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const KEY = 'local-test-key';
const queueName = `fixture-${Date.now()}`;
const connectionString = inject('storageConnectionString');
const lines: string[] = [];
let host: LocalHost;
let observed: typeof import('../fixtures/host-app.js').observed;

beforeAll(async () => {
  host = await startLocalHost({
    root,
    appFiles: [path.join(here, '../fixtures/host-app.ts')],
    port: 0,
    functionKey: KEY,
    environment: { FIXTURE_QUEUE_NAME: queueName, FixtureStorage: connectionString },
    hostSettings: { queues: { maxPollingIntervalMs: 200, visibilityTimeoutMs: 0, maxDequeueCount: 5, batchSize: 16 } },
    log: (line) => lines.push(line),
  });
  ({ observed } = await import('../fixtures/host-app.js'));
});

afterAll(async () => {
  await host?.stop();
});

const withKey = { headers: { 'x-functions-key': KEY } };

describe('HTTP triggers', () => {
  it('captures every registration from the app', () => {
    expect(host.functions.map((f) => f.name).sort()).toEqual(
      ['fixtureEcho', 'fixtureItem', 'fixtureItemsLatest', 'fixturePublic', 'fixtureQueue', 'fixtureSlow', 'fixtureThrows', 'fixtureTimer'].sort(),
    );
  });

  it('matches route parameters and passes the query', async () => {
    const response = await fetch(`${host.url}/api/items/42?q=hello`, withKey);
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ id: '42', method: 'GET', q: 'hello' });
  });

  it('prefers a literal segment over a parameter', async () => {
    const response = await fetch(`${host.url}/api/items/latest`, withKey);
    expect(await readJson(response)).toEqual({ latest: true });
  });

  it('routes by method and answers 405 with Allow for a method no function takes', async () => {
    const deleted = await fetch(`${host.url}/api/items/7`, { method: 'DELETE', ...withKey });
    expect(await readJson(deleted)).toMatchObject({ id: '7', method: 'DELETE' });
    const put = await fetch(`${host.url}/api/items/7`, { method: 'PUT', ...withKey });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, DELETE');
    expect((await readJson(put)).detail).toContain('PUT');
  });

  it('answers 404 with a detail for unknown paths', async () => {
    const response = await fetch(`${host.url}/api/nothing/here`, withKey);
    expect(response.status).toBe(404);
    expect((await readJson(response)).detail).toContain('/api/nothing/here');
  });

  it('answers 400 for a broken percent-escape in the path, and keeps serving (it used to crash the host)', async () => {
    for (const path of ['/api/items/%E0%A4%A', '/api/items/%zz', '/%C0%AF', '/api/%ED%A0%80/x']) {
      const response = await fetch(`${host.url}${path}`, withKey);
      expect(response.status, path).toBe(400);
      expect((await readJson(response)).detail, path).toBe('path: malformed percent-encoding');
    }
    expect((await fetch(`${host.url}/api/items/a%2Fb%20c`, withKey).then(readJson)).id).toBe('a/b c');
  });

  it('answers requests Node cannot parse with a JSON detail instead of a bare status line', async () => {
    const tooLong = await fetch(`${host.url}/api/items/1?q=${'x'.repeat(20_000)}`, withKey);
    expect(tooLong.status).toBe(431);
    expect((await readJson(tooLong)).detail).toMatch(/too large/);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(host.port, '127.0.0.1', () => socket.end('GET /api/items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('{"detail":"request: malformed HTTP request"}');
    expect((await fetch(`${host.url}/public/ping`)).status).toBe(200);
  });

  it('passes the body, a real InvocationContext, status and headers', async () => {
    const response = await fetch(`${host.url}/api/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }), ...withKey });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-invocation')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await readJson(response)).toEqual({ body: { a: 1 }, functionName: 'fixtureEcho' });
  });

  it('refuses what a web page could send: a foreign Host (DNS rebinding), a foreign or opaque Origin', async () => {
    const port = Number(new URL(host.url).port);
    /** A raw request, so Host and Origin are exactly what a browser would send. */
    const raw = (method: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, path: '/api/echo', method, headers: { 'x-functions-key': KEY, ...headers } }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', reject);
        request.end(body);
      });
    const json = JSON.stringify({ a: 1 });
    expect((await raw('POST', { host: `attacker.example:${port}`, 'content-type': 'application/json' }, json)).status).toBe(403);
    expect((await raw('POST', { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'content-type': 'application/json' }, json)).status).toBe(403);
    expect((await raw('POST', { host: `127.0.0.1:${port}`, origin: 'null', 'content-type': 'application/json' }, json)).status).toBe(403);
    expect(
      (await raw('POST', { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' }, json)).status,
    ).toBe(403);
    // What people and scripts send: same-origin pages (the dashboard), curl -d (urlencoded), fetch's text/plain, any loopback name.
    expect((await raw('POST', { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' }, json)).status).toBe(201);
    expect((await raw('POST', { host: `localhost:${port}`, 'content-type': 'application/x-www-form-urlencoded' }, json)).status).toBe(201);
    expect((await raw('POST', { host: `[::1]:${port}`, 'content-type': 'text/plain;charset=UTF-8' }, json)).status).toBe(201);
    const refused = await raw('POST', { host: `evil.example:${port}` }, json);
    expect(JSON.parse(refused.body).detail).toMatch(/^host: /);
  });

  it('enforces the function key from the header or the code query parameter', async () => {
    expect((await fetch(`${host.url}/api/items/1`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/items/1`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(`${host.url}/api/items/1?code=${KEY}`)).status).toBe(200);
    expect((await fetch(`${host.url}/public/ping`)).status).toBe(200);
  });

  it('turns an unhandled error into a 500 without the message or a stack trace, and logs it masked', async () => {
    const response = await fetch(`${host.url}/api/throws`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('boom');
    expect(text).not.toContain('planted-secret-value');
    expect(lines.some((line) => line.includes('boom'))).toBe(true);
    expect(lines.join('\n')).not.toContain('planted-secret-value');
  });
});

describe('timer triggers', () => {
  it('fires on its NCRONTAB schedule, once a second', async () => {
    const start = observed.timerTicks.length;
    await new Promise((resolve) => setTimeout(resolve, 3200));
    const ticks = observed.timerTicks.slice(start);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThan(700);
    }
  });
});

describe('queue triggers', () => {
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const queue = service.getQueueClient(queueName);
  const poison = service.getQueueClient(`${queueName}-poison`);

  it('processes a base64 JSON message once and deletes it', async () => {
    await queue.createIfNotExists();
    await queue.sendMessage(Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64'));
    await expect.poll(() => observed.queueMessages.filter((m) => (m.input as { hello?: string }).hello === 'world').length, { timeout: 10_000 }).toBe(1);
    const handled = observed.queueMessages.find((m) => (m.input as { hello?: string }).hello === 'world')!;
    expect(handled.dequeueCount).toBe(1);
    await expect.poll(async () => (await queue.getProperties()).approximateMessagesCount, { timeout: 10_000 }).toBe(0);
  });

  it('retries a failing message five times, then moves it to the poison queue', async () => {
    const text = Buffer.from(JSON.stringify({ fail: true, n: 1 })).toString('base64');
    await queue.sendMessage(text);
    await expect.poll(async () => (await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length, { timeout: 20_000 }).toBe(1);
    const attempts = observed.queueMessages.filter((m) => (m.input as { fail?: boolean }).fail);
    expect(attempts.map((a) => a.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
    const [poisoned] = (await poison.peekMessages()).peekedMessageItems;
    expect(poisoned!.messageText).toBe(text);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });
});

describe('shutdown', () => {
  it('lets an in-flight invocation finish, then refuses new work', async () => {
    const slow = fetch(`${host.url}/api/slow`);
    await expect.poll(() => host.inFlight()).toBe(1);
    const stopping = host.stop();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await readJson(response)).toEqual({ slow: true });
    await stopping;
    expect(observed.slowFinished).toBe(1);
    const ticks = observed.timerTicks.length;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(observed.timerTicks.length).toBe(ticks);
    await expect(fetch(`${host.url}/public/ping`)).rejects.toThrow();
  });
});
