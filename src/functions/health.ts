/** GET /health: liveness. Answers without touching storage so a probe never restarts a healthy worker. */
import { z } from 'zod';
import { APP_VERSION } from '../core/version.js';
import { httpRoute } from './http/route.js';

const startedAt = Date.now();

export const healthResponseSchema = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    uptime_seconds: z.number(),
    timestamp: z.string().describe('ISO-8601'),
  })
  .meta({ id: 'Health' });

httpRoute({
  name: 'health',
  method: 'GET',
  route: 'health',
  authLevel: 'anonymous',
  summary: 'Liveness probe',
  description: 'Always 200 while the worker runs. Readiness (storage, sink, breaker) is GET /api/stream/health.',
  tags: ['operations'],
  responses: { 200: { description: 'The app is alive', schema: healthResponseSchema } },
  handler: async () => ({
    status: 200,
    jsonBody: {
      status: 'ok',
      version: APP_VERSION,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      timestamp: new Date().toISOString(),
    } satisfies z.infer<typeof healthResponseSchema>,
  }),
});
