/**
 * Two drain processes on one stream (each takes the drain lease, as every instance's timer does) while the day
 * rolls over mid-run: the next day's units land while the first day is being sent, and the drains move on to
 * it by themselves. Every event of both days reaches the hub exactly once (no kill, so no claim is repeated),
 * each store's events of a day in order, the first day entirely before the second, and the day after is queued.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { addDays } from '../../src/core/facts/calendar.js';
import { readStreamState } from '../../src/core/streaming/control.js';
import { newPreparation } from '../../src/core/streaming/day-units.js';
import { stoppedState, type StreamState } from '../../src/core/streaming/types.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { SMALL_CONFIG } from '../support/stream-units.js';
import { freshTable } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
const here = path.dirname(fileURLToPath(import.meta.url));
let peer: EventHubsPeer | undefined;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await peer?.stop();
});

const DAY = '2026-03-04';
const NEXT = addDays(DAY, 1);
const PER_UNIT = 2_000;
const STORES = 16;

/** One unit's day: PER_UNIT events of its eight stores, spread over the day, sorted by time. */
function unitDay(day: string, unit: number): TimedEvent[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: PER_UNIT }, (_, i) => {
    const store = unit * (STORES / 2) + (i % (STORES / 2));
    return {
      at: start + Math.floor((i * 86_400_000) / PER_UNIT),
      envelope: {
        event_id: `${day}-u${unit}-${i}`,
        event_type: 'customer_entered',
        payload: { store_id: store, sensor_id: 'S', zone: 'ENTRANCE_MAIN', customer_count: 1, dwell_time: 30 },
        trace_id: 't',
        ingest_timestamp: new Date(start + i).toISOString(),
        schema_version: '1.0',
        source: 'retail-datagen',
        partition_key: `store-${store}`,
      },
    };
  });
}

describe('two drains and a day rollover', () => {
  it('deliver every event of both days once, in per-store order, the first day before the second', { timeout: 150_000 }, async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    const outboxTable = await freshTable(connectionString, 'twooutbox');
    const streamTable = await freshTable(connectionString, 'twostream');
    const dlqTable = await freshTable(connectionString, 'twodlq');
    const queueName = `twoqueue${Math.random().toString(36).slice(2, 10)}`;
    const queue = new QueueClient(connectionString, queueName);
    await queue.create();
    const outbox = new TableOutbox(async () => outboxTable);
    const state = new JsonEntityStore<StreamState>(async () => streamTable, 'stream');
    const now = new Date();
    const first = { ...newPreparation(DAY, 2, now), queued_at: now.toISOString() };
    const second = { ...newPreparation(NEXT, 2, now), queued_at: now.toISOString() };
    // The first day: both units written; the next day is queued, its units not written yet.
    for (const unit of [0, 1]) await outbox.writeUnit({ day: DAY, generation: first.generation, unit: `dc-00${unit + 1}` }, unitDay(DAY, unit));
    await state.write(
      'state',
      {
        ...stoppedState(),
        status: 'running',
        operation_id: 'two-drains',
        started_at: now.toISOString(),
        emit_interval_ms: 20,
        burst: 500,
        day: DAY,
        generation: first.generation,
        preparation: { ...first, done: { '1': PER_UNIT, '2': PER_UNIT }, finished_at: now.toISOString() },
        next_preparation: second,
      },
      undefined,
    );
    const env = {
      ...process.env,
      STORAGE: connectionString,
      OUTBOX_TABLE: outboxTable.tableName,
      STREAM_TABLE: streamTable.tableName,
      DLQ_TABLE: dlqTable.tableName,
      PEER: peer.connectionString,
      LEASE: '1',
      QUEUE: queueName,
      // Sends are given time: this process (the peer's) is busy writing the next day, and a send it is too slow to
      // acknowledge would be retried (at-least-once delivery), which is not what this test is about.
      CONFIG: JSON.stringify({ seed: SMALL_CONFIG.seed, volume: SMALL_CONFIG.volume, realtime: { retry_attempts: 5, batch_timeout_ms: 60_000 } }),
      SEND_TIMEOUT_MS: '60000',
      BUDGET_MS: '1500',
      CLAIM_TTL_MS: '20000',
    };
    const startChild = () =>
      new Promise<ChildProcess>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(here, '../support/drain-child.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        child.stdout!.once('data', () => resolve(child));
        child.once('error', reject);
      });
    await Promise.all([startChild(), startChild()]);

    // Mid-run, once the first day is partly sent, the next day's units land (as the queue's workers would write them).
    const total = 4 * PER_UNIT;
    const until = async (done: () => boolean | Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await until(() => peer!.events.length >= PER_UNIT / 2, 30_000);
    expect(peer.events.length).toBeLessThan(2 * PER_UNIT);
    for (const unit of [0, 1]) await outbox.writeUnit({ day: NEXT, generation: second.generation, unit: `dc-00${unit + 1}` }, unitDay(NEXT, unit));
    await state.update('state', (s) => ({
      ...s!,
      next_preparation: { ...s!.next_preparation!, done: { '1': PER_UNIT, '2': PER_UNIT }, finished_at: new Date().toISOString() },
    }));
    await until(() => peer!.events.length >= total, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const child of children) child.kill('SIGKILL');

    const received = peer.events.map((e) => e.body as { event_id: string; partition_key: string; ingest_timestamp: string });
    const ids = received.map((e) => e.event_id);
    const unique = new Set(ids).size;
    const expected = [DAY, NEXT].flatMap((day) => [0, 1].flatMap((unit) => unitDay(day, unit).map((t) => t.envelope.event_id)));
    const lastIndexOfFirstDay = ids.reduce((last, id, index) => (id.startsWith(DAY) ? index : last), -1);
    const firstIndexOfNextDay = ids.findIndex((id) => id.startsWith(NEXT));
    let violations = 0;
    const last = new Map<string, number>();
    for (const event of received) {
      const key = `${event.event_id.slice(0, 10)}|${event.partition_key}`;
      const index = Number(event.event_id.split('-').pop());
      if ((last.get(key) ?? -1) > index) violations++;
      last.set(key, index);
    }
    console.log(
      `two drains + rollover: delivered ${unique}/${total}, duplicates ${ids.length - unique}, per-store order violations ${violations}, ` +
        `first day ends at #${lastIndexOfFirstDay}, next day starts at #${firstIndexOfNextDay}`,
    );
    expect([...new Set(ids)].sort()).toEqual(expected.sort());
    expect(ids.length - unique).toBe(0);
    expect(violations).toBe(0);
    expect(lastIndexOfFirstDay).toBeLessThan(firstIndexOfNextDay);
    const after = await readStreamState({ state } as never);
    expect(after).toMatchObject({ status: 'running', day: NEXT, generation: second.generation });
    // The day after was admitted once and its units (SMALL_CONFIG: two regions and the network unit) queued once.
    expect(after.next_preparation?.day).toBe(addDays(NEXT, 1));
    const { approximateMessagesCount } = await queue.getProperties();
    expect(approximateMessagesCount).toBe(3);
  });
});
