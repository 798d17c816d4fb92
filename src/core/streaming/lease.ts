/**
 * One dispatcher at a time: every drain (the timer on any instance, the HTTP "drain now") takes this lease
 * before it claims anything. It keeps the schedule in one place (two drains would each send what is due, doubling
 * the rate) and keeps each store's events in order on the hub. A holder that dies leaves the lease to expire.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentStore } from '../storage/documents.js';

export interface DrainLease {
  holder: string;
  /** Epoch ms after which another drain may take the lease. */
  expires_at: number;
}

const LEASE_KEY = 'drain-lease';

export class DrainLeaseHolder {
  readonly holder = randomUUID();
  constructor(
    private readonly store: DocumentStore<DrainLease>,
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  /** Takes the lease if it is free or expired; false when another drain holds it. */
  async acquire(): Promise<boolean> {
    const now = this.clock();
    const lease = await this.store.update(LEASE_KEY, (current) =>
      current && current.holder !== this.holder && current.expires_at > now ? undefined : { holder: this.holder, expires_at: now + this.ttlMs },
    );
    return lease?.holder === this.holder;
  }

  /** Extends the lease; false when it was lost (it expired and another drain took it). */
  async renew(): Promise<boolean> {
    const now = this.clock();
    let lost = false;
    await this.store.update(LEASE_KEY, (current) => {
      if (!current || current.holder !== this.holder) {
        lost = true;
        return undefined;
      }
      return { holder: this.holder, expires_at: now + this.ttlMs };
    });
    return !lost;
  }

  async release(): Promise<void> {
    await this.store.update(LEASE_KEY, (current) => (current?.holder === this.holder ? { holder: this.holder, expires_at: 0 } : undefined));
  }
}
