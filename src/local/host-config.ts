/** The parts of host.json the local host honours, with the Functions runtime's defaults. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface QueueHostSettings {
  /** Longest wait between polls of an empty queue (ms). Runtime default 1 min; the local host uses 2 s. */
  maxPollingIntervalMs: number;
  /** How long a failed message stays invisible before its next try (ms). Runtime default 0. */
  visibilityTimeoutMs: number;
  batchSize: number;
  /** Tries before a message moves to `<queue>-poison`. Runtime default 5. */
  maxDequeueCount: number;
}

export interface HostSettings {
  routePrefix: string;
  queues: QueueHostSettings;
  /** Longest time an invocation may run before the host stops waiting for it at shutdown (ms). */
  functionTimeoutMs: number;
}

/** Parses `hh:mm:ss` (host.json TimeSpan) into milliseconds. */
export function parseTimeSpan(value: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`Not a TimeSpan (hh:mm:ss): ${value}`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const fractionMs = fraction ? Number(`0.${fraction}`) * 1000 : 0;
  return ((Number(days ?? 0) * 24 + Number(hours)) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000 + fractionMs;
}

interface HostJson {
  functionTimeout?: string;
  extensions?: {
    http?: { routePrefix?: string };
    queues?: { maxPollingInterval?: string; visibilityTimeout?: string; batchSize?: number; maxDequeueCount?: number };
  };
}

export async function readHostSettings(root: string): Promise<HostSettings> {
  let json: HostJson = {};
  try {
    json = JSON.parse(await readFile(path.join(root, 'host.json'), 'utf8')) as HostJson;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const queues = json.extensions?.queues ?? {};
  return {
    routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    functionTimeoutMs: json.functionTimeout ? parseTimeSpan(json.functionTimeout) : 30 * 60_000,
    queues: {
      maxPollingIntervalMs: queues.maxPollingInterval ? parseTimeSpan(queues.maxPollingInterval) : 2_000,
      visibilityTimeoutMs: queues.visibilityTimeout ? parseTimeSpan(queues.visibilityTimeout) : 0,
      batchSize: queues.batchSize ?? 16,
      maxDequeueCount: queues.maxDequeueCount ?? 5,
    },
  };
}
