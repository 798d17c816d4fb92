// Live-clock benchmark: a default-volume day streamed in live mode at speed 60 (an hour a minute) through the
// real path (TableOutbox in Azurite -> drainOutbox, as the timer runs it -> EventHubsSink -> the AMQP test peer).
// Printed side by side: the events the peer received in each simulated hour (each wall minute of the stream)
// against the day's own hourly counts (counted from the generated events' timestamps), and how far behind the
// wall clock the events' timestamps were on arrival. Goal: every hour within 5%; no timestamp in the future.
// BENCH_LIVE_FROM_HOUR (default 11) and BENCH_LIVE_HOURS (default 2) choose the simulated hours streamed.
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { newPace } from '../dist/src/core/streaming/pacer.js';
import { startLiveClock } from '../dist/src/core/streaming/live-clock.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { dayEvents, drainDeps, peerSink, startPeer, startStorage } from './lib/rig.mjs';

const DAY = '2026-03-04';
const SPEED = 60;
const FROM_HOUR = Number(process.env.BENCH_LIVE_FROM_HOUR ?? 11);
const HOURS = Number(process.env.BENCH_LIVE_HOURS ?? 2);
const TIMER_MS = 5_000;
const BUDGET_MS = 4_500;
const PACING = { emit_interval_ms: 100, burst: 1000, max_batch_size: 1000 };

// The whole default-volume day, as a stream's units make it (every region, marketing, store hours).
const config = defaultConfig();
let made = Date.now();
const { events } = dayEvents(config, DAY, 'all');
// The day's own hourly counts, from the events' own timestamps (not the outbox's delivery times).
const hourly = new Array(24).fill(0);
for (const event of events) if (event.envelope.ingest_timestamp.startsWith(DAY)) hourly[Number(event.envelope.ingest_timestamp.slice(11, 13))]++;
const from = Date.parse(`${DAY}T${String(FROM_HOUR).padStart(2, '0')}:00:00.000Z`);
const streamed = events.filter((e) => e.at >= from && e.at < from + HOURS * 3_600_000);
console.log(
  `day: ${events.length.toLocaleString('en-US')} events of a default-volume weekday (${((Date.now() - made) / 1000).toFixed(1)} s to make); streaming ${HOURS} simulated hours from ${FROM_HOUR}:00 (${streamed.length.toLocaleString('en-US')} events) at speed ${SPEED}`,
);

const peer = await startPeer();
const storage = await startStorage();
const { client, sink } = await peerSink(peer.connectionString);
const { deps } = await drainDeps(storage, 'live');
made = Date.now();
await deps.outbox.replace(streamed);
console.log(`outbox filled in ${((Date.now() - made) / 1000).toFixed(1)} s`);
const state = deps.state;
const runConfig = { ...config, realtime: { ...config.realtime, ...PACING } };
const start = Date.now();
const clock = startLiveClock(DAY, start, SPEED, FROM_HOUR * 3_600_000);
await state.write(
  'state',
  {
    ...stoppedState(),
    status: 'running',
    started_at: new Date(start).toISOString(),
    emit_interval_ms: PACING.emit_interval_ms,
    burst: PACING.burst,
    day: DAY,
    pace: newPace(PACING.emit_interval_ms, PACING.burst, start),
    clock,
  },
  undefined,
);
// Timer runs at start, start + 5 s, ... until the streamed hours have passed on the wall clock.
const wallEnd = start + (HOURS * 3_600_000) / SPEED + 2_000;
for (let tick = 0; start + tick * TIMER_MS < wallEnd; tick++) {
  const wait = start + tick * TIMER_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await drainOutbox(deps, runConfig, async () => sink, Math.min(BUDGET_MS, wallEnd - Date.now()));
}
const { times } = await peer.ask('times');

console.log('simulated hour   day count   received (wall minute)   off');
let worst = 0;
for (let h = 0; h < HOURS; h++) {
  const minuteStart = start + (h * 3_600_000) / SPEED;
  const received = times.filter(([at]) => at >= minuteStart && at < minuteStart + 3_600_000 / SPEED).length;
  const expected = hourly[FROM_HOUR + h];
  const off = received / expected - 1;
  worst = Math.max(worst, Math.abs(off));
  console.log(
    `${String(FROM_HOUR + h).padStart(2, '0')}:00-${String(FROM_HOUR + h + 1).padStart(2, '0')}:00   ${String(expected).padStart(9)}   ${String(received).padStart(22)}   ${(off * 100).toFixed(1).padStart(5)}%`,
  );
}
const lags = times.map(([at, stamped]) => at - stamped).sort((a, b) => a - b);
const q = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
console.log(
  `timestamp behind arrival (ms): p50 ${q(0.5)}, p99 ${q(0.99)}, max ${lags[lags.length - 1]}; in the future: ${lags.filter((l) => l < 0).length} of ${lags.length}`,
);
console.log(`worst hourly deviation: ${(worst * 100).toFixed(1)}% (goal within 5%)`);
await client.close();
peer.stop();
await storage.stop();
process.exit(0);
