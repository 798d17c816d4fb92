/**
 * The outbox in Azure Table Storage. Events are stored in chunks (hundreds of events per entity, gzip-compressed
 * JSON split over binary properties) across sharded partitions and written with batch transactions, because one
 * entity per event cannot keep up with a hub (about 2,000 entities/s per partition). Chunks are claimed with
 * ETags, so overlapping drains never send the same chunk at once, and a claim that expires (its instance died)
 * can be taken again. Azurite does not enforce the service limits, so they are checked here.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TimedEvent } from '../core/events/factory.js';
import type { ClaimedChunk, Outbox, OutboxEvent, OutboxStatus } from '../core/streaming/types.js';
import { MAX_TRANSACTION_OPERATIONS, submitInTransactions } from './table-transactions.js';
import { isAlreadyExists, isStorageError, isTakenMeanwhile } from './rest-status.js';

export const EVENTS_PER_CHUNK = 250;
export const SHARDS = 4;
/** Table limits: 64 KiB per binary property, 1 MiB per entity, 252 properties (batches: ./table-transactions.ts). */
const MAX_PROPERTY_BYTES = 60 * 1024;
const MAX_ENTITY_DATA_BYTES = 900 * 1024;
const MAX_BATCH = MAX_TRANSACTION_OPERATIONS;
/** No claim: a time before any real one, typed as DateTime like every claim so filters compare like with like. */
const UNCLAIMED = new Date(0);

interface ChunkEntity {
  partitionKey: string;
  rowKey: string;
  status: 'pending' | 'claimed' | 'sent';
  count: number;
  cursor: number;
  /** DateTime, not a JS number: Azure stores an untyped number over 2^31 as Double and reads a bare literal as Int32. */
  claim_until: Date;
  first_at: Date;
  parts: number;
  [data: `data${number}`]: Uint8Array;
}

const rowKey = (sequence: number, prefix = '') => `${prefix}${String(sequence).padStart(10, '0')}`;
/**
 * Row keys of appended chunks (events sent back from the DLQ): they sort after every chunk of a day slice, so they
 * go out after it, and a new slice, which replaces only its own chunks, never wipes them.
 */
const APPENDED_PREFIX = 'r';

interface EncodedChunk {
  events: OutboxEvent[];
  parts: Uint8Array[];
}

/**
 * Compresses a chunk and splits it into property-sized parts; a chunk that would exceed an entity is halved
 * until it fits.
 */
export function encodeChunks(events: OutboxEvent[]): EncodedChunk[] {
  const compressed = gzipSync(Buffer.from(JSON.stringify(events)));
  if (compressed.byteLength > MAX_ENTITY_DATA_BYTES && events.length > 1) {
    const half = Math.ceil(events.length / 2);
    return [...encodeChunks(events.slice(0, half)), ...encodeChunks(events.slice(half))];
  }
  if (compressed.byteLength > MAX_ENTITY_DATA_BYTES)
    throw new Error(`One event is larger than a Table entity can hold (${compressed.byteLength} bytes compressed)`);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < compressed.byteLength; offset += MAX_PROPERTY_BYTES)
    parts.push(new Uint8Array(compressed.subarray(offset, offset + MAX_PROPERTY_BYTES)));
  return [{ events, parts }];
}

export const TABLE_LIMITS = { MAX_PROPERTY_BYTES, MAX_ENTITY_DATA_BYTES, MAX_BATCH };

/** The pending entity of chunk number `sequence`, on its round-robin shard. */
function chunkEntity(chunk: EncodedChunk, sequence: number, prefix = ''): ChunkEntity {
  const entity = {
    partitionKey: `shard-${sequence % SHARDS}`,
    rowKey: rowKey(sequence, prefix),
    status: 'pending',
    count: chunk.events.length,
    cursor: 0,
    claim_until: UNCLAIMED,
    first_at: new Date(chunk.events[0]!.at),
    parts: chunk.parts.length,
  } as ChunkEntity;
  chunk.parts.forEach((part, index) => (entity[`data${index}`] = part));
  return entity;
}

function decodeChunk(entity: TableEntityResult<Record<string, unknown>>): OutboxEvent[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < Number(entity.parts); i++) parts.push(Buffer.from(entity[`data${i}`] as Uint8Array));
  return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as OutboxEvent[];
}

export class TableOutbox implements Outbox {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async clear(): Promise<number> {
    return this.deleteChunks(() => true);
  }

