/**
 * The drain process killed with SIGKILL ten times while streaming 100,000 events: nothing is lost, and each
 * kill repeats at most one batch (counted by event_id), thanks to per-tick checkpoints and expiring claims.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TableOutbox } from '../../src/adapters/table-outbox.js';
import { JsonEntityStore } from '../../src/adapters/json-entity.js';
import type { TimedEvent } from '../../src/core/events/factory.js';
import { stoppedState, type StreamState } from '../../src/core/streaming/types.js';
import { startEventHubsPeer, type EventHubsPeer } from '../support/eventhubs-peer.js';
import { freshTable } from '../support/streaming-deps.js';

const connectionString = inject('storageConnectionString');
const here = path.dirname(fileURLToPath(import.meta.url));
let peer: EventHubsPeer | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill('SIGKILL');
  await peer?.stop();
});

const TOTAL = 100_000;
const BURST = 1_000;

function events(): TimedEvent[] {
  return Array.from({ length: TOTAL }, (_, i) => ({
    at: i,
    envelope: {
      event_id: `kill-${i}`,
      event_type: 'customer_entered',
      payload: { store_id: i % 8, sensor_id: 'S', zone: 'ENTRANCE_MAIN', customer_count: 1, dwell_time: 30 },
      trace_id: 't',
      ingest_timestamp: new Date(1_700_000_000_000 + i).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 8}`,
    },
  }));
}

describe('drain killed mid-stream', () => {
  it('loses nothing and repeats at most one batch per kill', { timeout: 180_000 }, async () => {
    peer = await startEventHubsPeer({ partitionCount: 4 });
    const outboxTable = await freshTable(connectionString, 'killoutbox');
    const streamTable = await freshTable(connectionString, 'killstream');
    const dlqTable = await freshTable(connectionString, 'killdlq');
    const outbox = new TableOutbox(async () => outboxTable);
    await outbox.replace(events());
    await new JsonEntityStore<StreamState>(async () => streamTable, 'stream').write(
      'state',
      { ...stoppedState(), status: 'running', emit_interval_ms: 20, burst: BURST },
      undefined,
    );
    const env = {
      ...process.env,
      STORAGE: connectionString,
      OUTBOX_TABLE: outboxTable.tableName,
      STREAM_TABLE: streamTable.tableName,
      DLQ_TABLE: dlqTable.tableName,
      PEER: peer.connectionString,
    };
    const startChild = () =>
      new Promise<ChildProcess>((resolve, reject) => {
        const process_ = spawn(process.execPath, [path.join(here, '../support/drain-child.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        process_.stdout!.once('data', () => resolve(process_));
        process_.once('error', reject);
      });

    let kills = 0;
    while (kills < 10) {
      child = await startChild();
      const before = peer.events.length;
      // Let it send for a moment, then kill it without warning.
      const deadline = Date.now() + 3_000;
      while (peer.events.length < before + 2 * BURST && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 150));
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      kills++;
    }
    child = await startChild();
    const finish = Date.now() + 90_000;
    while ((await outbox.status(Date.now())).sent_events < TOTAL && Date.now() < finish) await new Promise((resolve) => setTimeout(resolve, 250));
    child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const ids = peer.events.map((e) => (e.body as { event_id: string }).event_id);
    const unique = new Set(ids).size;
    const duplicates = ids.length - unique;
    console.log(`fault SIGKILL x${kills}: delivered ${unique}/${TOTAL}, duplicates ${duplicates} (limit ${kills * BURST}: one batch per kill)`);
    expect(unique).toBe(TOTAL);
    expect(duplicates).toBeLessThanOrEqual(kills * BURST);
  });
});
