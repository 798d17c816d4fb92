/**
 * `httpRoute` registers an HTTP function with the v4 programming model and documents it in OpenAPI from the
 * same zod schemas that validate its body, query and route parameters. Function files stay thin: they
 * declare the schemas and call the core; parsing, size limits and error mapping happen here, once.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { rateLimiter } from '../../app/services.js';
import { PayloadTooLargeError, ValidationError, issuesFromZod } from '../../core/errors.js';
import type { RateLimitRule } from '../../core/rate-limit.js';
import { errorResponse } from './errors.js';
import { registerOpenApiPath } from './openapi.js';

export type HttpMethodName = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** Request bodies larger than this are refused with 413 before parsing. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export const errorBodySchema = z
  .object({
    detail: z.string().describe('What went wrong; for 4xx, the field and the reason.'),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

type ObjectSchema = z.ZodObject<z.ZodRawShape>;

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  request: HttpRequest;
  context: InvocationContext;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<B extends z.ZodType | undefined, Q extends ObjectSchema | undefined, P extends ObjectSchema | undefined> {
  /** Function name (unique in the app). */
  name: string;
  method: HttpMethodName;
  /** Route template without a leading slash, as in `app.http` (route prefix is empty in host.json). */
  route: string;
  /** 'function' (the default) requires a function key in Azure and, when LOCAL_FUNCTION_KEY is set, locally. */
  authLevel?: 'anonymous' | 'function';
  summary: string;
  description?: string;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  responses: Record<number, ResponseSpec>;
  /** Shared (all instances) limit on this route; over it the client gets 429 with Retry-After. */
  rateLimit?: RateLimitRule;
  /** OpenAPI path when it differs from the route (catch-all routes). */
  openApiPath?: string;
  handler: (
    input: RouteInput<
      B extends z.ZodType ? z.output<B> : undefined,
      Q extends ObjectSchema ? z.output<Q> : Record<string, never>,
      P extends ObjectSchema ? z.output<P> : Record<string, never>
    >,
  ) => Promise<HttpResponseInit>;
}

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid request: the field and the reason are in `detail`.',
  401: 'Missing or wrong function key.',
  413: 'Request body too large.',
  429: 'Rate limit reached; retry after the seconds in the Retry-After header.',
  500: 'Unexpected error; details are in the app logs, never in the response.',
};

async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > MAX_REQUEST_BODY_BYTES) {
    throw new PayloadTooLargeError(`body: larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_REQUEST_BODY_BYTES) {
    throw new PayloadTooLargeError(`body: larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8's message quotes the text around the error (`"{"key": Share"... is not valid JSON`), and the body may be
    // a pasted connection string: say where, never what.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw ValidationError.single('body', position ? `malformed JSON at position ${position}` : 'malformed JSON');
  }
}

/**
 * A route that takes no body refuses one: `DELETE /api/stream/dlq` with `{"ids": [...]}` must not be read as
 * "delete everything". An empty body or a bare `{}` (what many clients send by default) still counts as none.
 */
async function rejectUnexpectedBody(request: HttpRequest): Promise<void> {
  const body = await readJsonBody(request);
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) throw ValidationError.single('body', 'this endpoint takes no request body');
}

/** Field names in errors are the request's own (`realtime.burst`, `limit`); a bad body as a whole is `body`. */
function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(issuesFromZod(result.error));
  return result.data;
}

function queryObject(request: HttpRequest): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of request.query) if (!(key in result)) result[key] = value;
  return result;
}

function openApiRoute(spec: RouteSpec<z.ZodType | undefined, ObjectSchema | undefined, ObjectSchema | undefined>): RouteConfig {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = response.schema
      ? { description: response.description, content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
      : { description: response.description };
  }
  for (const [status, description] of Object.entries(STANDARD_ERRORS)) {
    if (status === '401' && spec.authLevel === 'anonymous') continue;
    // Every route but a GET can refuse a body (one that takes none refuses any but `{}`).
    if ((status === '400' || status === '413') && !spec.body && !spec.query && !spec.params && spec.method === 'GET') continue;
    if (status === '429' && !spec.rateLimit) continue;
    responses[status] ??= { description, content: { 'application/json': { schema: errorBodySchema } } };
  }
  return {
    method: spec.method.toLowerCase() as RouteConfig['method'],
    path: spec.openApiPath ?? `/${spec.route}`,
    operationId: spec.name,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    ...(spec.authLevel === 'anonymous' ? { security: [] } : { security: [{ functionKey: [] }] }),
    request: {
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } }, required: !spec.body.safeParse(undefined).success } } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.params ? { params: spec.params } : {}),
    },
    responses,
  };
}

export function httpRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  P extends ObjectSchema | undefined = undefined,
>(spec: RouteSpec<B, Q, P>): void {
  const generic = spec as unknown as RouteSpec<z.ZodType | undefined, ObjectSchema | undefined, ObjectSchema | undefined>;
  registerOpenApiPath(openApiRoute(generic));
  app.http(spec.name, {
    methods: [spec.method],
    route: spec.route,
    authLevel: spec.authLevel ?? 'function',
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      try {
        let body: unknown;
        if (generic.body) body = parseWith(generic.body, await readJsonBody(request));
        else if (spec.method !== 'GET') await rejectUnexpectedBody(request);
        const query = generic.query ? parseWith(generic.query, queryObject(request)) : {};
        const params = generic.params ? parseWith(generic.params, { ...request.params }) : {};
        // Counted after validation, so a malformed request does not use up the caller's allowance.
        if (generic.rateLimit) await rateLimiter().take(generic.rateLimit);
        const response = await generic.handler({ body, query, params, request, context } as never);
        return {
          ...response,
          headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(response.headers as Record<string, string> | undefined) },
        };
      } catch (error) {
        const response = errorResponse(error, context);
        return { ...response, headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(response.headers as Record<string, string>) } };
      }
    },
  });
}
