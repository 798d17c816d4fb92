/**
 * The outbox in Azure Table Storage. Events are stored in chunks (hundreds of events per entity, gzip-compressed
 * JSON split over binary properties) across sharded partitions and written with batch transactions, because one
 * entity per event cannot keep up with a hub (about 2,000 entities/s per partition). Chunks are claimed with
 * ETags, so overlapping drains never send the same chunk at once, and a claim that expires (its instance died)
 * can be taken again. Azurite does not enforce the service limits, so they are checked here.
 *
 * Sharding is by partition key (../core/streaming/shards.ts): all events of a store (DC, customer) are in one
 * shard, in row-key order, so per-key order holds inside a shard whoever wrote the chunks. A row key is
 * `day|generation|first event time|unit|sequence`: a day's chunks of all units interleave by time, the next
 * day sorts after the current one, and a unit rewriting its day makes the same keys (insert-only: nothing twice).
 */
import { setTimeout as pause } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TimedEvent } from '../core/events/factory.js';
import { claimableRun, selectClaims, type ChunkClaimView } from '../core/streaming/claim-plan.js';
import { shardOf } from '../core/streaming/shards.js';
import type { ClaimedChunk, ClaimOptions, Outbox, OutboxEvent, OutboxFilter, OutboxSlice, OutboxStatus } from '../core/streaming/types.js';
import { MAX_TRANSACTION_OPERATIONS, transactionBatches } from './table-transactions.js';
import { isAlreadyExists, isNotFound, isStorageError, isTakenMeanwhile } from './rest-status.js';

export const EVENTS_PER_CHUNK = 250;
/**
 * A unit's transactions are smaller than the byte budget allows: the storage account handles a request at a time per
 * partition server (Azurite: one at a time), so a large unit transaction would hold the drain's sends and
 * checkpoints behind it.
 */
const UNIT_TRANSACTION_BYTES = 128 * 1024;
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
  /** The drain holding the claim ('' when unclaimed): a drain claims past its own chunks, never past another's. */
  claimed_by: string;
  first_at: Date;
  /** The slice: '' for both for events sent back from the DLQ (claimable whatever the generation). */
  day: string;
  generation: string;
  unit: string;
  parts: number;
  [data: `data${number}`]: Uint8Array;
}

const shardKey = (shard: number) => `shard-${shard}`;

/** A chunk in its shard's line, as a claim reads it (no event data). */
interface LineChunk extends ChunkClaimView {
  partitionKey: string;
  etag: string;
  cursor: number;
}
/** Widest epoch-ms time (year 5138 and beyond fit in 15 digits) and chunk number within a unit's shard. */
const TIME_DIGITS = 15;
const SEQUENCE_DIGITS = 6;
/**
 * Row keys of appended chunks (events sent back from the DLQ): they sort after every day slice (row keys of a
 * slice begin with the day's digits), so they go out after it, and removing a generation never touches them.
 */
const APPENDED_PREFIX = 'r';
/** Row keys of `replace` (tests and benchmarks): no day, sorting before any real one. */
const REPLACED_SLICE: OutboxSlice = { day: '0000-00-00', generation: '', unit: 'all' };

