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
