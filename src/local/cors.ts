/**
 * CORS for the local host, as the Functions platform does it in Azure (the Function App's CORS setting) and
 * Core Tools does with `Host.CORS`: off unless origins are listed (`LOCAL_CORS_ORIGINS`, comma-separated, or
 * `*` for any). Allowed origins get `Access-Control-Allow-Origin` on every response and an answer to preflight
 * requests, which carry no function key (browsers never send custom headers on a preflight). Never credentials:
 * the key travels in the `x-functions-key` header, not a cookie.
 */
import type http from 'node:http';

export const CORS_SETTING = 'LOCAL_CORS_ORIGINS';

/** Headers a browser script may read from a cross-origin response (429's Retry-After, 202's Location). */
const EXPOSED_HEADERS = 'retry-after, location, allow';
const DEFAULT_ALLOWED_HEADERS = 'content-type, x-functions-key';

export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

function allowedOrigin(origins: readonly string[], origin: string | undefined): string | undefined {
  if (!origin || origins.length === 0) return undefined;
  if (origins.includes('*')) return '*';
  return origins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

/** Headers for an ordinary response to a request with this Origin (none when the origin is not allowed). */
export function corsResponseHeaders(origins: readonly string[], req: http.IncomingMessage): Record<string, string> {
  const origin = allowedOrigin(origins, req.headers.origin);
  if (!origin) return {};
  // Caches must not hand one origin's answer to another.
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, ...(origin === '*' ? {} : { vary: 'Origin' }) };
}

/**
 * The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) for a path served with `methods`,
 * or undefined when it is not a preflight this host should answer (CORS off, origin not allowed, method not served).
 */
export function preflightHeaders(origins: readonly string[], req: http.IncomingMessage, methods: readonly string[]): Record<string, string> | undefined {
  const requested = req.headers['access-control-request-method'];
  const origin = allowedOrigin(origins, req.headers.origin);
  if (req.method !== 'OPTIONS' || typeof requested !== 'string' || !origin) return undefined;
  if (!methods.includes(requested.toUpperCase())) return undefined;
  const requestedHeaders = req.headers['access-control-request-headers'];
  return {
    ...corsResponseHeaders(origins, req),
    'access-control-allow-methods': methods.join(', '),
    'access-control-allow-headers': typeof requestedHeaders === 'string' && requestedHeaders.trim() !== '' ? requestedHeaders : DEFAULT_ALLOWED_HEADERS,
    'access-control-max-age': '600',
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  return Boolean(match && LOOPBACK_HOSTS.has(match[1]!) && (match[2] === undefined || Number(match[2]) === port));
}

/**
 * Why a request from outside this machine's own use must be refused, or undefined. The local host listens on
 * loopback without a key by default, so any web page the user visits could otherwise drive it:
 * - a Host that is not a loopback name is a DNS-rebinding page (its own name resolved to 127.0.0.1), when the
 *   host listens on loopback (`loopbackOnly`, the default);
 * - a state-changing request whose Origin is neither this host nor a listed CORS origin is a cross-site page
 *   (browsers send Origin on every cross-origin POST, PUT and DELETE, forms included; curl and scripts send none).
 * The body's content type is not what decides: `curl -d`, which the operators' guides use, sends a form's type, and
 * `fetch` with a string body sends text/plain; a browser page sending either cross-site carries its Origin.
 */
export function foreignRequestReason(origins: readonly string[], req: http.IncomingMessage, port: number, { loopbackOnly = true } = {}): string | undefined {
  if (loopbackOnly && !isLoopbackHost(req.headers.host, port)) return 'host: this local host answers only to 127.0.0.1, localhost or [::1]';
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let sameHost = false;
    try {
      const url = new URL(origin);
      sameHost = isLoopbackHost(url.host, port) && url.protocol === 'http:';
    } catch {
      sameHost = false;
    }
    if (!sameHost && !allowedOrigin(origins, origin)) return `origin: ${origin} may not change anything here (list it in ${CORS_SETTING} to allow it)`;
  } else if (origin === 'null') {
    return 'origin: an opaque origin (a sandboxed page or file) may not change anything here';
  }
  return undefined;
}
