/**
 * What the Table adapters put on the wire, checked against the service's typing rules rather than Azurite's
 * leniency: Azure reads a bare integer literal in a filter as Edm.Int32 (so an epoch-milliseconds literal is
 * refused) and stores an untyped JSON number over 2^31 as a Double. Every request of an outbox's whole life
 * (fill, claim, checkpoint, complete, status, preview, append, clear), of the DLQ (add, list, summary, peek,
 * remove, take, clear) and of the JSON documents (generation jobs and their lock, configuration overrides, the drain
 * lease) is recorded by a pipeline policy and inspected, and the set of query shapes is checked against the list
 * of the queries the adapters build.
 */
import type { TableClient } from '@azure/data-tables';
import { describe, expect, inject, it } from 'vitest';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { TableConfigOverridesStore } from '../../src/adapters/table-config-store.js';
import { TableDeadLetterQueue } from '../../src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { markUnitCounted } from '../../src/core/generation/unit-progress.js';
import { GenerationJobs, type GenerationLock } from '../../src/core/jobs/generation-jobs.js';
import type { Job } from '../../src/core/jobs/job.js';
import { DrainLeaseHolder, type DrainLease } from '../../src/core/streaming/lease.js';
import { freshTable, MemoryFiles } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');

interface Wire {
  filters: string[];
  bodies: string[];
}

function record(client: TableClient, wire: Wire): TableClient {
  client.pipeline.addPolicy({
    name: 'record-wire',
    sendRequest: async (request, next) => {
      const filter = new URL(request.url).searchParams.get('$filter');
      if (filter) wire.filters.push(filter);
      if (typeof request.body === 'string') wire.bodies.push(request.body);
      return next(request);
    },
  });
  return client;
}

/** Integer literals in a filter outside quoted strings and datetime'…' literals, without an L (Int64) suffix. */
function bareIntegers(filter: string): string[] {
  const unquoted = filter.replace(/datetime'[^']*'/g, '').replace(/'(?:[^']|'')*'/g, "''");
  return [...unquoted.matchAll(/(?<![\w.])(\d+)(?![\w.])/g)].map((m) => m[1]!).filter((n) => Number(n) > 2 ** 31 - 1);
}

/** JSON numbers over Int32 in an entity body (request bodies of batches are multipart: each JSON part is checked). */
function untypedLargeNumbers(body: string): string[] {
  const found: string[] = [];
  for (const part of body.match(/\{[^{}]*\}/g) ?? []) {
    let entity: Record<string, unknown>;
    try {
      entity = JSON.parse(part) as Record<string, unknown>;
    } catch {
      continue;
    }
    for (const [key, value] of Object.entries(entity)) {
      if (typeof value === 'number' && !Number.isInteger(value)) continue;
      if (typeof value === 'number' && Math.abs(value) > 2 ** 31 - 1) found.push(`${key}=${value}`);
      // A string that is an Int64 or DateTime must say so, or Azure stores a string.
      if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && entity[`${key}@odata.type`] !== 'Edm.DateTime')
        found.push(`${key} (date without Edm.DateTime)`);
    }
  }
  return found;
}

