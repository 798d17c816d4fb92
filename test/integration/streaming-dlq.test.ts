/** Dead letters in Tables: listed, summarized, sent back through the outbox, capped at max_buffer_size. */
import { describe, expect, inject, it } from 'vitest';
import type { OutboxEvent } from '../../src/core/streaming/types.js';
import { streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
const event = (i: number, size = 50): OutboxEvent => ({
  at: i,
  partitionKey: `store-${i}`,
  eventType: i % 2 ? 'receipt_created' : 'ad_impression',
  body: JSON.stringify({ event_id: `e${i}`, event_type: i % 2 ? 'receipt_created' : 'ad_impression', partition_key: `store-${i}`, pad: 'x'.repeat(size) }),
});

describe('dead-letter queue', () => {
  it('keeps events with their error, pages, summarizes, retries through the outbox and respects the cap', async () => {
    const deps = await streamingTestDeps(connectionString, {});
    expect(await deps.deadLetters.add([event(1), event(2), event(3, 40_000)], 'authentication', 'denied', 0, 5)).toBe(3);
    expect(await deps.deadLetters.add([event(4), event(5), event(6)], 'message_too_large', 'big', 2, 5)).toBe(2);
    const page = await deps.deadLetters.list(1, 2);
    expect(page.count).toBe(5);
    expect(page.events).toHaveLength(2);
    expect(page.events[0]).toMatchObject({ error_type: 'authentication', retry_count: 0, event: { event_id: 'e1' } });
    const big = (await deps.deadLetters.list(3, 1)).events[0]!;
    expect((big.event as { pad: string }).pad).toHaveLength(40_000);
    expect(await deps.deadLetters.summary()).toEqual({
      total: 5,
      by_error_type: { authentication: 3, message_too_large: 2 },
      by_event_type: { receipt_created: 3, ad_impression: 2 },
    });

    // Ids that are no row key (or no longer exist) take nothing and never reach the Table service as keys.
    expect(await deps.deadLetters.take(['a/b#c?', '000000000000000-000000-zzzz', '../x'])).toEqual([]);
    const taken = await deps.deadLetters.take([page.events[0]!.id]);
    expect(taken).toHaveLength(1);
    await deps.outbox.append(taken.map((t) => ({ at: 0, partitionKey: 'store-1', eventType: t.event_type, body: JSON.stringify(t.event) })));
    expect((await deps.outbox.status(Date.now())).pending_events).toBe(1);
    expect((await deps.outbox.preview(5))[0]).toMatchObject({ event_id: 'e1' });
    expect(await deps.deadLetters.clear()).toBe(4);
    expect((await deps.deadLetters.summary()).total).toBe(0);
  });
});
