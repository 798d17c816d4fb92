/**
 * The Table outbox on Azurite: chunks respect the Table limits, overlapping drains send every event exactly
 * once, a claim that expires is taken over without losing or repeating what was recorded, and the drain
 * follows the configured pace.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { encodeChunks, TABLE_LIMITS, TableOutbox } from '../../src/adapters/table-outbox.js';
import { appConfigSchema } from '../../src/core/config/schema.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import type { StreamingDeps } from '../../src/core/streaming/control.js';
import type { EventSink, OutboxEvent, StreamState } from '../../src/core/streaming/types.js';
import { freshTable, streamingTestDeps } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');

const table = (name: string) => freshTable(connectionString, name);

function events(count: number, bodySize = 200): TimedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    at: 1_700_000_000_000 + i,
    envelope: {
      event_id: `e${i}`,
      event_type: i % 2 ? 'ble_ping_detected' : 'receipt_created',
      payload: { n: i, pad: 'x'.repeat(bodySize) },
      trace_id: 't',
      ingest_timestamp: new Date(1_700_000_000_000 + i).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 7}`,
    },
  }));
}

class RecordingSink implements EventSink {
  readonly kind = 'blob' as const;
  readonly received: OutboxEvent[] = [];
  readonly calls: number[] = [];
  async send(batch: OutboxEvent[]) {
    this.received.push(...batch);
    this.calls.push(Date.now());
    return { bytes: batch.reduce((sum, e) => sum + e.body.length, 0), batches: 1 };
  }
}

async function deps(outbox: TableOutbox, state: Partial<StreamState>): Promise<StreamingDeps> {
  return streamingTestDeps(connectionString, state, outbox);
}

const config = appConfigSchema.parse({});

describe('TableOutbox', () => {
  it('keeps every chunk within the Table limits, splitting big ones', () => {
    // Random (incompressible) bodies: 250 events of ~5 KB cannot fit one entity once compressed.
    const big = events(250, 0).map((t) => ({
      at: t.at,
      partitionKey: 'p',
      eventType: 'x',
      body: JSON.stringify({ ...t.envelope, blob: randomBytes(4000).toString('base64') }),
    }));
    const chunks = encodeChunks(big);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((sum, c) => sum + c.events.length, 0)).toBe(250);
    for (const chunk of chunks) {
      expect(chunk.parts.reduce((sum, p) => sum + p.byteLength, 0)).toBeLessThanOrEqual(TABLE_LIMITS.MAX_ENTITY_DATA_BYTES);
      for (const part of chunk.parts) expect(part.byteLength).toBeLessThanOrEqual(TABLE_LIMITS.MAX_PROPERTY_BYTES);
      expect(chunk.parts.length + 8).toBeLessThanOrEqual(252);
    }
  });

  it('sends every event exactly once with two drains overlapping', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    const filled = await outbox.replace(events(3000));
    // 250 events a chunk, in the shard of each event's store: at least 12 chunks, and at most one part-filled one per shard.
    expect(filled.events).toBe(3000);
    expect(filled.chunks).toBeGreaterThanOrEqual(12);
    expect(filled.chunks).toBeLessThanOrEqual(12 + 4);
    const streaming = await deps(outbox, { emit_interval_ms: 10, burst: 500 });
    const sinkA = new RecordingSink();
    const sinkB = new RecordingSink();
    // Two drains at once, again and again until the outbox is empty (how many rounds depends on the machine's speed).
    for (let round = 0; round < 10 && (await outbox.status(Date.now())).sent_events < 3000; round++) {
      await Promise.all([drainOutbox(streaming, config, async () => sinkA, 2_000), drainOutbox(streaming, config, async () => sinkB, 2_000)]);
    }
    const ids = [...sinkA.received, ...sinkB.received].map((e) => (JSON.parse(e.body) as { event_id: string }).event_id);
    expect(ids).toHaveLength(3000);
    expect(new Set(ids).size).toBe(3000);
    expect((await outbox.status(Date.now())).sent_events).toBe(3000);
  });

  it('resumes an abandoned claim from its recorded cursor after it expires', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    await outbox.replace(events(500));
    const now = Date.now();
    const [first] = await outbox.claim(1, 1_000, now, { holder: 'drain-a' });
    await outbox.complete(first!, 100); // sent 100, released
    const [again] = await outbox.claim(1, 1_000, now, { holder: 'drain-a' });
    expect(again!.cursor).toBe(100);
    // This drain "dies" holding the claim: nobody else may take the chunk until the claim expires.
    const meanwhile = await outbox.claim(250, 1_000, now + 500, { holder: 'drain-b' });
    expect(meanwhile.map((c) => c.id)).not.toContain(again!.id);
    const later = await outbox.claim(500, 1_000, now + 2_000, { holder: 'drain-b' });
    expect(later.map((c) => c.id)).toContain(again!.id);
    expect(later.find((c) => c.id === again!.id)!.cursor).toBe(100);
  });

  it('a taking-over drain stops a shard at a chunk another drain still holds; a drain claims past its own', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    // One key: all 1,000 events in one shard, four chunks in order.
    await outbox.replace(events(1000).map((t) => ({ ...t, envelope: { ...t.envelope, partition_key: 'store-1' } })));
    const now = Date.now();
    const ids = (chunks: { id: string }[]) => chunks.map((c) => c.id);
    const [first] = await outbox.claim(1, 1_000, now, { holder: 'drain-a' });
    // Drain A claims ahead: past its own first chunk, the next one.
    const [second] = await outbox.claim(1, 1_000, now + 500, { holder: 'drain-a' });
    expect(second!.id > first!.id).toBe(true);
    expect(second!.events[0]!.eventId).toBe('e250');
    // A's first claim has expired, its second has not: B takes the first and must stop there, not jump to the third.
    const takeover = await outbox.claim(10_000, 1_000, now + 1_200, { holder: 'drain-b' });
    expect(ids(takeover)).toEqual([first!.id]);
    // Once A's second claim expires too, B takes it and the rest, in order, passing over the chunk it holds.
    const rest = await outbox.claim(10_000, 1_000, now + 2_000, { holder: 'drain-b' });
    expect(rest.map((c) => c.events[0]!.eventId)).toEqual(['e250', 'e500', 'e750']);
    // A has lost both claims: its checkpoints say so.
    expect(await outbox.checkpoint(first!, 10, now + 3_000)).toBe(false);
    expect(await outbox.checkpoint(second!, 10, now + 3_000)).toBe(false);
  });

  it('a claim reads back only the chunks it took, not one it already held between them', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    // One key: four chunks in one shard, in order.
    await outbox.replace(events(1000).map((t) => ({ ...t, envelope: { ...t.envelope, partition_key: 'store-1' } })));
    const now = Date.now();
    const firstIds = (chunks: { events: OutboxEvent[] }[]) => chunks.map((c) => c.events[0]!.eventId);
    const held = await outbox.claim(500, 1_000, now, { holder: 'drain-a' });
    expect(firstIds(held)).toEqual(['e0', 'e250']);
    // The first goes back with a cursor; the second stays held (same holder, same claim end as the next claim).
    await outbox.complete(held[0]!, 100);
    const next = await outbox.claim(10_000, 1_000, now, { holder: 'drain-a' });
    // The range read covers the held chunk e250 (between e0 and e500): it is not handed out a second time.
    expect(firstIds(next)).toEqual(['e0', 'e500', 'e750']);
    expect(next[0]!.cursor).toBe(100);
    expect(next.map((c) => c.events.length)).toEqual([250, 250, 250]);
  });

  it('paces sending: burst events per interval', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    await outbox.replace(events(5000));
    const streaming = await deps(outbox, { emit_interval_ms: 200, burst: 50 });
    const sink = new RecordingSink();
    const summary = await drainOutbox(streaming, config, async () => sink, 2_000);
    // 2 s at 50 events per 200 ms is 500 events (250 events/s), within one burst either way.
    expect(summary.sent).toBeGreaterThanOrEqual(450);
    expect(summary.sent).toBeLessThanOrEqual(550);
    // Ticks are scheduled from the start, so a late send may be followed by a quicker one; the typical gap is the interval.
    const gaps = sink.calls
      .slice(1)
      .map((at, i) => at - sink.calls[i]!)
      .sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(150);
    expect(sink.calls.length).toBeLessThanOrEqual(11);
    expect((await outbox.status(Date.now())).pending_events).toBe(5000 - summary.sent);
  });

  it('claims the next chunks before a burst as large as the buffer is sent, so sending never waits for a claim', async () => {
    const outboxTable = await table('outbox');
    const outbox = new TableOutbox(async () => outboxTable);
    await outbox.replace(events(4000));
    const streaming = await deps(outbox, { emit_interval_ms: 10, burst: 1000 });
    const steps: string[] = [];
    const claim = outbox.claim.bind(outbox);
    outbox.claim = (...args) => {
      steps.push('claim');
      return claim(...args);
    };
    const sink = new RecordingSink();
    const send = sink.send.bind(sink);
    sink.send = (batch) => {
      steps.push(`send ${batch.length}`);
      return send(batch);
    };
    const summary = await drainOutbox(streaming, appConfigSchema.parse({ realtime: { max_buffer_size: 1000 } }), async () => sink, 10_000);
    expect(summary.sent).toBe(4000);
    // Each burst is one buffer's worth: unless the claim after it had begun before it went out, the drain would
    // stop between bursts for a claim.
    const sends = steps.flatMap((step, i) => (step.startsWith('send') ? [i] : []));
    expect(sends.length).toBe(4);
    sends.forEach((at, burst) => expect(steps.slice(0, at).filter((step) => step === 'claim').length).toBeGreaterThanOrEqual(burst + 2));
  });

  it('keeps every event when two appends run at once (each chunk is created, never overwritten)', async () => {
    const client = await table('outbox');
    const outbox = new TableOutbox(async () => client);
    await outbox.replace(events(300));
    const appended = (label: string) =>
      events(600).map((e) => ({ at: e.at, partitionKey: 'store-1', eventType: e.envelope.event_type, eventId: `${label}${e.envelope.event_id}`, body: '{}' }));
    await Promise.all([outbox.append(appended('a')), outbox.append(appended('b'))]);
    const claimed = await outbox.claim(10_000, 60_000, Date.now(), { holder: 'drain-a' });
    const ids = claimed.flatMap((chunk) => chunk.events.map((e) => e.eventId));
    expect(ids.length).toBe(300 + 1200);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
