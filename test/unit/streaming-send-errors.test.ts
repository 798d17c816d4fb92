/**
 * Send error classification: the SDK's structured codes decide over free-text descriptions, nested causes
 * (AggregateError from Node's happy-eyeballs connect, our PartialSendError) are looked through, and each
 * class is retryable or not as the drain expects. Backoff grows with the multiplier and is jittered.
 */
import { MessagingError } from '@azure/event-hubs';
import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifySendError, isRetryable, TRANSIENT_ERRORS } from '../../src/core/streaming/send-errors.js';
import { PartialSendError } from '../../src/core/streaming/types.js';

function messagingError(code: string, message = 'The server is busy. Please retry the operation.'): MessagingError {
  const error = new MessagingError(message);
  error.code = code;
  return error;
}

describe('classifySendError', () => {
  it('maps the SDK codes, whatever the description says', () => {
    // Every description below claims "server busy": only the code may decide.
    expect(classifySendError(messagingError('ServerBusyError'))).toBe('throttling');
    expect(classifySendError(messagingError('QuotaExceededError'))).toBe('quota');
    expect(classifySendError(messagingError('UnauthorizedError'))).toBe('authentication');
    expect(classifySendError(messagingError('PublisherRevokedError'))).toBe('authentication');
    expect(classifySendError(messagingError('MessageTooLargeError'))).toBe('message_too_large');
    expect(classifySendError(messagingError('ArgumentOutOfRangeError'))).toBe('invalid_partition');
    expect(classifySendError(messagingError('PartitionNotOwnedError'))).toBe('invalid_partition');
    expect(classifySendError(messagingError('ServiceUnavailableError'))).toBe('connection_timeout');
    expect(classifySendError(messagingError('OperationTimeoutError'))).toBe('connection_timeout');
    expect(classifySendError(messagingError('ConnectionForcedError'))).toBe('connection_failure');
    expect(classifySendError(messagingError('MessagingEntityNotFoundError'))).toBe('connection_failure');
  });

  it('maps the Storage service codes of the Blob sink', () => {
    const rest = (code: string, statusCode: number) => new RestError(`The specified container is being deleted. (${code})`, { code, statusCode });
    expect(classifySendError(rest('ContainerBeingDeleted', 409))).toBe('connection_failure');
    expect(classifySendError(rest('ServerBusy', 503))).toBe('throttling');
    expect(classifySendError(rest('OperationTimedOut', 500))).toBe('connection_timeout');
    expect(TRANSIENT_ERRORS.has(classifySendError(rest('ContainerBeingDeleted', 409)))).toBe(true);
  });

  it('looks through wrappers and aggregated network errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5671'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(classifySendError(new AggregateError([refused], ''))).toBe('connection_failure');
    expect(classifySendError(new PartialSendError(messagingError('UnauthorizedError', 'denied'), new Set([1]), { bytes: 10, batches: 1 }))).toBe(
      'authentication',
    );
    expect(classifySendError(new Error('outer', { cause: Object.assign(new Error('slow'), { code: 'ETIMEDOUT' }) }))).toBe('connection_timeout');
    expect(classifySendError(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }))).toBe('connection_timeout');
  });

  it('falls back to the message text, then to unknown', () => {
    expect(classifySendError(new Error('Quota exceeded for the namespace'))).toBe('quota');
    expect(classifySendError(new Error('socket hang up'))).toBe('connection_failure');
    expect(classifySendError(new Error('401 Unauthorized'))).toBe('authentication');
    expect(classifySendError(new Error('something odd'))).toBe('unknown');
    expect(classifySendError('a string')).toBe('unknown');
    expect(classifySendError(undefined)).toBe('unknown');
  });

  it('retries faults of the connection (refused credentials included) and dead-letters faults of the events at once', () => {
    for (const type of ['throttling', 'quota', 'connection_timeout', 'connection_failure', 'authentication']) {
      expect(isRetryable(type)).toBe(true);
      expect(TRANSIENT_ERRORS.has(type)).toBe(true);
    }
    for (const type of ['message_too_large', 'invalid_partition']) {
      expect(isRetryable(type)).toBe(false);
      expect(TRANSIENT_ERRORS.has(type)).toBe(false);
    }
    // Unknown errors get their retries but are not transient: they end in the DLQ, not stuck in the outbox.
    expect(isRetryable('unknown')).toBe(true);
    expect(TRANSIENT_ERRORS.has('unknown')).toBe(false);
  });
});

describe('backoffMs', () => {
  it('grows by the multiplier with ±50% jitter and a cap', () => {
    expect(backoffMs(0, 2, () => 0.5)).toBe(100);
    expect(backoffMs(3, 2, () => 0.5)).toBe(800);
    expect(backoffMs(3, 2, () => 0)).toBe(400);
    expect(backoffMs(3, 2, () => 0.999)).toBeCloseTo(1199.2, 0);
    expect(backoffMs(30, 2, () => 0.5)).toBe(10_000);
  });
});
