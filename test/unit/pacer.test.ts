/** The stream's schedule: bursts at the anchor and every interval after, catch-up after gaps, live re-pacing. */
import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_BURSTS,
  dueEvents,
  eventsToSend,
  forgiveOwed,
  haltPace,
  newPace,
  nextBurstAt,
  owedEvents,
  recordTick,
  repace,
  resumePace,
} from '../../src/core/streaming/pacer.js';

/** Drives the schedule like a drain on a virtual clock: wakes every `stepMs`, sends what it is told to. */
function simulate(intervalMs: number, burst: number, durationMs: number, stepMs: number, gaps: [number, number][] = []): number {
  let pace = newPace(intervalMs, burst, 0);
  let sent = 0;
  for (let now = 0; now < durationMs; now += stepMs) {
    if (gaps.some(([from, to]) => now >= from && now < to)) continue;
    const n = eventsToSend(pace, now);
    sent += n;
    pace = recordTick(pace, n, false, now);
  }
  return sent;
}

describe('pacer', () => {
  it('calls for one burst at the start and one per interval after', () => {
    const pace = newPace(500, 100, 1_000);
    expect(dueEvents(pace, 999)).toBe(0);
    expect(dueEvents(pace, 1_000)).toBe(100);
    expect(dueEvents(pace, 1_499)).toBe(100);
    expect(dueEvents(pace, 1_500)).toBe(200);
    expect(dueEvents(pace, 61_000)).toBe(100 * 121);
    expect(nextBurstAt(pace, 1_200)).toBe(1_500);
  });

  it('achieves burst / interval for intervals from 10 ms to 60 s, whatever the wake-ups', () => {
    for (const [interval, burst] of [
      [10, 5],
      [100, 500],
      [500, 100],
      [1_000, 10],
      [2_000, 50],
      [60_000, 1_000],
    ] as const) {
      const minutes = 10;
      const sent = simulate(interval, burst, minutes * 60_000, 37);
      const expected = ((minutes * 60_000) / interval) * burst;
      expect(Math.abs(sent - expected) / expected, `${burst} every ${interval} ms`).toBeLessThan(0.05);
    }
  });

  it('catches up after a gap (a late timer run) at most CATCH_UP_BURSTS bursts at a time', () => {
    // 200/s for 60 s with the drain away for 2 s in the middle: the minute still holds 12,000 events.
    expect(simulate(500, 100, 60_000, 50, [[20_000, 22_000]])).toBe(12_000);
    let pace = newPace(500, 100, 0);
    pace = recordTick(pace, 100, false, 0);
    expect(owedEvents(pace, 2_000)).toBe(400);
    expect(eventsToSend(pace, 2_000)).toBe(Math.min(400, 100 * CATCH_UP_BURSTS));
  });

  it('takes a new pace from the next interval on, keeping what was already due', () => {
    let pace = newPace(1_000, 10, 0);
    pace = recordTick(pace, 10, false, 0);
    pace = repace(pace, 250, 200, 400);
    expect(dueEvents(pace, 249)).toBe(10);
    // The old schedule's last burst was at 0, so the new one starts at 250 and goes every 250 ms.
    expect(dueEvents(pace, 250)).toBe(210);
    expect(dueEvents(pace, 1_249)).toBe(10 + 4 * 200);
  });

  it('stops counting while paused and forgives the pause on resume, but not events held by failures', () => {
    let pace = newPace(1_000, 10, 0);
    pace = recordTick(pace, 10, false, 0);
    pace = recordTick(pace, 0, true, 3_500); // sends failing: bursts at 1, 2, 3 s held
    expect(pace.held).toBe(30);
    pace = haltPace(pace, 3_500);
    expect(dueEvents(pace, 100_000)).toBe(40);
    pace = resumePace(pace, 100_000);
    expect(owedEvents(pace, 100_000)).toBe(30 + 10);
    pace = recordTick(pace, 40, false, 100_000);
    expect(pace.held).toBe(0);
  });

  it('forgives what fell due while there was nothing to send', () => {
    let pace = newPace(100, 100, 0);
    pace = recordTick(pace, 100, false, 0);
    pace = forgiveOwed(pace, 20_000);
    expect(owedEvents(pace, 20_000)).toBe(100);
  });
});
