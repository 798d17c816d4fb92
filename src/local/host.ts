/**
 * The local Functions host: runs the compiled app without Azure Functions Core Tools.
 *
 * It loads the function files named by package.json#main with a stand-in for `@azure/functions-core`,
 * serves HTTP triggers (routes, methods, function keys), runs timer triggers on their NCRONTAB schedules and
 * polls Storage queues for queue triggers, handing each handler real `HttpRequest` / `InvocationContext`
 * objects from `@azure/functions`. Stopping it lets in-flight invocations finish.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, { type LogLevel } from '@azure/functions';
import { redactSecrets } from '../core/config/secrets.js';
import { importAppFiles, readPackageMain, resolveMainFiles } from './app-loader.js';
import { installFunctionsCore, type CapturedFunction, type RpcBindingInfo } from './functions-core.js';
import { readHostSettings, type HostSettings } from './host-config.js';
import { CORS_SETTING, corsResponseHeaders, foreignRequestReason, parseCorsOrigins, preflightHeaders } from './cors.js';
import { decodePathSegments, RouteTable } from './routes.js';
import { startQueueListener, type QueueListener } from './queue-listener.js';
import { startTimer, type TimerRunner } from './timer-runner.js';

export interface LocalHostOptions {
  /** Project root holding package.json and host.json. Default: the current directory. */
  root?: string;
  /** Function files to load instead of package.json#main. */
  appFiles?: string[];
  /** Port; 0 picks a free one. Default: PORT or 7071. */
  port?: number;
  hostname?: string;
  /** When set, functions with authLevel 'function' or 'admin' require this key. Default: LOCAL_FUNCTION_KEY. */
  functionKey?: string;
  /** Settings for trigger bindings (`%NAME%` references, queue connections). Default: process.env. */
  environment?: Record<string, string | undefined>;
  /** Overrides of host.json settings (tests poll faster). */
  hostSettings?: Partial<Omit<HostSettings, 'queues'>> & { queues?: Partial<HostSettings['queues']> };
  /** Origins allowed to call cross-origin (CORS), `*` for any. Default: LOCAL_CORS_ORIGINS (comma-separated); none. */
  corsOrigins?: string[];
  /** Receives one line per request and log entry. Default: stdout. */
  log?: (line: string) => void;
}

export interface LocalHost {
  url: string;
  port: number;
  functions: readonly CapturedFunction[];
  /** Invocations running now. */
  inFlight(): number;
  stop(): Promise<void>;
}

/** Bytes the host reads from one request body; the app's own routes enforce far smaller limits. */
// `@azure/functions` is a webpack-built CommonJS bundle: Node's ESM loader cannot see its classes as named
// exports, so take them from the default export.
const { HttpRequest, HttpResponse, InvocationContext } = functions;
type HttpResponse = InstanceType<typeof HttpResponse>;

const MAX_HOST_BODY_BYTES = 16 * 1024 * 1024;

export function triggerOf(fn: CapturedFunction): RpcBindingInfo {
  const trigger = Object.values(fn.bindings).find((binding) => binding.direction === 'in' && /Trigger$/.test(binding.type));
  if (!trigger) throw new Error(`Function ${fn.name} has no trigger binding`);
  return trigger;
}

/** Resolves `%SETTING%` references in binding values, as the Functions runtime does. */
export function resolveSettingReferences(value: string, environment: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const resolved = environment[name];
    if (resolved === undefined) throw new Error(`App setting ${name} is referenced by a binding but not set`);
    return resolved;
  });
}

