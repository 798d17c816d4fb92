/**
 * The one place where errors become HTTP responses: `{detail}` with the right status, the field and the
 * reason for every 4xx, never a stack trace, never a secret.
 */
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { redactSecrets } from '../../core/config/secrets.js';
import { AppError, RateLimitedError, ValidationError, type AppErrorKind } from '../../core/errors.js';

export interface ErrorBody {
  detail: string;
  errors?: { field: string; reason: string }[];
}

/** The HTTP status of each kind of application error. */
export const STATUS_OF_KIND: Readonly<Record<AppErrorKind, number>> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  concurrent_update: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

function isDependencyUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof AppError) {
    const body: ErrorBody = { detail: redactSecrets(error.message) };
    if (error instanceof ValidationError) {
      body.errors = error.issues.map((issue) => ({ field: issue.field, reason: redactSecrets(issue.reason) }));
    }
    const headers: Record<string, string> = {};
    if (error instanceof RateLimitedError) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    const status = STATUS_OF_KIND[error.kind];
    if (status >= 500) context.warn(`${status}: ${body.detail}`);
    return { status, jsonBody: body, headers };
  }
  const message = redactSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  if (isDependencyUnavailable(error)) {
    context.error(`Dependency unavailable: ${message}`);
    return { status: 503, jsonBody: { detail: 'Storage or another dependency is unavailable; retry shortly' } satisfies ErrorBody };
  }
  context.error(`Unhandled error: ${message}`);
  return {
    status: 500,
    jsonBody: { detail: `Internal error (invocation ${context.invocationId}); see the app logs` } satisfies ErrorBody,
  };
}