function sliceRowKey(slice: OutboxSlice, firstAt: number, sequence: number): string {
  return `${slice.day}|${slice.generation}|${String(Math.max(0, firstAt)).padStart(TIME_DIGITS, '0')}|${slice.unit}|${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}

/** Characters the Table service refuses in keys, and `|` (our separator). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const FORBIDDEN_KEY_CHARACTERS = /[/\\#?|\u0000-\u001f\u007f-\u009f]/;

function assertSliceKeys(slice: OutboxSlice): void {
  for (const [field, value] of Object.entries(slice)) {
    if (FORBIDDEN_KEY_CHARACTERS.test(value)) throw new Error(`outbox slice ${field} ${JSON.stringify(value)} cannot be part of a row key`);
  }
}

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

/** The pending entity of a chunk, in `shard` under `rowKey`. */
function chunkEntity(chunk: EncodedChunk, shard: number, rowKey: string, slice: Pick<OutboxSlice, 'day' | 'generation' | 'unit'>): ChunkEntity {
  const entity = {
    partitionKey: shardKey(shard),
    rowKey,
    status: 'pending',
    count: chunk.events.length,
    cursor: 0,
    claim_until: UNCLAIMED,
    claimed_by: '',
    first_at: new Date(chunk.events[0]!.at),
    day: slice.day,
    generation: slice.generation,
    unit: slice.unit,
    parts: chunk.parts.length,
  } as ChunkEntity;
  chunk.parts.forEach((part, index) => (entity[`data${index}`] = part));
  return entity;
}

/** Events by shard (their partition key's), each shard's in the order given. */
function byShard(events: readonly OutboxEvent[]): Map<number, OutboxEvent[]> {
  const shards = new Map<number, OutboxEvent[]>();
  for (const event of events) {
    const shard = shardOf(event.partitionKey, SHARDS);
    const list = shards.get(shard);
    if (list) list.push(event);
    else shards.set(shard, [event]);
  }
  return shards;
}

export function toOutboxEvents(timed: readonly TimedEvent[]): OutboxEvent[] {
  return timed.map((t) => ({
    at: t.at,
    partitionKey: t.envelope.partition_key ?? '',
    eventType: t.envelope.event_type,
    eventId: t.envelope.event_id,
    body: JSON.stringify(t.envelope),
  }));
}

/** A claim filter's generation part: that generation's chunks and the DLQ's (generation ''). */
function generationFilter(filter: OutboxFilter | undefined): string {
  return filter?.generation === undefined ? '' : odata` and (generation eq ${filter.generation} or generation eq '')`;
}

function decodeChunk(entity: TableEntityResult<Record<string, unknown>>): OutboxEvent[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < Number(entity.parts); i++) parts.push(Buffer.from(entity[`data${i}`] as Uint8Array));
  return JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')) as OutboxEvent[];
}

/**
 * Deletes the given rows of one partition in transactions; a transaction refused because one of them is gone already
 * (a unit of a deleted stream removing its own chunks at the same time) is redone row by row, passing over those.
 */
async function deleteTolerantly(client: TableClient, partitionKey: string, rowKeys: readonly string[]): Promise<void> {
  for (const batch of transactionBatches(rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]))) {
    try {
      await client.submitTransaction(batch);
    } catch (error) {
      // Not only a 404: a transaction can fail as a whole while another deleter (a unit removing what it wrote, the
      // drain's claim) works the same partition. One by one, each delete tolerates only its entity being gone.
      if (!isStorageError(error)) throw error;
      for (const [, entity] of batch)
        await client.deleteEntity(entity.partitionKey, entity.rowKey).catch((single: unknown) => {
          if (!isNotFound(single)) throw single;
        });
    }
  }
}

export class TableOutbox implements Outbox {
  constructor(private readonly table: () => Promise<TableClient>) {}

  async clear(): Promise<number> {
    return this.deleteChunks(() => true);
  }

  async removeGenerations(keep: readonly string[]): Promise<number> {
    const kept = new Set(keep);
    return this.deleteChunks((entity) => entity.generation !== '' && !kept.has(entity.generation));
  }

  /** Deletes the chunks that pass `which` (given their row key and generation); returns how many. */
  private async deleteChunks(which: (entity: { rowKey: string; generation: string }) => boolean): Promise<number> {
    const client = await this.table();
    const counts = await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        const keys: string[] = [];
        for await (const entity of client.listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey eq ${shardKey(shard)}`, select: ['RowKey', 'generation'] },
        })) {
          if (which({ rowKey: entity.rowKey!, generation: typeof entity.generation === 'string' ? entity.generation : '' })) keys.push(entity.rowKey!);
        }
        await deleteTolerantly(client, shardKey(shard), keys);
        return keys.length;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Replaces the day slice; events sent back from the DLQ (appended chunks) stay, after it. */
  async replace(timed: TimedEvent[]): Promise<{ events: number; chunks: number }> {
    await this.deleteChunks(({ rowKey }) => !rowKey.startsWith(APPENDED_PREFIX));
    const { events, chunks } = await this.writeUnit(REPLACED_SLICE, timed);
    return { events, chunks };
  }

  /** Writes a unit's chunks; an aborted write stops between transactions (what was written stays: insert-only). */
  async writeUnit(
    slice: OutboxSlice,
    timed: TimedEvent[],
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<{ events: number; chunks: number; created: number }> {
    assertSliceKeys(slice);
    const client = await this.table();
    // One shard at a time, encoded just before it is written: a unit's writes share Storage with the drain's sends
    // (a burst of parallel 512-KiB transactions slows them past their timeout), and encoding a whole unit at once
    // would hold the thread for that long.
    let chunks = 0;
    let created = 0;
    for (const [shard, events] of byShard(toOutboxEvents(timed))) {
      const entities: ChunkEntity[] = [];
      for (let i = 0; i < events.length; i += EVENTS_PER_CHUNK) {
        for (const chunk of encodeChunks(events.slice(i, i + EVENTS_PER_CHUNK))) {
          entities.push(chunkEntity(chunk, shard, sliceRowKey(slice, chunk.events[0]!.at, entities.length), slice));
        }
      }
      chunks += entities.length;
      created += await this.insertAll(client, entities, options.abortSignal);
    }
    return { events: timed.length, chunks, created };
  }

  /**
   * Inserts entities of one partition in transactions; a transaction refused because one of its chunks exists (a
   * unit that wrote part of its day before it died, or a redelivered one) is redone chunk by chunk, skipping the
   * existing ones, so a chunk already sent is never reset. Returns how many were created.
   */
  private async insertAll(client: TableClient, entities: ChunkEntity[], abortSignal?: AbortSignal): Promise<number> {
    let created = 0;
    for (const batch of transactionBatches(
      entities.map((e): TransactionAction => ['create', e as unknown as Record<string, unknown> & { partitionKey: string; rowKey: string }]),
      UNIT_TRANSACTION_BYTES,
    )) {
      abortSignal?.throwIfAborted();
      try {
        const began = Date.now();
        await client.submitTransaction(batch);
        created += batch.length;
        // Twice as long to the drain: a unit's writes take at most a third of what the account gives this instance,
        // so sends sharing it (the Blob sink, the drain's own claims) keep their pace while a day is written.
        // An abort ends the pause at once (a reset waiting for this write need not sit it out); the next batch then throws.
        await pause(Math.min(3_000, 2 * (Date.now() - began)), undefined, { signal: abortSignal }).catch((error: unknown) => {
          if (!abortSignal?.aborted) throw error;
        });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        for (const [, entity] of batch) {
          try {
            await client.createEntity(entity);
            created++;
          } catch (single) {
            if (!isAlreadyExists(single)) throw single;
          }
        }
      }
    }
    return created;
  }

  /**
   * Adds chunks after the last one, each event in its key's shard. Two appends at once (two DLQ retries) may
   * pick the same next number, so each chunk is created, never overwritten: a taken number (409) moves that
   * chunk on to the next one.
   */
  async append(events: OutboxEvent[]): Promise<number> {
    const client = await this.table();
    let next = 0;
    for await (const entity of client.listEntities({ queryOptions: { filter: odata`RowKey ge ${APPENDED_PREFIX}`, select: ['RowKey'] } })) {
      if (entity.rowKey!.startsWith(APPENDED_PREFIX)) next = Math.max(next, Number(entity.rowKey!.slice(APPENDED_PREFIX.length)) + 1);
    }
    for (const [shard, list] of byShard(events)) {
      for (let i = 0; i < list.length; i += EVENTS_PER_CHUNK) {
        for (const chunk of encodeChunks(list.slice(i, i + EVENTS_PER_CHUNK))) {
          for (;;) {
            try {
              await client.createEntity(
                chunkEntity(chunk, shard, `${APPENDED_PREFIX}${String(next++).padStart(10, '0')}`, { day: '', generation: '', unit: '' }),
              );
              break;
            } catch (error) {
              if (!isAlreadyExists(error)) throw error;
            }
          }
        }
      }
    }
    return events.length;
  }

  async claim(maxEvents: number, claimTtlMs: number, now: number, options: ClaimOptions): Promise<ClaimedChunk[]> {
    const client = await this.table();
    // Each shard's line is read without the event data (a chunk entity carries up to 900 KiB), up to its share of
    // what is wanted; the data of the chunks taken is read after they are claimed.
    const perShard = maxEvents / SHARDS + EVENTS_PER_CHUNK;
    const pageSize = Math.min(1000, 2 * Math.ceil(perShard / EVENTS_PER_CHUNK) + 8);
    const runs = await Promise.all(
      Array.from({ length: SHARDS }, (_, shard) => claimableRun(this.shardLine(client, shard, pageSize, options), options.holder, now, perShard)),
    );
    const chosen = selectClaims(runs, maxEvents);
    const claimUntil = new Date(now + claimTtlMs);
    const claimed = await Promise.all(chosen.map((chunks) => this.claimPrefix(client, chunks, claimUntil, options.holder)));
    const rowKey = (chunk: ClaimedChunk) => chunk.id.slice(chunk.id.indexOf('/') + 1);
    return claimed.flat().sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : rowKey(a) > rowKey(b) ? 1 : 0));
  }

  /** A shard's unsent chunks in row-key order, as claims see them, read page by page as the caller goes on. */
  private async *shardLine(client: TableClient, shard: number, pageSize: number, filter: OutboxFilter): AsyncGenerator<LineChunk> {
    const pages = client
      .listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${shardKey(shard)} and status ne 'sent'` + generationFilter(filter),
          select: ['RowKey', 'status', 'count', 'cursor', 'claim_until', 'claimed_by'],
        },
      })
      .byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      for (const entity of page) {
        yield {
          partitionKey: shardKey(shard),
          key: entity.rowKey!,
          etag: entity.etag,
          status: entity.status as LineChunk['status'],
          claimUntil: entity.claim_until instanceof Date ? entity.claim_until.getTime() : Date.parse(String(entity.claim_until)),
          claimedBy: typeof entity.claimed_by === 'string' ? entity.claimed_by : '',
          cursor: Number(entity.cursor),
          unsent: Number(entity.count) - Number(entity.cursor),
        };
      }
    }
  }

  /**
   * Claims a shard's chosen chunks in ETag'd transactions, in order, then reads their events. A transaction refused
   * (another drain claimed one of them meanwhile) ends the shard's claim there: what follows waits its turn.
   */
  private async claimPrefix(client: TableClient, chunks: readonly LineChunk[], claimUntil: Date, holder: string): Promise<ClaimedChunk[]> {
    const taken: LineChunk[] = [];
    for (let i = 0; i < chunks.length; i += MAX_BATCH) {
      const slice = chunks.slice(i, i + MAX_BATCH);
      try {
        await client.submitTransaction(
          slice.map((chunk): TransactionAction => [
            'update',
            { partitionKey: chunk.partitionKey, rowKey: chunk.key, status: 'claimed', claim_until: claimUntil, claimed_by: holder },
            'Merge',
            { etag: chunk.etag },
          ]),
        );
        taken.push(...slice);
      } catch (error) {
        // 412/404 for the transaction as a whole: one of its chunks was claimed or finished meanwhile.
        if (!isTakenMeanwhile(error)) throw error;
        break;
      }
    }
    if (taken.length === 0) return [];
    // The events and the claim's ETag are read back (a transaction's sub-responses do not name their rows); nobody
    // else can write a chunk this drain holds until the claim ends, so the ETag read is the claim's. One range query
    // reads them all (a request per chunk cost the storage account, and Azurite, a round trip each). Rows between them
    // that this claim did not take are passed over: sent ones and another drain's by the filter, this drain's own from
    // an earlier claim by the set of rows taken.
    const wanted = new Set(taken.map((chunk) => chunk.key));
    const partitionKey = taken[0]!.partitionKey;
    const first = taken[0]!.key;
    const last = taken[taken.length - 1]!.key;
    const read: ClaimedChunk[] = [];
    for await (const entity of client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${first} and RowKey le ${last} and claimed_by eq ${holder}` },
    })) {
      if (!wanted.has(entity.rowKey!) || Number(entity.claim_until) !== claimUntil.getTime()) continue;
      read.push({ id: `${partitionKey}/${entity.rowKey!}`, etag: entity.etag, events: decodeChunk(entity), cursor: Number(entity.cursor) });
    }
    return read;
  }

  async complete(chunk: ClaimedChunk, sentUpTo: number): Promise<void> {
    const client = await this.table();
    const [partitionKey, key] = chunk.id.split('/') as [string, string];
    const done = sentUpTo >= chunk.events.length;
    try {
      await client.updateEntity(
        { partitionKey, rowKey: key, status: done ? 'sent' : 'pending', cursor: sentUpTo, claim_until: UNCLAIMED, claimed_by: '' },
        'Merge',
        {
          etag: chunk.etag,
        },
      );
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
                { partitionKey, rowKey: chunk.id.split('/')[1]!, status: 'sent', cursor: chunk.events.length, claim_until: UNCLAIMED, claimed_by: '' },
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

  async status(now: number, filter?: OutboxFilter): Promise<OutboxStatus> {
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
      queryOptions: {
        select: ['status', 'count', 'cursor', 'claim_until', 'first_at'],
        ...(filter?.generation === undefined ? {} : { filter: odata`generation eq ${filter.generation} or generation eq ''` }),
      },
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
          .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${shardKey(shard)} and status ne 'sent'` } })
          .byPage({ maxPageSize: perShard });
        for await (const page of pages) {
          chunks.push(...page);
          // The service may answer an empty page with a continuation: go on until something comes back.
          if (page.length > 0) break;
        }
      }),
    );
    chunks.sort((a, b) => (a.rowKey! < b.rowKey! ? -1 : a.rowKey! > b.rowKey! ? 1 : 0));
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
