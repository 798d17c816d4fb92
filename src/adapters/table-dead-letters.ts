/**
 * The dead-letter queue in a Table: one entity per event (the event JSON in one string property, or in Blob
 * when it is larger than a Table property holds), newest last by row key.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { DeadLetter, DeadLetterQueue } from '../core/streaming/dead-letter.js';
import type { OutboxEvent } from '../core/streaming/types.js';
import type { DatasetFiles } from '../core/storage/files.js';
import { submitInTransactions } from './table-transactions.js';
import { isNotFound } from './rest-status.js';

const PARTITION = 'dlq';
/** Where events too large for a Table property are kept, one blob per letter. */
const DLQ_BODIES = 'state/dlq/';
/** Table string properties hold 32K UTF-16 characters; larger events go to Blob. */
const MAX_INLINE_CHARS = 30_000;
/** An add writes a large body, then its letter, within seconds: a body younger than this may still get its letter. */
const ORPHAN_GRACE_MS = 10 * 60_000;
/** Row keys: creation time (ms, 15 digits), a sequence of the instance and a random suffix. */
const ROW_KEY = /^\d{15}-\d{6}-[a-z0-9]{1,8}$/;

interface DeadLetterEntity {
  partitionKey: string;
  rowKey: string;
  event?: string;
  blob_path?: string;
  event_type: string;
  error: string;
  error_type: string;
  timestamp: string;
  retry_count: number;
}

export class TableDeadLetterQueue implements DeadLetterQueue {
  private sequence = 0;

  constructor(
    private readonly table: () => Promise<TableClient>,
    private readonly files: DatasetFiles,
  ) {}

  /**
   * Every letter, oldest first; with `select`, only those properties (counting, paging and summing must not
   * download up to max_buffer_size event bodies of 30 KB each).
   */
  private async all(select?: (keyof DeadLetterEntity)[]): Promise<DeadLetterEntity[]> {
    const client = await this.table();
    const entities: DeadLetterEntity[] = [];
    const queryOptions = { filter: odata`PartitionKey eq ${PARTITION}`, ...(select ? { select: ['RowKey', ...select.filter((p) => p !== 'rowKey')] } : {}) };
    for await (const entity of client.listEntities<DeadLetterEntity>({ queryOptions })) entities.push(entity);
    return entities.sort((a, b) => a.rowKey.localeCompare(b.rowKey));
  }

  private async fetch(rowKeys: string[]): Promise<DeadLetterEntity[]> {
    const client = await this.table();
    const found = await Promise.all(
      rowKeys.map((rowKey) =>
        client.getEntity<DeadLetterEntity>(PARTITION, rowKey).then(
          (entity) => entity as DeadLetterEntity,
          (error: unknown) => {
            if (isNotFound(error)) return undefined; // taken meanwhile by a retry or clear
            throw error;
          },
        ),
      ),
    );
    return found.filter((e): e is DeadLetterEntity => e !== undefined);
  }

  async add(events: OutboxEvent[], errorType: string, error: string, retryCount: number, maxSize: number): Promise<number> {
    if (events.length === 0) return 0;
    const client = await this.table();
    // When full, new failures are counted (events_failed) but not kept: the oldest evidence is the most useful.
    const room = Math.max(0, maxSize - (await this.all(['rowKey'])).length);
    const kept = events.slice(0, room);
    const now = new Date();
    const entities: DeadLetterEntity[] = [];
    for (const event of kept) {
      const rowKey = `${String(now.getTime()).padStart(15, '0')}-${String(this.sequence++).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`;
      const entity: DeadLetterEntity = {
        partitionKey: PARTITION,
        rowKey,
        event_type: event.eventType,
        error,
        error_type: errorType,
        timestamp: now.toISOString(),
        retry_count: retryCount,
      };
      if (event.body.length > MAX_INLINE_CHARS) {
        entity.blob_path = `${DLQ_BODIES}${rowKey}.json`;
        await this.files.write(entity.blob_path, Buffer.from(event.body), 'application/json');
      } else {
        entity.event = event.body;
      }
      entities.push(entity);
    }
    await submitInTransactions(
      client,
      entities.map((e): TransactionAction => ['create', e as unknown as Record<string, unknown> & { partitionKey: string; rowKey: string }]),
    );
    return kept.length;
  }

