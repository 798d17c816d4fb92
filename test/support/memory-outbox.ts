/**
 * An in-memory Outbox with the Table outbox's contract (src/adapters/table-outbox.ts): chunks of at most 250
 * events per shard of the partition key, row keys `day|generation|first time|unit|sequence`, insert-only unit
 * writes, ETag'd claims that expire, checkpoints that keep or lose a claim, generation filters. No compression
 * and no Table limits: the drain's logic is tested on it in milliseconds; the adapter has its own Azurite tests.
 */
import type { TimedEvent } from '../../src/core/events/factory.js';
import { shardOf } from '../../src/core/streaming/shards.js';
import { claimableRun, selectClaims } from '../../src/core/streaming/claim-plan.js';
import type { ClaimedChunk, ClaimOptions, Outbox, OutboxEvent, OutboxFilter, OutboxSlice, OutboxStatus } from '../../src/core/streaming/types.js';

interface MemoryChunk {
  shard: number;
  rowKey: string;
  generation: string;
  status: 'pending' | 'claimed' | 'sent';
  cursor: number;
  claimUntil: number;
  claimedBy: string;
  etag: number;
  events: OutboxEvent[];
}

const SHARDS = 4;
const PER_CHUNK = 250;

export class MemoryOutbox implements Outbox {
  readonly chunks = new Map<string, MemoryChunk>();
  private etags = 0;
  private appended = 0;
  /** Every claim made, in order (chunk ids), for tests that count claims. */
  readonly claims: string[] = [];

  private idOf(chunk: MemoryChunk): string {
    return `shard-${chunk.shard}/${chunk.rowKey}`;
  }

  private put(shard: number, rowKey: string, generation: string, events: OutboxEvent[]): boolean {
    const id = `shard-${shard}/${rowKey}`;
    if (this.chunks.has(id)) return false;
    this.chunks.set(id, { shard, rowKey, generation, status: 'pending', cursor: 0, claimUntil: 0, claimedBy: '', etag: ++this.etags, events });
    return true;
  }

  async writeUnit(slice: OutboxSlice, timed: TimedEvent[]): Promise<{ events: number; chunks: number; created: number }> {
    const byShard = new Map<number, OutboxEvent[]>();
    for (const t of timed) {
      const event: OutboxEvent = {
        at: t.at,
        partitionKey: t.envelope.partition_key ?? '',
        eventType: t.envelope.event_type,
        eventId: t.envelope.event_id,
        body: JSON.stringify(t.envelope),
      };
      const shard = shardOf(event.partitionKey, SHARDS);
      byShard.set(shard, [...(byShard.get(shard) ?? []), event]);
    }
    let chunks = 0;
    let created = 0;
    for (const [shard, events] of byShard) {
      for (let i = 0, sequence = 0; i < events.length; i += PER_CHUNK, sequence++) {
        const part = events.slice(i, i + PER_CHUNK);
        const rowKey = `${slice.day}|${slice.generation}|${String(part[0]!.at).padStart(15, '0')}|${slice.unit}|${String(sequence).padStart(6, '0')}`;
        chunks++;
        if (this.put(shard, rowKey, slice.generation, part)) created++;
      }
    }
    return { events: timed.length, chunks, created };
  }

  async replace(events: TimedEvent[]): Promise<{ events: number; chunks: number }> {
    for (const [id, chunk] of this.chunks) if (!chunk.rowKey.startsWith('r')) this.chunks.delete(id);
    const { chunks } = await this.writeUnit({ day: '0000-00-00', generation: '', unit: 'all' }, events);
    return { events: events.length, chunks };
  }

  async append(events: OutboxEvent[]): Promise<number> {
    for (let i = 0; i < events.length; i += PER_CHUNK) {
      const part = events.slice(i, i + PER_CHUNK);
      this.put(shardOf(part[0]!.partitionKey, SHARDS), `r${String(this.appended++).padStart(10, '0')}`, '', part);
    }
    return events.length;
  }

  private inGeneration(chunk: MemoryChunk, filter: OutboxFilter): boolean {
    return filter.generation === undefined || chunk.generation === filter.generation || chunk.generation === '';
  }

