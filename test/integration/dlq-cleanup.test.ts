/**
 * Nothing of the dead-letter queue outlives its letters: a large event's body (kept in Blob) goes with its letter,
 * and clearing the queue also removes bodies whose letter never got written or was deleted first (an instance that
 * died in between), but not the body of a letter that an add is writing at the same moment.
 */
import { describe, expect, inject, it } from 'vitest';
import { TableDeadLetterQueue } from '../../src/adapters/table-dead-letters.js';
import type { OutboxEvent } from '../../src/core/streaming/types.js';
import { freshTable, MemoryFiles } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');

function event(id: string, payloadChars: number): OutboxEvent {
  const body = JSON.stringify({ event_id: id, event_type: 'receipt_created', partition_key: 'store-1', payload: { note: 'x'.repeat(payloadChars) } });
  return { at: 0, partitionKey: 'store-1', eventType: 'receipt_created', eventId: id, body };
}

describe('DLQ cleanup', () => {
  it('removes large bodies with their letters and every orphaned body on clear', async () => {
    const table = await freshTable(connectionString, 'dlqclean');
    const files = new MemoryFiles();
    const dlq = new TableDeadLetterQueue(async () => table, files);
    // 40,000 characters is more than a Table string property holds (32K): the body goes to Blob.
    expect(await dlq.add([event('big-1', 40_000), event('big-2', 40_000), event('small', 10)], 'unknown', 'x', 0, 100)).toBe(3);
    const bodies = () => [...files.files.keys()].filter((path) => path.startsWith('state/dlq/'));
    expect(bodies()).toHaveLength(2);
    const letters = (await dlq.list(1, 10)).events;
    const big = letters.find((letter) => (letter.event as { event_id: string }).event_id === 'big-1')!;
    await dlq.remove([big.id]);
    expect(bodies()).toHaveLength(1);
    // A body whose letter is gone (the instance died between the two deletes).
    await files.write('state/dlq/000000000000001-000001-orphan.json', Buffer.from('{}'));
    expect(await dlq.clear()).toBe(2);
    expect(bodies()).toEqual([]);
    expect((await dlq.summary()).total).toBe(0);
  });

  it('keeps the body of a letter being added while the queue is cleared', async () => {
    const table = await freshTable(connectionString, 'dlqrace');
    const files = new MemoryFiles();
    const dlq = new TableDeadLetterQueue(async () => table, files);
    // The clear runs between an add's body write and its entity write.
    let clearing: Promise<number> | undefined;
    const write = files.write.bind(files);
    files.write = async (path: string, bytes: Uint8Array) => {
      await write(path, bytes);
      clearing ??= dlq.clear();
      await clearing;
    };
    expect(await dlq.add([event('big-during-clear', 40_000)], 'unknown', 'x', 0, 100)).toBe(1);
    const [letter] = (await dlq.list(1, 10)).events;
    expect((letter!.event as { event_id: string }).event_id).toBe('big-during-clear');
  });
});
