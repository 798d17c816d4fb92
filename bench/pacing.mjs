// Pacing benchmark: the operators' guide's four profiles, configured vs achieved events/s, in one run.
// Real events (one default-volume region-day of the app's own generators) go through the real path:
// TableOutbox in Azurite -> drainOutbox (lease, schedule, checkpoints) -> EventHubsSink -> the AMQP test peer.
// Drains run as the app's timer runs them: a 4.5-s budget every 5 s, so the gaps between timer runs count too.
// Goal: each profile within 5% of burst / emit_interval_ms. BENCH_PACED_SECONDS sets each window (default 30).
import { drainOutbox } from '../dist/src/core/streaming/drain.js';
import { newPace } from '../dist/src/core/streaming/pacer.js';
import { stoppedState } from '../dist/src/core/streaming/types.js';
import { defaultConfig } from '../dist/src/core/config/schema.js';
import { dayEvents, drainDeps, peerSink, startPeer, startStorage } from './lib/rig.mjs';

const SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 30);
const TIMER_MS = 5_000;
const BUDGET_MS = 4_500;
// The predecessor's documented pacing profiles: low, medium (its default), high, and the one it recommends.
const PROFILES = [
  { name: 'low', emit_interval_ms: 2000, burst: 50, max_batch_size: 128 },
  { name: 'medium (default)', emit_interval_ms: 500, burst: 100, max_batch_size: 256 },
  { name: 'high', emit_interval_ms: 100, burst: 500, max_batch_size: 1000 },
  { name: 'recommended', emit_interval_ms: 1000, burst: 100, max_batch_size: 256 },
];

const config = defaultConfig();
// The three busiest supply regions of an ordinary default-volume weekday: enough events for the high profile.
const made = dayEvents(config, '2026-03-04');
const events = made.events;
console.log(`events: ${events.length.toLocaleString('en-US')} real events of a default-volume weekday (${made.regions} supply regions, ${made.stores} stores)`);

const peer = await startPeer();
const storage = await startStorage();
const { client, sink } = await peerSink(peer.connectionString);

console.log(`profile            configured   achieved   off     (${SECONDS} s each, drains of ${BUDGET_MS / 1000} s every ${TIMER_MS / 1000} s)`);
let worst = 0;
for (const [index, profile] of PROFILES.entries()) {
  const { deps } = await drainDeps(storage, `pace${index}`);
  const needed = Math.ceil((SECONDS * 1000) / profile.emit_interval_ms + 2) * profile.burst;
  if (needed > events.length) throw new Error(`${profile.name} needs ${needed} events; the day has ${events.length} (lower BENCH_PACED_SECONDS)`);
  await deps.outbox.replace(events.slice(0, needed));
  const state = deps.state;
  const runConfig = { ...config, realtime: { ...config.realtime, ...profile } };
  const start = Date.now();
  await state.write(
    'state',
    {
      ...stoppedState(),
      status: 'running',
      started_at: new Date(start).toISOString(),
      emit_interval_ms: profile.emit_interval_ms,
      burst: profile.burst,
      pace: newPace(profile.emit_interval_ms, profile.burst, start),
    },
    undefined,
  );
  let sent = 0;
  // Timer runs at start, start + 5 s, ...; each drain stops at its budget or at the end of the window.
  for (let tick = 0; start + tick * TIMER_MS < start + SECONDS * 1000; tick++) {
    const wait = start + tick * TIMER_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const budget = Math.min(BUDGET_MS, start + SECONDS * 1000 - Date.now());
    if (budget <= 0) break;
    sent += (await drainOutbox(deps, runConfig, async () => sink, budget)).sent;
  }
  const configured = (profile.burst * 1000) / profile.emit_interval_ms;
  const achieved = sent / SECONDS;
  const off = achieved / configured - 1;
  worst = Math.max(worst, Math.abs(off));
  console.log(`${profile.name.padEnd(18)} ${configured.toFixed(1).padStart(10)} ${achieved.toFixed(1).padStart(10)}   ${(off * 100).toFixed(1).padStart(5)}%`);
}
console.log(`worst deviation: ${(worst * 100).toFixed(1)}% (goal within 5%)`);
await client.close();
peer.stop();
await storage.stop();
process.exit(0);