  /** Deletes the chunks whose row key passes `which`; returns how many. */
  private async deleteChunks(which: (rowKey: string) => boolean): Promise<number> {
    const client = await this.table();
    let deleted = 0;
    for (let shard = 0; shard < SHARDS; shard++) {
      const keys: string[] = [];
      for await (const entity of client.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${`shard-${shard}`}`, select: ['RowKey'] } })) {
        if (which(entity.rowKey!)) keys.push(entity.rowKey!);
      }
      await submitInTransactions(
        client,
        keys.map((key): TransactionAction => ['delete', { partitionKey: `shard-${shard}`, rowKey: key }]),
      );
      deleted += keys.length;
    }
    return deleted;
  }

  /** Replaces the day slice; events sent back from the DLQ (appended chunks) stay, after it. */
  async replace(timed: TimedEvent[]): Promise<{ events: number; chunks: number }> {
    await this.deleteChunks((rowKey) => !rowKey.startsWith(APPENDED_PREFIX));
    const events: OutboxEvent[] = timed.map((t) => ({
      at: t.at,
      partitionKey: t.envelope.partition_key ?? '',
      eventType: t.envelope.event_type,
      eventId: t.envelope.event_id,
      body: JSON.stringify(t.envelope),
    }));
    const chunks = await this.write(events, 0);
    return { events: events.length, chunks };
  }

  /**
   * Adds chunks after the last one. Two appends at once (two DLQ retries) may pick the same next number, so
   * each chunk is created, never overwritten: a taken number (409) moves that chunk on to the next one.
   */
  async append(events: OutboxEvent[]): Promise<number> {
    const client = await this.table();
    let next = 0;
    for await (const entity of client.listEntities({ queryOptions: { select: ['RowKey'] } })) {
      if (entity.rowKey!.startsWith(APPENDED_PREFIX)) next = Math.max(next, Number(entity.rowKey!.slice(APPENDED_PREFIX.length)) + 1);
    }
    for (let i = 0; i < events.length; i += EVENTS_PER_CHUNK) {
      for (const chunk of encodeChunks(events.slice(i, i + EVENTS_PER_CHUNK))) {
        for (;;) {
          try {
            await client.createEntity(chunkEntity(chunk, next++, APPENDED_PREFIX));
            break;
          } catch (error) {
            if (!isAlreadyExists(error)) throw error;
          }
        }
      }
    }
    return events.length;
  }

  /** Writes events as chunks numbered from `firstSequence`, dealt round-robin to the shards; returns the chunk count. */
  private async write(events: OutboxEvent[], firstSequence: number): Promise<number> {
    const client = await this.table();
    const byShard = new Map<number, ChunkEntity[]>();
    let sequence = firstSequence;
    for (let i = 0; i < events.length; i += EVENTS_PER_CHUNK) {
      for (const chunk of encodeChunks(events.slice(i, i + EVENTS_PER_CHUNK))) {
        const shard = sequence % SHARDS;
        const list = byShard.get(shard) ?? [];
        list.push(chunkEntity(chunk, sequence++));
        byShard.set(shard, list);
      }
    }
    await Promise.all(
      [...byShard.values()].map((entities) =>
        submitInTransactions(
          client,
          entities.map((e): TransactionAction => ['upsert', e as unknown as Record<string, unknown> & { partitionKey: string; rowKey: string }, 'Replace']),
        ),
      ),
    );
    return sequence - firstSequence;
  }

  async claim(maxEvents: number, claimTtlMs: number, now: number): Promise<ClaimedChunk[]> {
    const client = await this.table();
    const expired = new Date(now);
    const candidates: TableEntityResult<Record<string, unknown>>[] = [];
    // The earliest chunks of every shard, merged by sequence (chunks are dealt round-robin to shards). Pages are
    // sized to what is wanted: a chunk entity carries up to 900 KiB, so a default page of 1,000 would not do.
    const perShard = Math.ceil(maxEvents / SHARDS / EVENTS_PER_CHUNK) + 1;
    await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        let taken = 0;
        const pages = client
          .listEntities<Record<string, unknown>>({
            queryOptions: {
              filter: odata`PartitionKey eq ${`shard-${shard}`} and (status eq 'pending' or (status eq 'claimed' and claim_until lt ${expired}))`,
            },
          })
          .byPage({ maxPageSize: Math.min(1000, perShard) });
        for await (const page of pages) {
          for (const entity of page) {
            candidates.push(entity);
            taken += Number(entity.count) - Number(entity.cursor);
          }
          if (taken >= maxEvents / SHARDS + EVENTS_PER_CHUNK) break;
        }
      }),
    );
    candidates.sort((a, b) => a.rowKey!.localeCompare(b.rowKey!));
    const claimed: ClaimedChunk[] = [];
    let events = 0;
    for (const entity of candidates) {
      if (events >= maxEvents) break;
      try {
        const response = await client.updateEntity(
          { partitionKey: entity.partitionKey!, rowKey: entity.rowKey!, status: 'claimed', claim_until: new Date(now + claimTtlMs) },
          'Merge',
          { etag: entity.etag },
        );
        claimed.push({ id: `${entity.partitionKey}/${entity.rowKey}`, etag: response.etag!, events: decodeChunk(entity), cursor: Number(entity.cursor) });
        events += Number(entity.count) - Number(entity.cursor);
      } catch (error) {
        if (isTakenMeanwhile(error)) continue; // another drain took it
        throw error;
      }
    }
    return claimed;
  }

  async complete(chunk: ClaimedChunk, sentUpTo: number): Promise<void> {
    const client = await this.table();
    const [partitionKey, key] = chunk.id.split('/') as [string, string];
    const done = sentUpTo >= chunk.events.length;
    try {
      await client.updateEntity({ partitionKey, rowKey: key, status: done ? 'sent' : 'pending', cursor: sentUpTo, claim_until: UNCLAIMED }, 'Merge', {
        etag: chunk.etag,
      });
    } catch (error) {
      // The claim expired and another drain took the chunk over; it continues from our last recorded cursor.
      if (!isTakenMeanwhile(error)) throw error;
    }
  }

  async completeAll(chunks: ClaimedChunk[]): Promise<void> {
    const client = await this.table();
    const byPartition = new Map<string, ClaimedChunk[]>();
    for (const chunk of chunks) {
      const partition = chunk.id.split('/')[0]!;
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), chunk]);
    }
    await Promise.all(
      [...byPartition].map(async ([partitionKey, list]) => {
        for (let i = 0; i < list.length; i += MAX_BATCH) {
          const slice = list.slice(i, i + MAX_BATCH);
          try {
            await client.submitTransaction(
              slice.map((chunk): TransactionAction => [
                'update',
                { partitionKey, rowKey: chunk.id.split('/')[1]!, status: 'sent', cursor: chunk.events.length, claim_until: UNCLAIMED },
                'Merge',
                { etag: chunk.etag },
              ]),
            );
          } catch (error) {
            // One chunk's claim was taken over (ETag mismatch fails the whole transaction): record the rest one by one.
            if (!isStorageError(error)) throw error;
            await Promise.all(slice.map((chunk) => this.complete(chunk, chunk.events.length)));
          }
        }
      }),
    );
  }

  async checkpoint(chunk: ClaimedChunk, sentUpTo: number, claimUntil?: number): Promise<boolean> {
    const client = await this.table();
    const [partitionKey, key] = chunk.id.split('/') as [string, string];
    try {
      const renewal = claimUntil === undefined ? {} : { claim_until: new Date(claimUntil) };
      const response = await client.updateEntity({ partitionKey, rowKey: key, cursor: sentUpTo, ...renewal }, 'Merge', { etag: chunk.etag });
      chunk.etag = response.etag!;
      return true;
    } catch (error) {
      if (isTakenMeanwhile(error)) return false;
      throw error;
    }
  }

  async status(now: number): Promise<OutboxStatus> {
    const client = await this.table();
    const status: OutboxStatus = {
      pending_events: 0,
      claimed_events: 0,
      sent_events: 0,
      pending_chunks: 0,
      claimed_chunks: 0,
      sent_chunks: 0,
      oldest_pending_event_time: null,
    };
    let oldest = Number.POSITIVE_INFINITY;
    for await (const entity of client.listEntities<Record<string, unknown>>({
      queryOptions: { select: ['status', 'count', 'cursor', 'claim_until', 'first_at'] },
    })) {
      const count = Number(entity.count);
      const cursor = Number(entity.cursor);
      const claimed = entity.status === 'claimed' && Number(entity.claim_until) >= now;
      if (entity.status === 'sent') {
        status.sent_chunks++;
        status.sent_events += count;
        continue;
      }
      status.sent_events += cursor;
      if (claimed) {
        status.claimed_chunks++;
        status.claimed_events += count - cursor;
      } else {
        status.pending_chunks++;
        status.pending_events += count - cursor;
        oldest = Math.min(oldest, Number(entity.first_at));
      }
    }
    status.oldest_pending_event_time = Number.isFinite(oldest) ? new Date(oldest).toISOString() : null;
    return status;
  }

  async preview(limit: number): Promise<unknown[]> {
    const client = await this.table();
    const chunks: TableEntityResult<Record<string, unknown>>[] = [];
    // The first unsent chunks of each shard hold the next events: one small page per shard, not the whole outbox.
    const perShard = Math.ceil(limit / EVENTS_PER_CHUNK) + 1;
    await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        const pages = client
          .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${`shard-${shard}`} and status ne 'sent'` } })
          .byPage({ maxPageSize: perShard });
        for await (const page of pages) {
          chunks.push(...page);
          // The service may answer an empty page with a continuation: go on until something comes back.
          if (page.length > 0) break;
        }
      }),
    );
    chunks.sort((a, b) => a.rowKey!.localeCompare(b.rowKey!));
    const events: unknown[] = [];
    for (const chunk of chunks) {
      for (const event of decodeChunk(chunk).slice(Number(chunk.cursor))) {
        if (events.length >= limit) return events;
        events.push(JSON.parse(event.body));
      }
    }
    return events;
  }
}