const events = (count: number, prefix: string): TimedEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    at: 1_764_633_600_000 + i * 1000,
    envelope: {
      event_id: `${prefix}-${i}`,
      event_type: 'receipt_created',
      payload: { i },
      trace_id: 't',
      ingest_timestamp: new Date(1_764_633_600_000 + i * 1000).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 4}`,
    },
  }));

describe('Table requests on the wire', () => {
  it('type every epoch time and build filters without bare 13-digit literals, across the outbox, the DLQ and documents', async () => {
    const wire: Wire = { filters: [], bodies: [] };
    const outboxTable = record(await freshTable(connectionString, 'wireoutbox'), wire);
    const dlqTable = record(await freshTable(connectionString, 'wiredlq'), wire);
    const docsTable = record(await freshTable(connectionString, 'wiredocs'), wire);
    const outbox = new TableOutbox(async () => outboxTable);
    const now = Date.now();

    await outbox.replace(events(1200, 'w'));
    const claimed = await outbox.claim(600, 30_000, now, { holder: 'drain-a' });
    expect(claimed.length).toBeGreaterThan(0);
    await outbox.checkpoint(claimed[0]!, 10, now + 30_000);
    await outbox.completeAll(claimed.slice(1));
    await outbox.complete(claimed[0]!, 20);
    await outbox.status(now);
    await outbox.preview(5);
    await outbox.append(
      events(10, 'again').map((t) => ({
        at: t.at,
        partitionKey: t.envelope.partition_key!,
        eventType: t.envelope.event_type,
        body: JSON.stringify(t.envelope),
      })),
    );
    // A claim after the first one expired, by another drain, of one generation (claim times are compared as read).
    await outbox.claim(600, 30_000, now + 60_000, { holder: 'drain-b', generation: 'g1' });

    const dlq = new TableDeadLetterQueue(async () => dlqTable, new MemoryFiles());
    await dlq.add([{ at: now, partitionKey: 'p', eventType: 'receipt_created', body: '{"event_id":"x"}' }], 'unknown', 'boom', 0, 100);
    await dlq.list(1, 10);
    await dlq.summary();
    const [letter] = await dlq.peek();
    await dlq.remove([letter!.id]);
    await dlq.add([{ at: now, partitionKey: 'p', eventType: 'receipt_created', body: '{"event_id":"y"}' }], 'unknown', 'boom', 0, 100);
    await dlq.take();
    await dlq.clear();

    // Jobs, their lock, the configuration overrides and the drain lease: every other Table the app writes.
    const jobs = new GenerationJobs(new JsonEntityStore<Job>(async () => docsTable, 'job'), new JsonEntityStore<GenerationLock>(async () => docsTable, 'lock'));
    const request = { start_date: '2025-01-01', end_date: '2025-01-02', fresh: true, regions: [1] };
    const job = await jobs.begin('historical', ['fact_receipts'], 4, request);
    await jobs.update(job.operation_id, (j) => {
      markUnitCounted(j, request, 1, '2025-01-01');
      j.units_done = 1;
    });
    await jobs.active();
    await jobs.cancel(job.operation_id);
    await jobs.finish(job.operation_id, 'cancelled');
    const overrides = new TableConfigOverridesStore(async () => docsTable);
    await overrides.read();
    const lease = new DrainLeaseHolder(new JsonEntityStore<DrainLease>(async () => docsTable, 'stream'), 30_000, Date.now);
    expect(await lease.acquire()).toBe(true);
    expect(await lease.renew()).toBe(true);
    await lease.release();

    const documents = new JsonEntityStore<{ at: number }>(async () => docsTable, 'doc');
    await documents.write('one', { at: now }, undefined);
    await documents.update('one', (current) => ({ at: (current?.at ?? 0) + 1 }));
    await documents.list();
    await outbox.clear();

    // Every query shape the adapters send (literals elided), listed by reading src/adapters/: nothing else goes out.
    const shapes = [...new Set(wire.filters.map((f) => f.replace(/datetime'[^']*'/g, "datetime'…'").replace(/(?<!datetime)'(?:[^']|'')*'/g, "'…'")))].sort();
    expect(shapes).toEqual(
      [
        "PartitionKey eq '…'",
        "PartitionKey eq '…' and status ne '…'",
        "PartitionKey eq '…' and status ne '…' and (generation eq '…' or generation eq '…')",
        // A claim reading back the chunks it took in a shard: their row-key range, held by this drain.
        "PartitionKey eq '…' and RowKey ge '…' and RowKey le '…' and claimed_by eq '…'",
        // The outbox's append: the highest appended chunk number, over every shard (DLQ retries only).
        "RowKey ge '…'",
      ].sort(),
    );
    expect(wire.filters.length).toBeGreaterThan(4);
    for (const filter of wire.filters) expect(bareIntegers(filter), filter).toEqual([]);
    expect(wire.bodies.length).toBeGreaterThan(5);
    for (const body of wire.bodies) expect(untypedLargeNumbers(body)).toEqual([]);
    // The checks themselves can fail: what the old claim filter sent, and an untyped epoch in an entity.
    expect(bareIntegers(`PartitionKey eq 'shard-0' and (status eq 'pending' or (status eq 'claimed' and claim_until lt ${now}))`)).toEqual([String(now)]);
    expect(untypedLargeNumbers(JSON.stringify({ PartitionKey: 'p', RowKey: 'r', claim_until: now }))).toEqual([`claim_until=${now}`]);
  });
});
