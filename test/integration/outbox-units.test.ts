/**
 * The Table outbox's unit writes on Azurite: each event in its partition key's shard, a redelivered unit or
 * one that died half-way inserts only what is missing and never resets a sent chunk, claims take only the
 * stream's generation (and DLQ retries), and removing old generations leaves the current one and the DLQ's.
 */
import { describe, expect, inject, it } from 'vitest';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { freshTable } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');

function unitEvents(prefix: string, count: number, stores: number): TimedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    at: 1_772_600_000_000 + i * 1000,
    envelope: {
      event_id: `${prefix}-${i}`,
      event_type: 'customer_entered',
      payload: { i },
      trace_id: 't',
      ingest_timestamp: '',
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % stores}`,
    },
  }));
}

const idsOf = (chunks: { events: { body: string }[] }[]) => chunks.flatMap((c) => c.events.map((e) => (JSON.parse(e.body) as { event_id: string }).event_id));

describe('outbox units on Azurite', () => {
  it('a rewritten unit inserts only the missing chunks and leaves sent ones sent', async () => {
    const table = await freshTable(connectionString, 'unitsoutbox');
    const units = new TableOutbox(async () => table);
    const slice = { day: '2026-03-04', generation: 'g1', unit: 'dc-001' };
    const events = unitEvents('a', 3_000, 12);
    const first = await units.writeUnit(slice, events);
    expect(first.created).toBe(first.chunks);
    // Each of the 12 stores' events sit in one shard: the chunks of a claim hold every store in one shard only.
    const claimed = await units.claim(100_000, 60_000, Date.now(), { holder: 'drain-a', generation: 'g1' });
    const shardsOfStore = new Map<string, Set<string>>();
    for (const chunk of claimed)
      for (const event of chunk.events)
        shardsOfStore.set(event.partitionKey, (shardsOfStore.get(event.partitionKey) ?? new Set()).add(chunk.id.split('/')[0]!));
    expect(shardsOfStore.size).toBe(12);
    expect([...shardsOfStore.values()].every((shards) => shards.size === 1)).toBe(true);
    expect(idsOf(claimed).sort()).toEqual(events.map((e) => e.envelope.event_id).sort());
    // One chunk is sent, the others go back; then the unit "dies half-way" (a few chunks deleted) and runs again.
    await units.complete(claimed[0]!, claimed[0]!.events.length);
    for (const chunk of claimed.slice(1)) await units.complete(chunk, 0);
    const [shard, rowKey] = claimed[1]!.id.split('/') as [string, string];
    await table.deleteEntity(shard, rowKey);
    const again = await units.writeUnit(slice, events);
    expect(again.chunks).toBe(first.chunks);
    expect(again.created).toBe(1);
    const status = await units.status(Date.now(), { generation: 'g1' });
    expect(status.sent_events).toBe(claimed[0]!.events.length);
    expect(status.pending_events).toBe(3_000 - claimed[0]!.events.length);
    // Claimed again, then checkpointed: the claim holds (its ETag is the claim's).
    const next = await units.claim(500, 60_000, Date.now(), { holder: 'drain-a', generation: 'g1' });
    expect(next.length).toBeGreaterThan(0);
    expect(await units.checkpoint(next[0]!, 1, Date.now() + 60_000)).toBe(true);
  });

  it('claims only the given generation and the DLQ retries, and removing old generations keeps those', async () => {
    const table = await freshTable(connectionString, 'gensoutbox');
    const outbox = new TableOutbox(async () => table);
    await outbox.writeUnit({ day: '2026-03-04', generation: 'old', unit: 'dc-001' }, unitEvents('old', 300, 4));
    await outbox.writeUnit({ day: '2026-03-04', generation: 'new', unit: 'dc-001' }, unitEvents('new', 300, 4));
    await outbox.append(
      unitEvents('dlq', 5, 4).map((t) => ({
        at: t.at,
        partitionKey: t.envelope.partition_key!,
        eventType: t.envelope.event_type,
        body: JSON.stringify(t.envelope),
      })),
    );
    const claimed = idsOf(await outbox.claim(10_000, 60_000, Date.now(), { holder: 'drain-a', generation: 'new' }));
    expect(claimed.filter((id) => id.startsWith('old'))).toEqual([]);
    expect(claimed.filter((id) => id.startsWith('new'))).toHaveLength(300);
    expect(claimed.filter((id) => id.startsWith('dlq'))).toHaveLength(5);
    expect((await outbox.status(Date.now(), { generation: 'new' })).claimed_events).toBe(305);
    const removed = await outbox.removeGenerations(['new']);
    expect(removed).toBeGreaterThan(0);
    expect((await outbox.status(Date.now())).claimed_events + (await outbox.status(Date.now())).pending_events).toBe(305);
  });
});
