/**
 * The app's observable state over HTTP: configuration, generation state and tables, a job, stream status and
 * statistics, outbox, dead letters and disruptions. Two snapshots compare equal when a
 * rejected request changed nothing.
 */
export interface SnapshotOptions {
  baseUrl: string;
  /** A job to include (GET /api/generators/jobs/{id}). */
  jobId?: string;
  headers?: Record<string, string>;
}

const ALWAYS = [
  '/api/stream/config',
  '/api/generators/state',
  '/api/generators/tables',
  '/api/stream/status',
  '/api/stream/statistics',
  '/api/stream/outbox/status',
  '/api/stream/outbox/preview?limit=1000',
  '/api/stream/dlq?page_size=500',
  '/api/stream/dlq/summary',
  '/api/disruption/list',
];

export async function snapshotState(options: SnapshotOptions): Promise<Record<string, unknown>> {
  const paths = [...ALWAYS];
  if (options.jobId) paths.push(`/api/generators/jobs/${options.jobId}`);
  const entries = await Promise.all(
    paths.map(async (path) => {
      const response = await fetch(`${options.baseUrl}${path}`, { ...(options.headers ? { headers: options.headers } : {}) });
      if (response.status !== 200) throw new Error(`Snapshot: GET ${path} answered ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as Record<string, unknown>;
      // The status's wall_time is the clock of the answer, not state.
      if (path === '/api/stream/status') delete body.wall_time;
      return [path, body] as const;
    }),
  );
  return Object.fromEntries(entries);
}
