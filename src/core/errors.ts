/**
 * Typed application errors. The HTTP layer maps them to status codes in one place
 * (src/functions/http/errors.ts); the core never knows about HTTP.
 */
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `realtime.burst`; `body` for the whole body. */
  field: string;
  reason: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
}

/** Bad input: 400, with the field and the reason for every problem found. */
export class ValidationError extends AppError {
  readonly status = 400;
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ') || 'Invalid request');
    this.name = 'ValidationError';
  }

  static single(field: string, reason: string): ValidationError {
    return new ValidationError([{ field, reason }]);
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
}

export class ConflictError extends AppError {
  readonly status = 409;
}

/** A stored document changed between read and write (ETag mismatch); callers retry, clients get 409. */
export class ConcurrentUpdateError extends AppError {
  readonly status = 409;
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** A dependency (storage, configuration) is unusable: 503 so probes and clients retry later. */
export class ServiceUnavailableError extends AppError {
  readonly status = 503;
}

/** Turns zod issues into field issues with dotted paths, prefixed with where the value came from. */
export function issuesFromZod(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let field = [prefix, path].filter(Boolean).join('.') || prefix || 'body';
    let reason = issue.message;
    // An unknown key is reported by zod on the parent object; name the key itself.
    if (issue.code === 'unrecognized_keys') {
      field = issue.keys.map((key) => [prefix, path, key].filter(Boolean).join('.')).join(', ');
      reason = 'unknown field';
    }
    return { field, reason };
  });
}

export function validationErrorFromZod(error: z.ZodError, prefix?: string): ValidationError {
  return new ValidationError(issuesFromZod(error, prefix));
}
