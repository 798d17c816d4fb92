/** Streaming control, statistics, recent events, the outbox and the connection test (README "Streaming"). */
import { z } from 'zod';
import { assertSinkUsable, configService, connectionProbe, eventSink, streamingDeps } from '../app/services.js';
import { EVENT_TYPES, eventPayloadSchemas } from '../core/events/schemas.js';
import {
  pauseStreaming,
  resumeStreaming,
  startStreamSchema,
  startStreaming,
  stopStreaming,
  streamStatistics,
  streamStatisticsSchema,
  streamStatus,
  streamStatusSchema,
} from '../core/streaming/control.js';
import { drainOutbox, recentEvents, RECENT_LIMIT } from '../core/streaming/drain.js';
import { testConnection } from '../core/streaming/connection-test.js';
import { httpRoute } from './http/route.js';

const controlResponse = z.object({ success: z.boolean(), message: z.string(), operation_id: z.string().nullable(), status: z.string() });

httpRoute({
  name: 'startStreaming',
  method: 'POST',
  route: 'api/stream/start',
  summary: 'Start streaming the next simulated day after the history watermark',
  description:
    '400 "Historical data must be generated first", unknown event types or bad values, a sink that cannot be resolved ' +
    '(stream.sink eventhubs without a connection, an unreadable Key Vault secret) or master data made with other seed or ' +
    'volume settings; 409 while streaming. After a stop, a start continues after the last delivered event unless ' +
    '`restart_day` is true. Limited to 5 starts per minute.',
  tags: ['streaming'],
  body: startStreamSchema.optional(),
  rateLimit: { name: 'stream-start', limit: 5, windowSeconds: 60, description: 'starting the stream' },
  responses: {
    200: { description: 'Streaming', schema: z.object({ success: z.literal(true), message: z.string(), operation_id: z.string(), started_at: z.string() }) },
    409: { description: 'Already streaming' },
  },
  handler: async ({ body }) => {
    const config = await configService().get();
    await assertSinkUsable(config);
    const state = await startStreaming(streamingDeps(), config, body ?? {});
    return {
      status: 200,
      jsonBody: {
        success: true,
        message: `Streaming ${state.events_generated} events of ${state.day} at up to ${state.burst} events every ${state.emit_interval_ms} ms${state.clock ? `, live at speed ${state.clock.speed}` : ''}`,
        operation_id: state.operation_id!,
        started_at: state.started_at!,
      },
    };
  },
});