  /** The shared claim rule (head of line per shard, past the holder's own chunks), over the chunks in memory. */
  async claim(maxEvents: number, claimTtlMs: number, now: number, options: ClaimOptions): Promise<ClaimedChunk[]> {
    const perShard = maxEvents / SHARDS + PER_CHUNK;
    const runs = await Promise.all(
      Array.from({ length: SHARDS }, (_, shard) => {
        const line = [...this.chunks.values()]
          .filter((c) => c.shard === shard && c.status !== 'sent' && this.inGeneration(c, options))
          .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0))
          .map((chunk) => ({
            chunk,
            key: chunk.rowKey,
            status: chunk.status,
            claimUntil: chunk.claimUntil,
            claimedBy: chunk.claimedBy,
            unsent: chunk.events.length - chunk.cursor,
          }));
        return claimableRun(line, options.holder, now, perShard);
      }),
    );
    const claimed: ClaimedChunk[] = [];
    for (const { chunk } of selectClaims(runs, maxEvents)
      .flat()
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      chunk.status = 'claimed';
      chunk.claimUntil = now + claimTtlMs;
      chunk.claimedBy = options.holder;
      chunk.etag = ++this.etags;
      this.claims.push(this.idOf(chunk));
      claimed.push({ id: this.idOf(chunk), etag: String(chunk.etag), events: chunk.events, cursor: chunk.cursor });
    }
    return claimed;
  }

  private held(claimed: ClaimedChunk): MemoryChunk | undefined {
    const chunk = this.chunks.get(claimed.id);
    return chunk && String(chunk.etag) === claimed.etag ? chunk : undefined;
  }

  async complete(claimed: ClaimedChunk, sentUpTo: number): Promise<void> {
    const chunk = this.held(claimed);
    if (!chunk) return;
    chunk.status = sentUpTo >= chunk.events.length ? 'sent' : 'pending';
    chunk.cursor = sentUpTo;
    chunk.claimUntil = 0;
    chunk.claimedBy = '';
    chunk.etag = ++this.etags;
  }

  async completeAll(chunks: ClaimedChunk[]): Promise<void> {
    for (const chunk of chunks) await this.complete(chunk, chunk.events.length);
  }

  async checkpoint(claimed: ClaimedChunk, sentUpTo: number, claimUntil?: number): Promise<boolean> {
    const chunk = this.held(claimed);
    if (!chunk) return false;
    chunk.cursor = sentUpTo;
    if (claimUntil !== undefined) chunk.claimUntil = claimUntil;
    chunk.etag = ++this.etags;
    claimed.etag = String(chunk.etag);
    return true;
  }

  /** Lets every claim expire (a drain that died), for tests of claims lost and taken over. */
  expireClaims(): void {
    for (const chunk of this.chunks.values()) if (chunk.status === 'claimed') chunk.claimUntil = 0;
  }

  async status(now: number, filter?: OutboxFilter): Promise<OutboxStatus> {
    const status: OutboxStatus = {
      pending_events: 0,
      claimed_events: 0,
      sent_events: 0,
      pending_chunks: 0,
      claimed_chunks: 0,
      sent_chunks: 0,
      oldest_pending_event_time: null,
    };
    let oldest = Infinity;
    for (const chunk of this.chunks.values()) {
      if (filter?.generation !== undefined && chunk.generation !== filter.generation && chunk.generation !== '') continue;
      const count = chunk.events.length;
      if (chunk.status === 'sent') {
        status.sent_chunks++;
        status.sent_events += count;
      } else if (chunk.status === 'claimed' && chunk.claimUntil >= now) {
        status.claimed_chunks++;
        status.claimed_events += count - chunk.cursor;
        status.sent_events += chunk.cursor;
      } else {
        status.pending_chunks++;
        status.pending_events += count - chunk.cursor;
        status.sent_events += chunk.cursor;
        oldest = Math.min(oldest, chunk.events[0]!.at);
      }
    }
    status.oldest_pending_event_time = Number.isFinite(oldest) ? new Date(oldest).toISOString() : null;
    return status;
  }

  async preview(limit: number): Promise<unknown[]> {
    const chunks = [...this.chunks.values()].filter((c) => c.status !== 'sent').sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
    return chunks
      .flatMap((c) => c.events.slice(c.cursor))
      .slice(0, limit)
      .map((e) => JSON.parse(e.body) as unknown);
  }

  async removeGenerations(keep: readonly string[]): Promise<number> {
    let removed = 0;
    for (const [id, chunk] of this.chunks) {
      if (chunk.generation !== '' && !keep.includes(chunk.generation)) {
        this.chunks.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async clear(): Promise<number> {
    const count = this.chunks.size;
    this.chunks.clear();
    return count;
  }
}
