/**
 * The circuit breaker, shared by every instance through one Table document updated with ETags:
 * closed → open after `failure_threshold` consecutive failures → half-open after `timeout_seconds`, where up
 * to `half_open_max_calls` probe sends are allowed → closed on a success, open again on a failure. An open
 * breaker pauses draining; the events stay in the outbox.
 */
import type { DocumentStore } from '../storage/documents.js';

export type BreakerPosition = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerState {
  state: BreakerPosition;
  consecutive_failures: number;
  opened_at: number | null;
  half_open_calls: number;
  /**
   * When the current half-open probe window began (absent in documents written before it existed). A probe
   * whose instance died never reports back; after another timeout the window starts again, so lost probes
   * cannot wedge the breaker half-open for ever.
   */
  half_open_since?: number | null;
  trips: number;
  last_failure: string | null;
}

export interface BreakerSettings {
  enabled: boolean;
  failureThreshold: number;
  timeoutSeconds: number;
  halfOpenMaxCalls: number;
}

const KEY = 'breaker';

export function closedBreaker(): CircuitBreakerState {
  return { state: 'closed', consecutive_failures: 0, opened_at: null, half_open_calls: 0, trips: 0, last_failure: null };
}

export class CircuitBreaker {
  constructor(
    private readonly documents: DocumentStore<CircuitBreakerState>,
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<CircuitBreakerState> {
    return (await this.documents.read(KEY))?.value ?? closedBreaker();
  }

  /** Whether a send may go ahead now; moves open → half-open when the timeout has passed and counts probes. */
  async allow(): Promise<boolean> {
    if (!this.settings.enabled) return true;
    let allowed = false;
    await this.documents.update(KEY, (current) => {
      const breaker = current ?? closedBreaker();
      if (breaker.state === 'closed') {
        allowed = true;
        return undefined;
      }
      if (breaker.state === 'open') {
        if (this.now() - (breaker.opened_at ?? 0) < this.settings.timeoutSeconds * 1000) {
          allowed = false;
          return undefined;
        }
        breaker.state = 'half_open';
        breaker.half_open_calls = 0;
        breaker.half_open_since = this.now();
      }
      if (breaker.half_open_calls >= this.settings.halfOpenMaxCalls) {
        const since = breaker.half_open_since ?? breaker.opened_at ?? 0;
        if (this.now() - since < this.settings.timeoutSeconds * 1000) {
          allowed = false;
          return undefined;
        }
        breaker.half_open_calls = 0;
        breaker.half_open_since = this.now();
      }
      breaker.half_open_calls++;
      allowed = true;
      return breaker;
    });
    return allowed;
  }

  async recordSuccess(): Promise<void> {
    if (!this.settings.enabled) return;
    await this.documents.update(KEY, (current) => {
      const breaker = current ?? closedBreaker();
      if (breaker.state === 'closed' && breaker.consecutive_failures === 0) return undefined;
      return { ...breaker, state: 'closed', consecutive_failures: 0, opened_at: null, half_open_calls: 0, half_open_since: null };
    });
  }

  /** Returns true when this failure tripped the breaker open. */
  async recordFailure(reason: string): Promise<boolean> {
    if (!this.settings.enabled) return false;
    let tripped = false;
    await this.documents.update(KEY, (current) => {
      const breaker = current ?? closedBreaker();
      breaker.consecutive_failures++;
      breaker.last_failure = reason;
      const shouldOpen = breaker.state === 'half_open' || (breaker.state === 'closed' && breaker.consecutive_failures >= this.settings.failureThreshold);
      if (shouldOpen) {
        tripped = true;
        breaker.state = 'open';
        breaker.opened_at = this.now();
        breaker.half_open_calls = 0;
        breaker.half_open_since = null;
        breaker.trips++;
      }
      return breaker;
    });
    return tripped;
  }
}

/** The breaker's settings as configured (`realtime.*`), for every place that builds one. */
export function breakerSettings(realtime: {
  circuit_breaker_enabled: boolean;
  failure_threshold: number;
  timeout_seconds: number;
  half_open_max_calls: number;
}): BreakerSettings {
  return {
    enabled: realtime.circuit_breaker_enabled,
    failureThreshold: realtime.failure_threshold,
    timeoutSeconds: realtime.timeout_seconds,
    halfOpenMaxCalls: realtime.half_open_max_calls,
  };
}

/** Closes the breaker and forgets its failures (a stop and a new start reset it: a new stream never begins with an open breaker). */
export async function resetBreaker(documents: DocumentStore<CircuitBreakerState>): Promise<void> {
  await documents.update(KEY, (current) => (current ? { ...closedBreaker(), trips: current.trips } : undefined));
}

/**
 * The breaker as one drain uses it: while it is known closed, sends need no Table round trip (two per send
 * otherwise). Only one drain sends at a time (the drain lease), so between its refreshes the only writer of the
 * breaker is this drain itself; `refresh` picks up changes made by anyone else (a reset by a new start).
 */
export class DrainBreaker {
  private known: CircuitBreakerState | undefined;
  constructor(private readonly breaker: CircuitBreaker) {}

  async refresh(): Promise<void> {
    this.known = await this.breaker.read();
  }

  async read(): Promise<CircuitBreakerState> {
    return this.known ?? (await this.breaker.read());
  }

  async allow(): Promise<boolean> {
    if (this.known?.state === 'closed') return true;
    const allowed = await this.breaker.allow();
    this.known = await this.breaker.read();
    return allowed;
  }

  async recordSuccess(): Promise<void> {
    if (this.known?.state === 'closed' && this.known.consecutive_failures === 0) return;
    await this.breaker.recordSuccess();
    this.known = await this.breaker.read();
  }

  async recordFailure(reason: string): Promise<boolean> {
    const tripped = await this.breaker.recordFailure(reason);
    this.known = await this.breaker.read();
    return tripped;
  }
}
