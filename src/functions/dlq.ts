/** The dead-letter queue: list (paged), summary, retry (back through the outbox) and clear. */
import { z } from 'zod';
import { streamingDeps } from '../app/services.js';
import { NotFoundError } from '../core/errors.js';
import { retryDeadLetters } from '../core/streaming/dead-letter.js';
import { httpRoute } from './http/route.js';

const deadLetterSchema = z.object({
  id: z.string(),
  event: z.unknown(),
  event_type: z.string(),
  error: z.string(),
  error_type: z.string(),
  timestamp: z.string(),
  retry_count: z.number().int(),
});

httpRoute({
  name: 'listDeadLetters',
  method: 'GET',
  route: 'api/stream/dlq',
  summary: 'Events that could not be delivered (oldest first, paged)',
  tags: ['dlq'],
  query: z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1), page_size: z.coerce.number().int().min(1).max(500).default(50) }),
  responses: {
    200: {
      description: 'A page of dead letters',
      schema: z.object({ events: z.array(deadLetterSchema), count: z.number().int(), page: z.number().int(), page_size: z.number().int() }),
    },
  },
  handler: async ({ query }) => {
    const { events, count } = await streamingDeps().deadLetters.list(query.page, query.page_size);
    return { status: 200, jsonBody: { events, count, page: query.page, page_size: query.page_size } };
  },
});

httpRoute({
  name: 'summarizeDeadLetters',
  method: 'GET',
  route: 'api/stream/dlq/summary',
  summary: 'Dead letters counted by error type and event type',
  tags: ['dlq'],
  responses: {
    200: {
      description: 'Counts',
      schema: z.object({
        total: z.number().int(),
        by_error_type: z.record(z.string(), z.number().int()),
        by_event_type: z.record(z.string(), z.number().int()),
      }),
    },
  },
  handler: async () => ({ status: 200, jsonBody: await streamingDeps().deadLetters.summary() }),
});

httpRoute({
  name: 'retryDeadLetters',
  method: 'POST',
  route: 'api/stream/dlq/retry',
  summary: 'Send dead letters again (all, or the given ids) through the outbox',
  tags: ['dlq'],
  body: z
    .object({ ids: z.array(z.string().min(1).max(100)).min(1).max(10_000).optional() })
    .strict()
    .optional(),
  responses: {
    200: { description: 'Queued again', schema: z.object({ success: z.literal(true), retried: z.number().int() }) },
    404: { description: 'None of the ids exist' },
  },
  handler: async ({ body }) => {
    // Letters go back through the outbox with their retry count raised; if that write fails they stay dead-lettered.
    const retried = await retryDeadLetters(streamingDeps(), body?.ids);
    if (body?.ids && retried === 0) throw new NotFoundError('ids: none of these dead letters exist');
    return { status: 200, jsonBody: { success: true, retried } };
  },
});

httpRoute({
  name: 'clearDeadLetters',
  method: 'DELETE',
  route: 'api/stream/dlq',
  summary: 'Delete every dead letter',
  tags: ['dlq'],
  responses: { 200: { description: 'Cleared', schema: z.object({ success: z.literal(true), deleted: z.number().int() }) } },
  handler: async () => ({ status: 200, jsonBody: { success: true, deleted: await streamingDeps().deadLetters.clear() } }),
});