for (const [name, verb, action] of [
  ['stopStreaming', 'stop', stopStreaming],
  ['pauseStreaming', 'pause', pauseStreaming],
  ['resumeStreaming', 'resume', resumeStreaming],
] as const) {
  httpRoute({
    name,
    method: 'POST',
    route: `api/stream/${verb}`,
    summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} streaming`,
    description: '409 when the stream is not in a state that allows it.',
    tags: ['streaming'],
    responses: { 200: { description: 'Done', schema: controlResponse }, 409: { description: 'Not possible now' } },
    handler: async () => {
      const state = await action(streamingDeps());
      return { status: 200, jsonBody: { success: true, message: `Streaming ${state.status}`, operation_id: state.operation_id, status: state.status } };
    },
  });
}

httpRoute({
  name: 'streamStatus',
  method: 'GET',
  route: 'api/stream/status',
  summary: 'Streaming status',
  tags: ['streaming'],
  responses: { 200: { description: 'Status', schema: streamStatusSchema } },
  handler: async () => ({ status: 200, jsonBody: await streamStatus(streamingDeps(), (await configService().get()).realtime.monitoring_interval) }),
});

httpRoute({
  name: 'streamStatistics',
  method: 'GET',
  route: 'api/stream/statistics',
  summary: 'Streaming statistics (all instances)',
  tags: ['streaming'],
  responses: { 200: { description: 'Statistics', schema: streamStatisticsSchema } },
  handler: async () => ({ status: 200, jsonBody: await streamStatistics(streamingDeps(), (await configService().get()).realtime.monitoring_interval) }),
});

httpRoute({
  name: 'streamEventTypes',
  method: 'GET',
  route: 'api/stream/event-types',
  summary: 'Every event type with its payload schema',
  tags: ['streaming'],
  responses: {
    200: {
      description: 'Event types',
      schema: z.object({ event_types: z.array(z.object({ name: z.string(), payload_schema: z.unknown() })), count: z.number().int() }),
    },
  },
  handler: async () => ({
    status: 200,
    jsonBody: { event_types: EVENT_TYPES.map((name) => ({ name, payload_schema: z.toJSONSchema(eventPayloadSchemas[name]) })), count: EVENT_TYPES.length },
  }),
});

httpRoute({
  name: 'recentStreamEvents',
  method: 'GET',
  route: 'api/stream/events/recent',
  summary: 'The most recently sent events, newest first',
  tags: ['streaming'],
  query: z.object({ limit: z.coerce.number().int().min(1).max(RECENT_LIMIT).default(20).describe('1..100') }),
  responses: { 200: { description: 'Events', schema: z.object({ events: z.array(z.unknown()), count: z.number().int() }) } },
  handler: async ({ query }) => {
    const events = await recentEvents(streamingDeps(), query.limit);
    return { status: 200, jsonBody: { events, count: events.length } };
  },
});

httpRoute({
  name: 'outboxStatus',
  method: 'GET',
  route: 'api/stream/outbox/status',
  summary: 'Outbox counts by status and the oldest pending event',
  tags: ['outbox'],
  responses: { 200: { description: 'Counts' } },
  handler: async () => ({ status: 200, jsonBody: await streamingDeps().outbox.status(Date.now()) }),
});

httpRoute({
  name: 'outboxPreview',
  method: 'GET',
  route: 'api/stream/outbox/preview',
  summary: 'The next events waiting in the outbox',
  tags: ['outbox'],
  query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) }),
  responses: { 200: { description: 'Events', schema: z.object({ events: z.array(z.unknown()), count: z.number().int() }) } },
  handler: async ({ query }) => {
    const events = await streamingDeps().outbox.preview(query.limit);
    return { status: 200, jsonBody: { events, count: events.length } };
  },
});

httpRoute({
  name: 'outboxDrainNow',
  method: 'POST',
  route: 'api/stream/outbox/drain',
  summary: 'Drain the outbox now, at the configured pace, for up to budget_ms',
  description:
    'Works while stopped too (events sent back from the DLQ, say), at realtime.emit_interval_ms and burst; never while paused. status "busy" when another drain is running.',
  tags: ['outbox'],
  body: z
    .object({ budget_ms: z.number().int().min(100).max(25_000).default(5_000) })
    .strict()
    .optional(),
  responses: { 200: { description: 'What was sent' } },
  handler: async ({ body }) => {
    const config = await configService().get();
    const summary = await drainOutbox(streamingDeps(), config, () => eventSink(config), body?.budget_ms ?? 5_000, {
      evenWhenStopped: true,
      readConfig: () => configService().get(),
    });
    return { status: 200, jsonBody: summary };
  },
});

httpRoute({
  name: 'outboxClear',
  method: 'DELETE',
  route: 'api/stream/outbox/clear',
  summary: 'Empty the outbox',
  tags: ['outbox'],
  responses: { 200: { description: 'Cleared', schema: z.object({ success: z.literal(true), deleted_chunks: z.number().int() }) } },
  handler: async () => ({ status: 200, jsonBody: { success: true, deleted_chunks: await streamingDeps().outbox.clear() } }),
});

httpRoute({
  name: 'testConnection',
  method: 'POST',
  route: 'api/stream/test',
  summary: 'Test the connection to the configured sink',
  description: 'A malformed connection string gives success:false with "Connection test failed: Invalid connection string format". Limited to 10 per minute.',
  tags: ['streaming'],
  rateLimit: { name: 'connection-test', limit: 10, windowSeconds: 60, description: 'the connection test' },
  responses: {
    200: {
      description: 'Result',
      schema: z.object({ success: z.boolean(), message: z.string(), response_time_ms: z.number(), details: z.record(z.string(), z.unknown()) }),
    },
  },
  handler: async () => ({ status: 200, jsonBody: await testConnection(connectionProbe(), await configService().get(), process.env) }),
});
