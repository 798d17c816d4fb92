/**
 * Typed application errors, each with a `kind` that says what went wrong in the core's own words. The HTTP
 * layer maps kinds to status codes in one place (src/functions/http/errors.ts); the core never knows about HTTP.
 */
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `realtime.burst`; `body` for the whole body. */
  field: string;
  reason: string;
}

export type AppErrorKind = 'invalid' | 'not_found' | 'conflict' | 'concurrent_update' | 'too_large' | 'rate_limited' | 'unavailable';

export abstract class AppError extends Error {
  abstract readonly kind: AppErrorKind;
}

/** Bad input, with the field and the reason for every problem found. */
export class ValidationError extends AppError {
  readonly kind = 'invalid' as const;
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ') || 'Invalid request');
    this.name = 'ValidationError';
  }

  static single(field: string, reason: string): ValidationError {
    return new ValidationError([{ field, reason }]);
  }
}

export class NotFoundError extends AppError {
  readonly kind = 'not_found' as const;
}

export class ConflictError extends AppError {
  readonly kind = 'conflict' as const;
}

/** A stored document changed between read and write (ETag mismatch); callers retry, else it is a conflict. */
export class ConcurrentUpdateError extends AppError {
  readonly kind = 'concurrent_update' as const;
}

export class PayloadTooLargeError extends AppError {
  readonly kind = 'too_large' as const;
}

export class RateLimitedError extends AppError {
  readonly kind = 'rate_limited' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A dependency (storage, configuration) is unusable for now: probes and clients should retry later. */
export class ServiceUnavailableError extends AppError {
  readonly kind = 'unavailable' as const;
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
