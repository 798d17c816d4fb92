/**
 * Rate limits that hold across instances: a sliding-window log per limit kept in one small Table document
 * (at most `limit` timestamps), updated with ETags so concurrent requests on different instances cannot
 * both take the last slot.
 */
import { RateLimitedError } from './errors.js';
import type { DocumentStore } from './storage/documents.js';

export interface RateLimitRule {
  /** Document key, e.g. `stream-start`. */
  name: string;
  limit: number;
  windowSeconds: number;
  /** What the client was doing, for the 429 message. */
  description: string;
}

export interface RateLimitLog {
  /** Epoch milliseconds of the requests admitted in the current window, oldest first. */
  admitted: number[];
}

export class RateLimiter {
  constructor(
    private readonly documents: DocumentStore<RateLimitLog>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Admits the request or throws RateLimitedError with the seconds until a slot frees up. */
  async take(rule: RateLimitRule): Promise<void> {
    let retryAfterMs = 0;
    await this.documents.update(rule.name, (current) => {
      const now = this.now();
      const windowStart = now - rule.windowSeconds * 1000;
      const admitted = (current?.admitted ?? []).filter((at) => at > windowStart);
      if (admitted.length >= rule.limit) {
        retryAfterMs = admitted[0]! + rule.windowSeconds * 1000 - now;
        return undefined;
      }
      retryAfterMs = 0;
      admitted.push(now);
      return { admitted };
    });
    if (retryAfterMs > 0) {
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new RateLimitedError(
        `Too many requests: ${rule.description} is limited to ${rule.limit} per ${rule.windowSeconds} s; retry in ${seconds} s`,
        seconds,
      );
    }
  }
}
