/** Events that could not be delivered, kept for inspection and retry (issue #6 contract). */
import type { OutboxEvent } from './types.js';

export interface DeadLetter {
  id: string;
  event: unknown;
  event_type: string;
  error: string;
  error_type: string;
  timestamp: string;
  retry_count: number;
}

export interface DeadLetterQueue {
  /** Adds events; returns how many were kept: the queue holds at most `maxSize` (realtime.max_buffer_size). */
  add(events: OutboxEvent[], errorType: string, error: string, retryCount: number, maxSize: number): Promise<number>;
  list(page: number, pageSize: number): Promise<{ events: DeadLetter[]; count: number }>;
  summary(): Promise<{ total: number; by_error_type: Record<string, number>; by_event_type: Record<string, number> }>;
  /** Removes and returns the given dead letters (all when ids is undefined) for re-sending. */
  take(ids?: string[]): Promise<DeadLetter[]>;
  clear(): Promise<number>;
}
