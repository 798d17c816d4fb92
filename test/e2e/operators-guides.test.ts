/**
 * The operators' guides (setup and operations) as a user follows them: their commands, written here exactly as
 * the guides print them (curl without a content type where they send none, their jq expressions, their bash
 * monitoring script), run against the local host on the default settings and the default business size
 * (86 stores, 403,000 customers: what `npm start` gives a newcomer). Only the host and port are changed. Each
 * answer is checked against what the guide says it shows.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, uniquePrefix, type AppProcess } from '../support/app-process.js';
import { ensureDebianTool } from '../support/chromium.js';
import { waitForJob } from '../support/jobs.js';
import type { AnyJson } from '../support/http.js';

const storageConnectionString = inject('storageConnectionString');
let app: AppProcess;

/** Runs one of the guide's commands in bash, with the guide's host (localhost:8000) pointed at the app. */
function guide(command: string): Promise<string> {
  const port = new URL(app.url).port;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', command.replaceAll('http://localhost:8000', `http://127.0.0.1:${port}`)],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command}\nfailed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
const guideJson = async (command: string) => JSON.parse(await guide(`curl -s -f ${command.replace(/^curl /, '')}`)) as Record<string, AnyJson>;
const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

beforeAll(async () => {
  await Promise.all([ensureDebianTool('/usr/bin/jq', 'jq'), ensureDebianTool('/usr/bin/bc', 'bc')]);
  // The defaults, as `npm start` runs them: no volume or pacing settings at all.
  app = await startApp({ storageConnectionString, storagePrefix: uniquePrefix('guides') });
}, 600_000);
afterAll(async () => {
  await app?.stop();
});

describe("the operators' guides, verbatim, at the default business size", () => {
  it('setup guide: test the connection, check prerequisites, generate, start the test stream, monitor', async () => {
    const test = await guideJson('curl -X POST http://localhost:8000/api/stream/test');
    expect(test).toMatchObject({ success: true, response_time_ms: expect.any(Number) });
    expect(test.message).toMatch(/^Connection test successful/);

    expect(await guideJson('curl http://localhost:8000/api/generators/state')).toMatchObject({ has_historical_data: false });
    const master = await guideJson('curl -X POST http://localhost:8000/api/generators/master/start');
    expect((await waitForJob(app.url, master.status_url, 300_000)).status).toBe('completed');
    const history = await guideJson('curl -X POST http://localhost:8000/api/generators/historical/start');
    expect((await waitForJob(app.url, history.status_url, 600_000)).status).toBe('completed');
    const state = await guideJson('curl http://localhost:8000/api/generators/state');
    expect(state).toMatchObject({ has_historical_data: true, last_generated_timestamp: expect.any(String) });

    const started = await guideJson(`curl -X POST http://localhost:8000/api/stream/start \\
  -H "Content-Type: application/json" \\
  -d '{"duration_minutes": 1, "emit_interval_ms": 1000, "burst": 10}'`);
    expect(started).toMatchObject({ success: true });

    const status = await until(
      () => guideJson('curl http://localhost:8000/api/stream/status'),
      (s) => s.events_sent > 0,
      30_000,
      'first events sent',
    );
    expect(status).toMatchObject({
      is_streaming: true,
      status: 'running',
      uptime_seconds: expect.any(Number),
      events_per_second: expect.any(Number),
      last_event_time: expect.any(String),
    });
    const statistics = await guideJson('curl http://localhost:8000/api/stream/statistics');
    for (const field of [
      'events_generated',
      'events_sent_successfully',
      'events_failed',
      'batches_sent',
      'total_streaming_time',
      'events_per_second',
      'bytes_sent',
      'connection_failures',
      'circuit_breaker_trips',
    ]) {
      expect(typeof statistics[field], field).toBe('number');
    }
    expect(Object.keys(statistics.event_type_counts).length).toBeGreaterThan(0);
    expect(statistics.error_counts).toEqual({});
  }, 900_000);

  it('operations guide: status, statistics, health and the key metrics while streaming', async () => {
    // Past the first timer runs, so the schedule and the sends have met.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const health = await guideJson('curl http://localhost:8000/api/stream/health');
    expect(health).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      checks: {
        streaming_task: { status: 'active', task_status: 'running', uptime_seconds: expect.any(Number) },
        azure_config: { status: 'configured', hub_name: 'retail-events' },
        statistics: { status: 'healthy', events_generated: expect.any(Number), events_per_second: expect.any(Number), failure_rate: 0 },
      },
    });
    expect(Number(await guide("curl http://localhost:8000/api/stream/status | jq '.events_per_second'"))).toBeGreaterThan(0);
    // The guide's targets: success above 99% (alert below 95%), failures below 1%.
    // A live reading: events of a burst still on their way count as generated, not yet as sent, so an operator
    // who reads it mid-burst reads again; it must pass within a few readings.
    let successPercent = 0;
    for (let reading = 0; reading < 10 && !(successPercent > 95); reading++) {
      if (reading > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      successPercent = Number(await guide("curl http://localhost:8000/api/stream/statistics | jq '(.events_sent_successfully / .events_generated) * 100'"));
    }
    expect(successPercent).toBeGreaterThan(95);
    expect(Number(await guide("curl http://localhost:8000/api/stream/statistics | jq '(.events_failed / .events_generated) * 100'"))).toBeLessThan(1);
    expect((await guide("curl http://localhost:8000/api/stream/statistics | jq '.circuit_breaker_trips'")).trim()).toBe('0');
    expect((await guide("curl http://localhost:8000/api/stream/statistics | jq '.connection_failures'")).trim()).toBe('0');
    expect(JSON.parse(await guide("curl http://localhost:8000/api/stream/statistics | jq '.error_counts'"))).toEqual({});
    expect((await guide("curl http://localhost:8000/api/stream/dlq | jq '.count'")).trim()).toBe('0');
    // No Event Hub configured: the Blob sink, no connection string, the default hub.
    expect((await guide("curl http://localhost:8000/api/stream/config | jq '.realtime.azure_connection_string'")).trim()).toBe('null');
    expect((await guide("curl http://localhost:8000/api/stream/config | jq '.stream.hub'")).trim()).toBe('"retail-events"');
    const recent = JSON.parse(await guide('curl http://localhost:8000/api/stream/events/recent?limit=5'));
    expect(recent.events).toHaveLength(5);
    expect(Number(await guide("curl http://localhost:8000/api/stream/statistics | jq '(.bytes_sent / .events_sent_successfully) / 1024'"))).toBeGreaterThan(
      0.1,
    );
    const [batches, sent] = (await guide(`curl -s http://localhost:8000/api/stream/statistics | jq ".batches_sent, .events_sent_successfully"`))
      .trim()
      .split('\n')
      .map(Number);
    expect(batches).toBeGreaterThan(0);
    expect(sent).toBeGreaterThanOrEqual(batches!);
  }, 120_000);

  it('operations guide: manual reset (stop, then start) resets the breaker and continues after the last delivered event', async () => {
    const before = await guideJson('curl -X POST http://localhost:8000/api/stream/stop');
    expect(before).toMatchObject({ success: true, status: 'stopped' });
    const stoppedDay = (await guideJson('curl http://localhost:8000/api/stream/status')).day;
    const sentBefore = (await guideJson('curl http://localhost:8000/api/stream/events/recent?limit=100')).events as {
      event_id: string;
      ingest_timestamp: string;
      partition_key: string;
    }[];
    const lastBefore = sentBefore[0]!;
    const restarted = await guideJson(`curl -X POST http://localhost:8000/api/stream/start \\
  -H "Content-Type: application/json" \\
  -d '{"emit_interval_ms": 1000, "burst": 50}'`);
    expect(restarted).toMatchObject({ success: true });
    // The recent list is newest first: what stands before the last event sent before the stop came after it.
    const sentAfter = async () => {
      const events = (await guideJson('curl http://localhost:8000/api/stream/events/recent?limit=100')).events as {
        event_id: string;
        ingest_timestamp: string;
        partition_key: string;
      }[];
      const index = events.findIndex((e) => e.event_id === lastBefore.event_id);
      return index === -1 ? events : events.slice(0, index);
    };
    const after = await until(sentAfter, (events) => events.length >= 50, 30_000, 'events after the restart');
    // The same day goes on: nothing sent before the stop is sent again, and no store (DC, campaign) gets anything
    // earlier than where it stopped. (Across keys the day goes out in time order only roughly while its units are
    // still landing: a region written later starts at its own midnight.)
    expect((await guideJson('curl http://localhost:8000/api/stream/status')).day).toBe(stoppedDay);
    const sentEarlier = new Set(sentBefore.map((e) => e.event_id));
    expect(after.filter((e) => sentEarlier.has(e.event_id))).toEqual([]);
    const lastOfKey = new Map<string, string>();
    for (const event of sentBefore) if (!lastOfKey.has(event.partition_key)) lastOfKey.set(event.partition_key, event.ingest_timestamp);
    expect(after.filter((e) => lastOfKey.has(e.partition_key) && e.ingest_timestamp < lastOfKey.get(e.partition_key)!)).toEqual([]);
    const health = await guideJson('curl http://localhost:8000/api/stream/health');
    expect(health.checks.circuit_breaker).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  }, 90_000);

  it('operations guide: pacing changed with flat PUTs (with and without a content type) reaches the running stream', async () => {
    for (const command of [
      `curl -X PUT http://localhost:8000/api/stream/config -d '{"burst": 50}'`,
      `curl -X PUT http://localhost:8000/api/stream/config -d '{"emit_interval_ms": 1000}'`,
    ]) {
      expect((await guide(`curl -s -o /dev/null -w '%{http_code}' ${command.replace(/^curl /, '')}`)).trim(), command).toBe('200');
    }
    expect((await guide("curl http://localhost:8000/api/stream/config | jq '.realtime.emit_interval_ms, .realtime.burst'")).trim().split('\n')).toEqual([
      '1000',
      '50',
    ]);
    expect((await guideJson('curl http://localhost:8000/api/stream/status')).configured_events_per_second).toBe(50);

    for (const command of [
      `curl -X PUT http://localhost:8000/api/stream/config \\
     -H "Content-Type: application/json" \\
     -d '{"burst": 200}'`,
      `curl -X PUT http://localhost:8000/api/stream/config \\
     -H "Content-Type: application/json" \\
     -d '{"emit_interval_ms": 250}'`,
    ]) {
      expect((await guide(`curl -s -o /dev/null -w '%{http_code}' ${command.replace(/^curl /, '')}`)).trim(), command).toBe('200');
    }
    expect((await guideJson('curl http://localhost:8000/api/stream/status')).configured_events_per_second).toBe(800);
    // The stream follows the new pace: 800 events/s measured over 20 s of sending (the benchmark holds it to 5%
    // against the Event Hubs peer). Should this machine's Blob sink not keep up, status must say so: the achieved
    // rate and the events the stream is behind by. Measured once the streamed day is written: until then the drain
    // waits for its units (status shows units_ready of units_total), and on a loaded machine that can take a while.
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const day = await guideJson('curl http://localhost:8000/api/stream/status');
      if (day.preparing_day !== day.day || day.units_ready === day.units_total) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const owedAtFirst = (await guideJson('curl http://localhost:8000/api/stream/status')).behind_events;
    const first = await guideJson('curl http://localhost:8000/api/stream/statistics');
    const firstAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const second = await guideJson('curl http://localhost:8000/api/stream/statistics');
    const seconds = (Date.now() - firstAt) / 1000;
    const rate = (second.events_sent_successfully - first.events_sent_successfully) / seconds;
    const status = await guideJson('curl http://localhost:8000/api/stream/status');
    // Never faster than the pace, beyond catching up what it owed when the window began (and a burst of slack).
    expect(rate).toBeLessThan((800 * seconds * 1.05 + owedAtFirst + 200) / seconds);
    if (rate < 800 * 0.9) {
      console.log(`pacing: ${rate.toFixed(0)} events/s of 800 on this machine's Blob sink; status says behind by ${status.behind_events}`);
      // Behind by more than a second's worth; its current rate may read above 800 while it catches up.
      expect(status.behind_events).toBeGreaterThan(800);
    }
    // Four times the old pace of 50 events/s at least: the change reached the stream even on a loaded machine.
    expect(rate).toBeGreaterThan(800 * 0.25);
  }, 180_000);

  it('operations guide: the monitoring script and the diagnostic report', async () => {
    // The guide's loop body, once (its `while true` and `sleep 60` left out).
    const alerts = await guide(`
  STATUS=$(curl -s http://localhost:8000/api/stream/health | jq -r '.status')
  FAILURE_RATE=$(curl -s http://localhost:8000/api/stream/statistics | jq '(.events_failed / .events_generated) * 100')

  if [ "$STATUS" != "healthy" ]; then
    echo "ALERT: Streaming health is $STATUS"
  fi

  if (( $(echo "$FAILURE_RATE > 5" | bc -l) )); then
    echo "ALERT: Failure rate is \${FAILURE_RATE}%"
  fi
`);
    expect(alerts.trim()).toBe('');
    const report = await guide(`cd "$(mktemp -d)" && {
echo "=== Streaming Diagnostic Report ===" > diagnostic.txt
curl -s http://localhost:8000/api/stream/status >> diagnostic.txt
echo "" >> diagnostic.txt
curl -s http://localhost:8000/api/stream/statistics >> diagnostic.txt
echo "" >> diagnostic.txt
curl -s http://localhost:8000/api/stream/health >> diagnostic.txt
echo "" >> diagnostic.txt
curl -s http://localhost:8000/api/stream/dlq >> diagnostic.txt
cat diagnostic.txt; }`);
    const sections = report.trim().split('\n').slice(1);
    expect(sections).toHaveLength(4);
    for (const section of sections) expect(() => JSON.parse(section)).not.toThrow();
  }, 60_000);

  it('operations guide: the dead-letter queue commands', async () => {
    expect(await guideJson('curl http://localhost:8000/api/stream/dlq')).toMatchObject({ events: [], count: 0 });
    expect(
      JSON.parse(await guide("curl http://localhost:8000/api/stream/dlq | jq '.events | group_by(.error) | map({error: .[0].error, count: length})'")),
    ).toEqual([]);
    expect((await guide(`curl -s -o /dev/null -w '%{http_code}' -X DELETE http://localhost:8000/api/stream/dlq`)).trim()).toBe('200');
    expect((await guide(`curl -s -o /dev/null -w '%{http_code}' -X POST http://localhost:8000/api/stream/dlq/retry`)).trim()).toBe('200');
  }, 60_000);

  it('deleting all data stops the stream and clears what it owns', async () => {
    expect((await guideJson(`curl -X DELETE 'http://localhost:8000/api/generators/data?confirm=DELETE-ALL-DATA'`)).success).toBe(true);
    expect(await guideJson('curl http://localhost:8000/api/stream/status')).toMatchObject({ is_streaming: false, status: 'stopped', events_sent: 0 });
    expect(await guideJson('curl http://localhost:8000/api/stream/outbox/status')).toMatchObject({ pending_events: 0, claimed_events: 0 });
    expect(await guideJson('curl http://localhost:8000/api/stream/statistics')).toMatchObject({ events_sent_successfully: 0, events_generated: 0 });
  }, 60_000);
});