  private async toDeadLetter(entity: DeadLetterEntity): Promise<DeadLetter> {
    const body = entity.event ?? (entity.blob_path ? Buffer.from((await this.files.read(entity.blob_path)) ?? new Uint8Array()).toString('utf8') : 'null');
    return {
      id: entity.rowKey,
      event: JSON.parse(body) as unknown,
      event_type: entity.event_type,
      error: entity.error,
      error_type: entity.error_type,
      timestamp: entity.timestamp,
      retry_count: entity.retry_count,
    };
  }

  async list(page: number, pageSize: number): Promise<{ events: DeadLetter[]; count: number }> {
    const keys = await this.all(['rowKey']);
    const slice = await this.fetch(keys.slice((page - 1) * pageSize, page * pageSize).map((e) => e.rowKey));
    return { events: await Promise.all(slice.map((e) => this.toDeadLetter(e))), count: keys.length };
  }

  async summary() {
    const entities = await this.all(['error_type', 'event_type']);
    const by_error_type: Record<string, number> = {};
    const by_event_type: Record<string, number> = {};
    for (const e of entities) {
      by_error_type[e.error_type] = (by_error_type[e.error_type] ?? 0) + 1;
      by_event_type[e.event_type] = (by_event_type[e.event_type] ?? 0) + 1;
    }
    return { total: entities.length, by_error_type, by_event_type };
  }

  async peek(ids?: string[]): Promise<DeadLetter[]> {
    const wanted = ids ? new Set(ids) : null;
    // Ids come from callers: only well-formed row keys are looked up (others cannot exist, and characters such
    // as '/' or '#' would make the Table service refuse the request itself).
    const chosen = wanted ? await this.fetch([...wanted].filter((id) => ROW_KEY.test(id))) : await this.all();
    return Promise.all(chosen.map((e) => this.toDeadLetter(e)));
  }

  async remove(ids: string[]): Promise<void> {
    const client = await this.table();
    const present = await this.fetch(ids.filter((id) => ROW_KEY.test(id)));
    await submitInTransactions(
      client,
      present.map((e): TransactionAction => ['delete', { partitionKey: PARTITION, rowKey: e.rowKey }]),
    );
    // Events too large for a Table property were kept in Blob: they go with their letter.
    await Promise.all(present.filter((e) => e.blob_path).map((e) => this.files.deletePrefix(e.blob_path!)));
  }

  async take(ids?: string[]): Promise<DeadLetter[]> {
    const letters = await this.peek(ids);
    await this.remove(letters.map((letter) => letter.id));
    return letters;
  }

  async clear(): Promise<number> {
    const cleared = (await this.take()).length;
    await this.removeOrphanedBodies(Date.now() - ORPHAN_GRACE_MS);
    return cleared;
  }

  /**
   * Bodies whose letter is gone (an instance that died between writing the body and the entity, or between deleting
   * the entity and the body), made before `before`: nothing under the DLQ's folder outlives a clear for long, and a
   * letter being added meanwhile (body first, then its entity) keeps its body.
   */
  private async removeOrphanedBodies(before: number): Promise<void> {
    const [bodies, letters] = await Promise.all([this.files.list(DLQ_BODIES), this.all(['rowKey'])]);
    const kept = new Set(letters.map((letter) => `${DLQ_BODIES}${letter.rowKey}.json`));
    const orphaned = bodies.filter(({ path }) => !kept.has(path) && Number(path.slice(DLQ_BODIES.length, DLQ_BODIES.length + 15)) < before);
    await Promise.all(orphaned.map(({ path }) => this.files.deletePrefix(path)));
  }
}
