/**
 * Timer triggers: NCRONTAB schedules (six fields, seconds first, UTC unless WEBSITE_TIME_ZONE is set) or a
 * `hh:mm:ss` TimeSpan. Like the runtime, a timer never overlaps itself: a tick that comes while the previous
 * invocation runs is skipped.
 */
import { Cron } from 'croner';
import { parseTimeSpan } from './host-config.js';

export interface TimerInput {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
}

export interface TimerRunner {
  stop(): void;
  /** When the next invocation is due, if scheduled. */
  nextRun(): Date | undefined;
}

export interface StartTimerOptions {
  schedule: string;
  runOnStartup?: boolean;
  invoke: (input: TimerInput) => Promise<unknown>;
  onError: (error: unknown) => void;
  timezone?: string;
}

export function validateNcrontab(schedule: string): void {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`Timer schedule "${schedule}" must have six NCRONTAB fields (second minute hour day month day-of-week)`);
  }
}

export function startTimer(options: StartTimerOptions): TimerRunner {
  let running = false;
  let last = new Date(0);
  let next: () => Date | undefined;
  const fire = (isPastDue: boolean) => {
    if (running) return;
    running = true;
    const now = new Date();
    const input: TimerInput = {
      isPastDue,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: last.toISOString(), next: (next() ?? now).toISOString(), lastUpdated: now.toISOString() },
    };
    last = now;
    options
      .invoke(input)
      .catch(options.onError)
      .finally(() => {
        running = false;
      });
  };

  let stopTimer: () => void;
  if (/^\s*(\d+\.)?\d{1,2}:\d{2}:\d{2}\s*$/.test(options.schedule)) {
    const interval = parseTimeSpan(options.schedule);
    let due = Date.now() + interval;
    const handle = setInterval(() => {
      due = Date.now() + interval;
      fire(false);
    }, interval);
    next = () => new Date(due);
    stopTimer = () => clearInterval(handle);
  } else {
    validateNcrontab(options.schedule);
    const job = new Cron(options.schedule, { timezone: options.timezone ?? process.env.WEBSITE_TIME_ZONE ?? 'UTC' }, () => fire(false));
    next = () => job.nextRun() ?? undefined;
    stopTimer = () => job.stop();
  }
  if (options.runOnStartup) setImmediate(() => fire(false));
  return { stop: stopTimer, nextRun: () => next() };
}
