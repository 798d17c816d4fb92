/**
 * The stream's schedule: `burst` events every `interval_ms`, counted from an anchor in shared state rather than
 * from the start of each drain. A drain that starts late, a gap between two timer runs or a slow send therefore
 * leaves events owed, and the next bursts catch up (at most CATCH_UP_BURSTS bursts at once), so the achieved
 * rate over any minute is the configured one up to what the sink takes. Pure: the drain persists it.
 *
 * The counts also define two statistics (see the README's "What the statistics count"):
 * - due: events the schedule has called for since the stream started (`events_generated`);
 * - held: due events that could not be sent because sending failed, still in the outbox; with the
 *   dead-lettered ones they are `events_failed`, and they leave it when a later send delivers them.
 */
export interface Pace {
  interval_ms: number;
  burst: number;
  /** When the current schedule began (epoch ms); null while paused or stopped. */
  anchor_ms: number | null;
  /** Events due under earlier schedules (before a pacing change, a pause or a restart of the drain's clock). */
  due_before: number;
  /** Events taken from the outbox since the stream started: delivered, dead-lettered or withheld by a disruption. */
  released: number;
  /** Due events held back by failed sends (still in the outbox). */
  held: number;
}

/** Bursts sent back to back at most when the schedule is behind, so a backlog is not sent in one flood. */
export const CATCH_UP_BURSTS = 4;

export function newPace(intervalMs: number, burst: number, now: number): Pace {
  return { interval_ms: intervalMs, burst, anchor_ms: now, due_before: 0, released: 0, held: 0 };
}

/** Events the schedule has called for by `now` (a burst is due at the anchor and at every interval after it). */
export function dueEvents(pace: Pace, now: number): number {
  if (pace.anchor_ms === null || now < pace.anchor_ms) return pace.due_before;
  return pace.due_before + (Math.floor((now - pace.anchor_ms) / pace.interval_ms) + 1) * pace.burst;
}

/** Events due and not yet taken from the outbox. */
export function owedEvents(pace: Pace, now: number): number {
  return Math.max(0, dueEvents(pace, now) - pace.released);
}

/** When the next burst falls due (epoch ms), or null while the schedule is stopped. */
export function nextBurstAt(pace: Pace, now: number): number | null {
  if (pace.anchor_ms === null) return null;
  if (now < pace.anchor_ms) return pace.anchor_ms;
  return pace.anchor_ms + (Math.floor((now - pace.anchor_ms) / pace.interval_ms) + 1) * pace.interval_ms;
}

/** How many events to send now: what is owed, at most CATCH_UP_BURSTS bursts. */
export function eventsToSend(pace: Pace, now: number): number {
  return Math.min(owedEvents(pace, now), pace.burst * CATCH_UP_BURSTS);
}

/** A new interval or burst from now on; what was due so far stays due. */
export function repace(pace: Pace, intervalMs: number, burst: number, now: number): Pace {
  if (pace.interval_ms === intervalMs && pace.burst === burst) return pace;
  if (pace.anchor_ms === null) return { ...pace, interval_ms: intervalMs, burst };
  // The first burst of the new schedule is one new interval after the last burst of the old one.
  const lastBurst = nextBurstAt(pace, now)! - pace.interval_ms;
  return { ...pace, interval_ms: intervalMs, burst, due_before: dueEvents(pace, now), anchor_ms: lastBurst + intervalMs };
}

/** Stops the clock (pause, stop): nothing more falls due until it resumes. */
export function haltPace(pace: Pace, now: number): Pace {
  if (pace.anchor_ms === null) return pace;
  return { ...pace, due_before: dueEvents(pace, now), anchor_ms: null };
}

/**
 * Restarts the clock (resume, restart): what was owed when it stopped is forgiven (nobody wants a pause's worth
 * of events at once), except events held by failures, which stay owed.
 */
export function resumePace(pace: Pace, now: number): Pace {
  if (pace.anchor_ms !== null) return pace;
  return { ...pace, due_before: pace.released + pace.held, anchor_ms: now };
}

/** Records a tick: `released` events left the outbox; `failed` says whether sending is failing now. */
export function recordTick(pace: Pace, released: number, failing: boolean, now: number): Pace {
  const next = { ...pace, released: pace.released + released };
  // While sending fails, everything owed is held by the failure; once it works, held only shrinks as the
  // backlog is delivered.
  const owed = owedEvents(next, now);
  next.held = failing ? owed : Math.min(pace.held, owed);
  return next;
}

/**
 * Forgets what is owed when there is nothing to send it from (the day slice is used up and the next is being
 * made): the schedule continues from now instead of bursting the whole wait out afterwards.
 */
export function forgiveOwed(pace: Pace, now: number): Pace {
  if (pace.anchor_ms === null) return pace;
  return { ...pace, due_before: pace.released + pace.held, anchor_ms: now };
}