function keysMatch(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request's URL, or undefined when it (or its Host header) cannot be parsed. */
function requestUrl(req: http.IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  } catch {
    return undefined;
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HOST_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createLogHandler(functionName: string, invocationId: string, log: (line: string) => void) {
  return (level: LogLevel, ...args: unknown[]): void => {
    const text = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    log(`[${new Date().toISOString()}] ${level.padEnd(11)} ${functionName} (${invocationId.slice(0, 8)}) ${redactSecrets(text)}`);
  };
}

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const root = options.root ?? process.cwd();
  const environment = options.environment ?? process.env;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const functionKey = options.functionKey ?? environment.LOCAL_FUNCTION_KEY ?? undefined;
  const corsOrigins = options.corsOrigins ?? parseCorsOrigins(environment[CORS_SETTING]);
  const fileSettings = await readHostSettings(root);
  const settings: HostSettings = {
    ...fileSettings,
    ...options.hostSettings,
    queues: { ...fileSettings.queues, ...options.hostSettings?.queues },
  };

  const core = installFunctionsCore();
  const before = new Set(core.functions);
  const files = options.appFiles ?? (await resolveMainFiles(root, await readPackageMain(root)));
  await importAppFiles(files);
  const functions = core.functions.filter((fn) => !before.has(fn));
  // `AzureWebJobs.<name>.Disabled` (an app setting, as in Azure) keeps a function from being triggered at all.
  const disabled = new Set(functions.filter((fn) => /^(true|1)$/i.test(environment[`AzureWebJobs.${fn.name}.Disabled`]?.trim() ?? '')));
  for (const fn of disabled) log(`[${new Date().toISOString()}] info        ${fn.name}: disabled by AzureWebJobs.${fn.name}.Disabled`);
  const enabled = functions.filter((fn) => !disabled.has(fn));

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => {});
    return work;
  };
  const newContext = (fn: CapturedFunction, trigger: RpcBindingInfo, triggerMetadata?: Record<string, unknown>) => {
    const invocationId = randomUUID();
    return new InvocationContext({
      invocationId,
      functionName: fn.name,
      logHandler: createLogHandler(fn.name, invocationId, log),
      ...(triggerMetadata ? { triggerMetadata } : {}),
      options: { trigger: trigger as never, extraInputs: [], extraOutputs: [] },
    });
  };

  // HTTP triggers
  const routes = new RouteTable<CapturedFunction>();
  for (const fn of enabled) {
    const trigger = triggerOf(fn);
    if (trigger.type !== 'httpTrigger') continue;
    const route = [settings.routePrefix, String(trigger.route ?? fn.name)].filter(Boolean).join('/');
    const methods = (trigger.methods as string[] | undefined) ?? ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
    routes.add(route, methods, fn);
  }

  let stopping = false;
  const listeningPort = (): number => (server.address() as AddressInfo | null)?.port ?? 0;
  const handleRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = requestUrl(req);
    res.on('finish', () =>
      log(`[${new Date().toISOString()}] http        ${method} ${url?.pathname ?? '(malformed URL)'} ${res.statusCode} ${Date.now() - started}ms`),
    );
    // Set first so that errors, 401s and 404s are readable by an allowed origin's script too.
    for (const [name, value] of Object.entries(corsResponseHeaders(corsOrigins, req))) res.setHeader(name, value);
    if (stopping) return json(res, 503, { detail: 'The host is shutting down' }, { connection: 'close' });
    const foreign = foreignRequestReason(corsOrigins, req, listeningPort(), {
      loopbackOnly: ['127.0.0.1', 'localhost', '::1'].includes(options.hostname ?? '127.0.0.1'),
    });
    if (foreign) return json(res, 403, { detail: foreign });
    if (!url) return json(res, 400, { detail: 'url: not a valid request URL' });
    // A broken percent-escape cannot be routed; refuse it as the Functions front end does, instead of throwing.
    if (!decodePathSegments(url.pathname)) return json(res, 400, { detail: 'path: malformed percent-encoding' });

    const { match, allowed } = routes.find(method, url.pathname);
    if (method === 'OPTIONS' && !match) {
      // A CORS preflight is answered by the host, without a function key, as the platform does in Azure.
      const requested = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
      const served = routes.find(requested, url.pathname).match ? [...new Set([...allowed, requested])] : allowed;
      const preflight = preflightHeaders(corsOrigins, req, served);
      if (preflight) {
        res.writeHead(204, preflight);
        res.end();
        return;
      }
    }
    if (!match) {
      if (allowed.length > 0)
        return json(res, 405, { detail: `Method ${method} is not allowed on ${url.pathname}; use ${allowed.join(', ')}` }, { allow: allowed.join(', ') });
      return json(res, 404, { detail: `Not found: no function serves ${method} ${url.pathname}` });
    }
    const fn = match.route.target;
    const trigger = triggerOf(fn);
    if (functionKey && trigger.authLevel !== 'anonymous') {
      const given = req.headers['x-functions-key'];
      if (!keysMatch(typeof given === 'string' ? given : url.searchParams.get('code'), functionKey)) {
        return json(res, 401, { detail: 'Missing or invalid function key: send it in the x-functions-key header or the code query parameter' });
      }
    }

    void track(
      (async () => {
        const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
        if (body === 'too-large') return json(res, 413, { detail: `body: larger than ${MAX_HOST_BODY_BYTES} bytes` });
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const query: Record<string, string> = {};
        url.searchParams.forEach((value, key) => {
          if (!(key in query)) query[key] = value;
        });
        const request = new HttpRequest({
          method,
          url: url.toString(),
          headers,
          query,
          params: match.params,
          ...(body.length > 0 ? { body: { bytes: new Uint8Array(body) } } : {}),
        });
        const context = newContext(fn, trigger);
        let response: HttpResponse;
        try {
          const result = await fn.handler(request, context);
          response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as ConstructorParameters<typeof HttpResponse>[0]);
        } catch (error) {
          context.error(`Unhandled error: ${error instanceof Error ? error.message : String(error)}`);
          return json(res, 500, { detail: `Internal error (invocation ${context.invocationId})` });
        }
        const responseHeaders: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          responseHeaders[name] = value;
        });
        const bytes = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, { ...responseHeaders, 'content-length': String(bytes.length) });
        res.end(method === 'HEAD' ? undefined : bytes);
      })().catch((error: unknown) => {
        log(`[${new Date().toISOString()}] error       ${fn.name}: ${redactSecrets(String(error))}`);
        if (!res.headersSent) json(res, 500, { detail: 'Internal error' });
        else res.destroy();
      }),
    );
  };
  const server = http.createServer((req, res) => {
    // Whatever a request does, it must not take the host (and every other request) down with it.
    try {
      handleRequest(req, res);
    } catch (error) {
      log(`[${new Date().toISOString()}] error       host: ${redactSecrets(String(error))}`);
      if (!res.headersSent) json(res, 500, { detail: 'Internal error' });
      else res.destroy();
    }
  });
  // Keep idle connections longer than clients do (undici keeps them 4 s, Node's server closes at 5 s): when a CPU-heavy
  // generation unit holds the event loop past 5 s, the server would close sockets a client is just reusing, and the
  // client's request would fail with ECONNRESET instead of waiting for its answer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Requests Node cannot parse (oversized headers or URL, bad framing) get a JSON `detail` like every other
  // error, instead of Node's bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, reason] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    const body = JSON.stringify({ detail: status === 431 ? 'headers: the request line or headers are too large' : 'request: malformed HTTP request' });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  // Timer and queue triggers
  const timers: TimerRunner[] = [];
  const listeners: QueueListener[] = [];
  for (const fn of enabled) {
    const trigger = triggerOf(fn);
    if (trigger.type === 'timerTrigger') {
      timers.push(
        startTimer({
          schedule: resolveSettingReferences(String(trigger.schedule), environment),
          runOnStartup: Boolean(trigger.runOnStartup),
          invoke: (timerInput) => track(Promise.resolve(fn.handler(timerInput, newContext(fn, trigger)))),
          onError: (error) => log(`[${new Date().toISOString()}] error       ${fn.name}: ${redactSecrets(String(error))}`),
        }),
      );
    } else if (trigger.type === 'queueTrigger') {
      listeners.push(
        startQueueListener({
          queueName: resolveSettingReferences(String(trigger.queueName), environment),
          connectionSetting: String(trigger.connection ?? 'AzureWebJobsStorage'),
          environment,
          settings: settings.queues,
          invoke: (input, metadata) => track(Promise.resolve(fn.handler(input, newContext(fn, trigger, metadata)))),
          log: (line) => log(`[${new Date().toISOString()}] queue       ${fn.name} ${line}`),
        }),
      );
    } else if (trigger.type !== 'httpTrigger') {
      log(`[${new Date().toISOString()}] warning     ${fn.name}: trigger type ${trigger.type} is not supported by the local host; skipped`);
    }
  }

  const requestedPort = options.port ?? Number(environment.PORT ?? 7071);
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, hostname, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  for (const hook of core.hooks.get('appStart') ?? []) await hook({ hookData: {}, appHookData: {}, functionAppDirectory: root });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      timers.forEach((timer) => timer.stop());
      await Promise.all(listeners.map((listener) => listener.stop()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Let running invocations finish (bounded by the function timeout), as the runtime does on shutdown.
      const deadline = new Promise((resolve) => setTimeout(resolve, settings.functionTimeoutMs).unref());
      await Promise.race([Promise.allSettled([...inFlight]), deadline]);
      server.closeAllConnections();
      await closed;
      for (const hook of core.hooks.get('appTerminate') ?? []) await hook({ hookData: {}, appHookData: {} });
    })());

  return {
    url: `http://${hostname}:${port}`,
    port,
    functions,
    inFlight: () => inFlight.size,
    stop,
  };
}
