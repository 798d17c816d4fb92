/**
 * The streamed day as queued units and the drain's day rollover, on in-memory doubles (test/support/memory-outbox.ts
 * has the Table outbox's contract): start answers before anything is generated, units land one by one and are
 * counted once, a redelivered or half-written unit writes nothing twice, a unit of an earlier stream writes
 * nothing the new one sends, the next day is prepared exactly once, and the drain sends both days in order.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/facts/calendar.js';
import { readStreamState, resetStreaming, startStreaming, streamStatistics, streamStatus } from '../../src/core/streaming/control.js';
import { failStreamUnit, prepareNextDay, runStreamUnit, StreamUnitCannotProceed, unitName } from '../../src/core/streaming/day-units.js';
import { drainOutbox } from '../../src/core/streaming/drain.js';
import { newPace } from '../../src/core/streaming/pacer.js';
import type { EventSink, OutboxEvent } from '../../src/core/streaming/types.js';
import { SMALL_CONFIG, unitStreaming } from '../support/stream-units.js';

const HISTORY_END = '2026-03-03';
const DAY = addDays(HISTORY_END, 1);

class RecordingSink implements EventSink {
  readonly kind = 'blob' as const;
  readonly received: OutboxEvent[] = [];
  async send(events: OutboxEvent[]) {
    this.received.push(...events);
    return { bytes: 0, batches: 1 };
  }
}

const idOf = (e: OutboxEvent) => (JSON.parse(e.body) as { event_id: string }).event_id;

describe('a streamed day as generation units', () => {
  it('start records the stream and queues one unit per supply region plus the network-wide one, generating nothing', async () => {
    const { deps, queue } = await unitStreaming(HISTORY_END);
    const state = await startStreaming(deps, SMALL_CONFIG, {});
    // SMALL_CONFIG asks for 2 DCs: two regions and the network-wide unit.
    expect(queue.map((m) => m.unit).sort()).toEqual([0, 1, 2]);
    expect(queue.every((m) => m.day === DAY && m.generation === state.generation)).toBe(true);
    expect(deps.outbox.chunks.size).toBe(0);
    const status = await streamStatus(deps, 10);
    expect(status).toMatchObject({ status: 'running', day: DAY, preparing_day: DAY, units_ready: 0, units_total: 3, next_day_ready: false });
  });

  it('counts each unit once as it lands, and queues the next day once the streamed day is fully written', async () => {
    const { deps, queue, runUnits } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    expect(await runUnits(1)).toEqual(['written']);
    const afterOne = await streamStatistics(deps, 10);
    const eventsAfterOne = [...deps.outbox.chunks.values()].reduce((sum, c) => sum + c.events.length, 0);
    expect(afterOne.events_prepared).toBe(eventsAfterOne);
    expect(eventsAfterOne).toBeGreaterThan(0);
    expect((await streamStatus(deps, 10)).units_ready).toBe(1);
    expect(queue.every((m) => m.day === DAY)).toBe(true);
    await runUnits(2);
    // The day's last unit queued the next day's units.
    expect(queue.map((m) => m.day)).toEqual([addDays(DAY, 1), addDays(DAY, 1), addDays(DAY, 1)]);
    const total = [...deps.outbox.chunks.values()].reduce((sum, c) => sum + c.events.length, 0);
    expect((await streamStatistics(deps, 10)).events_prepared).toBe(total);
    expect(await streamStatus(deps, 10)).toMatchObject({ preparing_day: addDays(DAY, 1), units_ready: 0, next_day_ready: false });
  });

  it('gives each partition key (store, DC, customer, campaign) to exactly one unit', async () => {
    const { deps, runUnits } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    await runUnits(3);
    const unitsOfKey = new Map<string, Set<string>>();
    for (const chunk of deps.outbox.chunks.values()) {
      const unit = chunk.rowKey.split('|')[3]!;
      for (const event of chunk.events) unitsOfKey.set(event.partitionKey, (unitsOfKey.get(event.partitionKey) ?? new Set()).add(unit));
    }
    expect(unitsOfKey.size).toBeGreaterThan(6);
    expect([...unitsOfKey].filter(([, units]) => units.size > 1)).toEqual([]);
  });

  it('a redelivered unit writes nothing twice, and one that died half-way neither duplicates nor resets a sent chunk', async () => {
    const { deps, queue, runUnits } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    const region = queue.find((m) => m.unit === 1)!;
    // Half-way: the unit's chunks were written, one was even sent, and the instance died before recording the unit.
    const first = await runStreamUnit(deps, SMALL_CONFIG, region);
    expect(first).toBe('written');
    const chunksOnce = deps.outbox.chunks.size;
    const prepared = (await readStreamState(deps)).events_generated;
    expect(await runStreamUnit(deps, SMALL_CONFIG, region)).toBe('already-done');
    expect(deps.outbox.chunks.size).toBe(chunksOnce);
    expect((await readStreamState(deps)).events_generated).toBe(prepared);

    await deps.state.update('state', (s) => ({ ...s!, preparation: { ...s!.preparation!, done: {} }, events_generated: 0 }));
    const sent = [...deps.outbox.chunks.values()][0]!;
    sent.status = 'sent';
    sent.cursor = sent.events.length;
    expect(await runStreamUnit(deps, SMALL_CONFIG, region)).toBe('written');
    expect(deps.outbox.chunks.size).toBe(chunksOnce);
    expect(sent.status).toBe('sent');
    expect((await readStreamState(deps)).events_generated).toBe(prepared);
    // The queue still holds the three units, the region's among them (delivered a fourth time).
    expect(await runUnits(3)).toEqual(['written', 'already-done', 'written']);
  });

  it('a unit of an earlier stream writes nothing once a new start has its own generation', async () => {
    const { deps, queue } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    const old = [...queue];
    queue.length = 0;
    await deps.state.update('state', (s) => ({ ...s!, status: 'stopped' }));
    const restarted = await startStreaming(deps, SMALL_CONFIG, { restart_day: true });
    expect(restarted.generation).not.toBe(old[0]!.generation);
    for (const message of old) expect(await runStreamUnit(deps, SMALL_CONFIG, message)).toBe('stale');
    expect(deps.outbox.chunks.size).toBe(0);
  });

  it('a reset while a unit writes its day waits for the write, so nothing of it lands in the cleared outbox', async () => {
    const { deps, queue } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    const write = deps.outbox.writeUnit.bind(deps.outbox);
    let firstWritten!: () => void;
    const writing = new Promise<void>((resolve) => (firstWritten = resolve));
    let resetReturned = false;
    let writtenAfterReset = 0;
    // As the Table outbox writes: one transaction at a time, each a round trip, the signal checked before each.
    deps.outbox.writeUnit = async (slice, timed, options: { abortSignal?: AbortSignal } = {}) => {
      const size = Math.ceil(timed.length / 4);
      for (let part = 0; part < 4; part++) {
        options.abortSignal?.throwIfAborted();
        const { created } = await write({ ...slice, unit: `${slice.unit}-${part}` }, timed.slice(part * size, (part + 1) * size));
        if (resetReturned) writtenAfterReset += created;
        if (part === 0) firstWritten();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { events: timed.length, chunks: 0, created: 0 };
    };
    const outcome = runStreamUnit(
      deps,
      SMALL_CONFIG,
      queue.find((m) => m.unit !== 0)!,
    );
    await writing;
    await resetStreaming(deps);
    resetReturned = true;
    expect(await outcome).toBe('stale');
    expect(writtenAfterReset).toBe(0);
    expect(deps.outbox.chunks.size).toBe(0);
  });

  it('admits the next day exactly once when two instances try at the same moment', async () => {
    const { deps, queue, runUnits } = await unitStreaming(HISTORY_END);
    const state = await startStreaming(deps, SMALL_CONFIG, {});
    // Record the day as written without letting its last unit queue the next one.
    await runUnits(3);
    await deps.state.update('state', (s) => ({ ...s!, next_preparation: null }));
    queue.length = 0;
    const admitted = await Promise.all([prepareNextDay(deps, SMALL_CONFIG, state.generation!), prepareNextDay(deps, SMALL_CONFIG, state.generation!)]);
    expect(admitted.filter(Boolean)).toHaveLength(1);
    expect(queue).toHaveLength(3);
    expect(new Set(queue.map((m) => m.generation)).size).toBe(1);
  });

  it('a unit that cannot proceed (positions missing) puts the stream in status error with the reason', async () => {
    const { deps, queue } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    deps.files.files.clear();
    const region = queue.find((m) => m.unit === 2)!;
    const failure = await runStreamUnit(deps, SMALL_CONFIG, region).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamUnitCannotProceed);
    await failStreamUnit(deps, region, (failure as Error).message);
    const status = await streamStatus(deps, 10);
    expect(status.status).toBe('error');
    expect(status.error).toContain(unitName(2));
    expect(status.error).toContain(`Inventory positions for ${HISTORY_END}`);
  });

  it('a start after a failed unit continues the day and queues again only the units it lacks', async () => {
    const { deps, queue, runUnits } = await unitStreaming(HISTORY_END);
    await startStreaming(deps, SMALL_CONFIG, {});
    const failed = queue.splice(
      queue.findIndex((m) => m.unit === 2),
      1,
    )[0]!;
    await runUnits();
    await failStreamUnit(deps, failed, 'storage unavailable');
    await deps.state.update('state', (s) => ({ ...s!, status: 'stopped' }));
    const continued = await startStreaming(deps, SMALL_CONFIG, {});
    expect(continued.day).toBe(DAY);
    expect(queue.map((m) => [m.day, m.unit])).toEqual([[DAY, 2]]);
    expect(await runUnits(1)).toEqual(['written']);
    expect((await readStreamState(deps)).preparation?.finished_at).not.toBeNull();
  });
});

describe('the drain over units and days', () => {
  it('sends the first unit before the others land, then rolls over to the prepared next day, every event once and in per-key order', async () => {
    const { deps, queue, runUnits } = await unitStreaming(HISTORY_END);
    const config = { ...SMALL_CONFIG, realtime: { ...SMALL_CONFIG.realtime, max_buffer_size: 100_000 } };
    await startStreaming(deps, config, { emit_interval_ms: 10, burst: 5_000 });
    const sink = new RecordingSink();
    await runUnits(1);
    await drainOutbox(deps, config, async () => sink, 500);
    const firstUnit = sink.received.length;
    expect(firstUnit).toBeGreaterThan(0);
    expect((await readStreamState(deps)).day).toBe(DAY);
    // The rest of the day and the next day's units land; the drain finishes the day and rolls over.
    await runUnits(2);
    await runUnits(3);
    for (let round = 0; round < 20 && (await readStreamState(deps)).day === DAY; round++) await drainOutbox(deps, config, async () => sink, 500);
    for (
      let round = 0;
      round < 20 && (await deps.outbox.status(Date.now(), { generation: (await readStreamState(deps)).generation! })).pending_events > 0;
      round++
    )
      await drainOutbox(deps, config, async () => sink, 500);
    const state = await readStreamState(deps);
    expect(state.day).toBe(addDays(DAY, 1));
    // The day after is queued at the rollover, ready before this one is used up.
    expect(queue.map((m) => m.day)).toEqual([addDays(DAY, 2), addDays(DAY, 2), addDays(DAY, 2)]);

    const written = [...deps.outbox.chunks.values()].flatMap((c) => c.events);
    const ids = sink.received.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(written.map(idOf).sort());
    // Every event of the first day went out before any of the second (the day of its chunk: an event past
    // midnight, a store closing at 24:00, belongs to the day that made it).
    const dayOfId = new Map([...deps.outbox.chunks.values()].flatMap((c) => c.events.map((e) => [idOf(e), c.rowKey.slice(0, 10)] as const)));
    const days = sink.received.map((e) => dayOfId.get(idOf(e)));
    expect(days.lastIndexOf(DAY)).toBeLessThan(days.indexOf(addDays(DAY, 1)));
    // Per partition key, the sink saw each day's events in time order. (A day's facts reach into the next one, a
    // delivery scheduled for the morning after, so order is per key within the day that made them, as ever.)
    const lastAt = new Map<string, number>();
    let violations = 0;
    for (const event of sink.received) {
      const key = `${dayOfId.get(idOf(event))}|${event.partitionKey}`;
      if ((lastAt.get(key) ?? -Infinity) > event.at) violations++;
      lastAt.set(key, event.at);
    }
    expect(violations).toBe(0);
    // The second day was fully written before it started: its shards and units went out merged in time order.
    const second = sink.received.filter((e) => dayOfId.get(idOf(e)) === addDays(DAY, 1));
    expect(second.length).toBeGreaterThan(1000);
    expect(second.filter((e, i) => i > 0 && e.at < second[i - 1]!.at)).toEqual([]);
  });

  it('catches up what fell due during a rollover to a ready day, so the rate holds across midnight', async () => {
    const { deps, runUnits } = await unitStreaming(HISTORY_END);
    const config = { ...SMALL_CONFIG, realtime: { ...SMALL_CONFIG.realtime, max_buffer_size: 100_000 } };
    // About 7,000 events a day at this size: 140 every 20 ms sends the first day in about a second.
    const interval = 20;
    const burst = 140;
    await startStreaming(deps, config, { emit_interval_ms: interval, burst });
    await runUnits(3);
    await runUnits(3);
    expect((await readStreamState(deps)).next_preparation?.finished_at).toBeTruthy();
    const firstDay = [...deps.outbox.chunks.values()].filter((c) => c.rowKey.startsWith(DAY)).reduce((sum, c) => sum + c.events.length, 0);
    // The rollover's last check reads every chunk's status: 400 ms here (a whole default day's took 129-205 ms on
    // Azurite; a busy account takes longer), so a forgiving rollover would fall 20 bursts short.
    const status = deps.outbox.status.bind(deps.outbox);
    deps.outbox.status = async (now, filter) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return status(now, filter);
    };
    const anchor = Date.now();
    await deps.state.update('state', (s) => s && { ...s, pace: newPace(interval, burst, anchor) });
    const sink = new RecordingSink();
    await drainOutbox(deps, config, async () => sink, 1_800);
    const due = (Math.floor((Date.now() - anchor) / interval) + 1) * burst;
    expect((await readStreamState(deps)).day).toBe(addDays(DAY, 1));
    // Beyond the first day: the second day's events the schedule called for, the 400 ms of the rollover included.
    expect(sink.received.length).toBeGreaterThan(firstDay);
    expect(sink.received.length).toBeGreaterThanOrEqual(due - 5 * burst);
  });

  it('does not send chunks of another generation, and a drain whose claims were lost stops without sending twice', async () => {
    const { deps, runUnits } = await unitStreaming(HISTORY_END);
    const config = { ...SMALL_CONFIG, realtime: { ...SMALL_CONFIG.realtime, max_buffer_size: 100_000 } };
    await startStreaming(deps, config, { emit_interval_ms: 10, burst: 500 });
    await runUnits(3);
    // Chunks of an earlier stream's generation of the same day (written after the new start's clean-up).
    await deps.outbox.writeUnit({ day: DAY, generation: 'old', unit: 'network' }, [
      {
        at: Date.parse(`${DAY}T00:00:00Z`),
        envelope: {
          event_id: 'stale-1',
          event_type: 'store_opened',
          payload: {},
          trace_id: 't',
          ingest_timestamp: '',
          schema_version: '1.0',
          source: 'retail-datagen',
          partition_key: 'store-1',
        },
      },
    ]);
    const sink = new RecordingSink();
    const claimed = await deps.outbox.claim(1_000, 60_000, Date.now(), { holder: 'drain-a', generation: (await readStreamState(deps)).generation! });
    // Another drain "died" holding these; they expire and this drain takes them over.
    deps.outbox.expireClaims();
    for (
      let round = 0;
      round < 20 && (await deps.outbox.status(Date.now(), { generation: (await readStreamState(deps)).generation! })).pending_events > 0;
      round++
    )
      await drainOutbox(deps, config, async () => sink, 500);
    const ids = sink.received.map(idOf);
    expect(ids).not.toContain('stale-1');
    expect(new Set(ids).size).toBe(ids.length);
    // The expired claims' chunks went out once, by the drain that took them over: completing with the old ETag is refused.
    expect(claimed.length).toBeGreaterThan(0);
    await deps.outbox.complete(claimed[0]!, 0);
    expect(deps.outbox.chunks.get(claimed[0]!.id)!.status).toBe('sent');
  });
});
