/**
 * Classification of send errors into the `error_counts` keys of the statistics (the
 * names the predecessor's troubleshooting advice uses): which failures are worth retrying, which stay in the outbox when they outlast
 * the retries, and which go to the dead-letter queue at once.
 *
 * The structured `code` of the SDK's MessagingError (@azure/core-amqp maps every AMQP condition and Node
 * system error to one) is trusted first, anywhere in the error's cause chain; message text is only a
 * fallback, because service descriptions are free text (a rejection's description may say "server is busy"
 * whatever its condition).
 */

export const SEND_ERROR_TYPES = [
  'connection_timeout',
  'throttling',
  'authentication',
  'quota',
  'message_too_large',
  'invalid_partition',
  'connection_failure',
  'unknown',
] as const;
export type SendErrorType = (typeof SEND_ERROR_TYPES)[number];

/** MessagingError.code values (core-amqp's ConditionErrorNameMapper names) and Node system error codes. */
const CODE_TYPES: Readonly<Record<string, SendErrorType>> = {
  // com.microsoft:server-busy — Event Hubs' throttling answer (throughput units exhausted).
  ServerBusyError: 'throttling',
  SenderBusyError: 'throttling',
  // amqp:resource-limit-exceeded — connection, link or size quotas of the namespace.
  QuotaExceededError: 'quota',
  // amqp:unauthorized-access, com.microsoft:auth-failed; a revoked publisher is refused for good too.
  UnauthorizedError: 'authentication',
  PublisherRevokedError: 'authentication',
  CredentialUnavailableError: 'authentication',
  AuthenticationError: 'authentication',
  // amqp:link:message-size-exceeded, and our own sink's error for an event that fits no batch.
  MessageTooLargeError: 'message_too_large',
  // A partition id or key the hub does not have.
  ArgumentOutOfRangeError: 'invalid_partition',
  PartitionNotOwnedError: 'invalid_partition',
  // com.microsoft:timeout (also how core-amqp reports ETIMEDOUT/ECONNRESET/ENETUNREACH), and rhea-promise's.
  ServiceUnavailableError: 'connection_timeout',
  OperationTimeoutError: 'connection_timeout',
  AbortError: 'connection_timeout',
  ETIMEDOUT: 'connection_timeout',
  // The link or connection went away: transient, the events stay in the outbox.
  ConnectionForcedError: 'connection_failure',
  DetachForcedError: 'connection_failure',
  SenderNotReadyError: 'connection_failure',
  ConnectionRedirectError: 'connection_failure',
  LinkRedirectError: 'connection_failure',
  FramingError: 'connection_failure',
  InsufficientCreditError: 'connection_failure',
  OperationCancelledError: 'connection_failure',
  // amqp:not-found (also DNS ENOTFOUND) and a missing hub: kept in the outbox rather than dead-lettered, so
  // a configuration mistake loses nothing; the breaker stops the hammering.
  ServiceCommunicationError: 'connection_failure',
  MessagingEntityNotFoundError: 'connection_failure',
  // amqp:internal-error: the service's own transient failure.
  InternalServerError: 'connection_failure',
  ECONNREFUSED: 'connection_failure',
  ECONNRESET: 'connection_failure',
  ENOTFOUND: 'connection_failure',
  EAI_AGAIN: 'connection_failure',
  EPIPE: 'connection_failure',
  EHOSTUNREACH: 'connection_failure',
  ENETUNREACH: 'connection_failure',
  // Storage service codes (RestError.code) of the Blob sink: a container being deleted answers 409 for about
  // 30 s before it can be created again, a busy or timed-out account recovers by itself.
  ContainerBeingDeleted: 'connection_failure',
  ContainerNotFound: 'connection_failure',
  ServerBusy: 'throttling',
  OperationTimedOut: 'connection_timeout',
  InternalError: 'connection_failure',
};

/** Worth another attempt within the same drain (with backoff). */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set<SendErrorType>([
  'connection_timeout',
  'throttling',
  'quota',
  'connection_failure',
  'authentication',
  'unknown',
]);
/**
 * Faults of the connection, not of the events: when they outlast the retries the events stay in the outbox for
 * the next drain (the breaker opens if it goes on) instead of being dead-lettered. Refused credentials belong
 * here: role assignments that have not propagated after a deployment, a rotated key, a managed-identity token
 * that fails at cold start — every event would be dead-lettered though none is at fault. An unknown error is
 * dead-lettered after its retries, so a poison event cannot block the outbox for ever.
 */
export const TRANSIENT_ERRORS: ReadonlySet<string> = new Set<SendErrorType>([
  'connection_timeout',
  'throttling',
  'quota',
  'connection_failure',
  'authentication',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error, its causes and aggregated errors, breadth first (network failures arrive as AggregateErrors). */
function errorChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  const queue: { value: unknown; depth: number }[] = [{ value: error, depth: 0 }];
  while (queue.length > 0 && chain.length < 16) {
    const { value, depth } = queue.shift()!;
    if (value === null || typeof value !== 'object' || depth > 3) continue;
    const e = value as ErrorLike;
    chain.push(e);
    if (e.cause) queue.push({ value: e.cause, depth: depth + 1 });
    if (Array.isArray(e.errors)) for (const inner of e.errors.slice(0, 3)) queue.push({ value: inner, depth: depth + 1 });
  }
  return chain;
}

/** Every name, code and message in an error, its cause and aggregated errors. */
export function errorText(error: unknown): string {
  if (error === null || error === undefined) return '';
  if (typeof error !== 'object') return String(error);
  return errorChain(error)
    .flatMap((e) => [e.name, e.code, e.message])
    .filter((p): p is string => typeof p === 'string' && p !== '')
    .join(' ');
}

/** Text patterns for errors without a known code (other SDKs, wrapped errors). Order matters. */
const TEXT_TYPES: [RegExp, SendErrorType][] = [
  [/quotaexceeded|quota exceeded/, 'quota'],
  [/serverbusy|server-busy|server busy|throttl/, 'throttling'],
  // Network trouble before credentials: a CBS put-token that times out is a connection problem.
  [/timeout|timed out|etimedout/, 'connection_timeout'],
  [/econnrefused|econnreset|enotfound|eai_again|epipe|connection|socket|disconnected|aggregateerror|service ?unavailable/, 'connection_failure'],
  [/unauthorized|authentication|\b401\b|invalid signature|claim/, 'authentication'],
  [/messagetoolarge|too large/, 'message_too_large'],
  [/partition/, 'invalid_partition'],
];

export function classifySendError(error: unknown): SendErrorType {
  const chain = errorChain(error);
  for (const e of chain) {
    for (const key of [e.code, e.name]) {
      if (typeof key === 'string' && Object.hasOwn(CODE_TYPES, key)) return CODE_TYPES[key]!;
    }
  }
  const text = errorText(error).toLowerCase();
  for (const [pattern, type] of TEXT_TYPES) if (pattern.test(text)) return type;
  return 'unknown';
}

export function isRetryable(type: string): boolean {
  return RETRYABLE_ERRORS.has(type);
}

/** Exponential backoff with jitter (0.5–1.5 × the step), capped so a drain's budget is not spent sleeping. */
export function backoffMs(attempt: number, multiplier: number, random: () => number = Math.random): number {
  return Math.min(10_000, 100 * multiplier ** attempt * (0.5 + random()));
}
