/** GET / PUT /api/stream/config: the effective settings (secrets masked) and validated partial updates. */
import { z } from 'zod';
import { configService, streamingDeps } from '../app/services.js';
import { appConfigSchema, configUpdateSchema } from '../core/config/schema.js';
import { updateStreamConfig } from '../core/streaming/config-update.js';
import { httpRoute } from './http/route.js';

const connectionViewSchema = z.object({
  source: z
    .enum(['environment', 'runtime_config', 'keyvault', 'managed_identity', 'none'])
    .describe('Where the Event Hubs credentials come from, in resolution order.'),
  connection_string: z.string().nullable().describe('The connection string in use, with its key masked.'),
  fully_qualified_namespace: z.string().nullable(),
  hub: z.string(),
  sink: z.enum(['eventhubs', 'blob']).describe('Where streamed events go.'),
});

export const configViewSchema = appConfigSchema
  .extend({
    realtime: appConfigSchema.shape.realtime.unwrap().extend({
      azure_connection_string: z.string().nullable().describe('Masked: the key is never returned.'),
    }),
    connection: connectionViewSchema,
  })
  .meta({ id: 'StreamConfig' });

httpRoute({
  name: 'getStreamConfig',
  method: 'GET',
  route: 'api/stream/config',
  summary: 'Effective configuration (secrets masked)',
  tags: ['configuration'],
  responses: { 200: { description: 'Defaults, app settings and runtime overrides merged', schema: configViewSchema } },
  handler: async () => ({ status: 200, jsonBody: await configService().view() }),
});

httpRoute({
  name: 'updateStreamConfig',
  method: 'PUT',
  route: 'api/stream/config',
  summary: 'Update configuration (partial, validated, shared by all instances)',
  description:
    'Pacing (emit_interval_ms, burst), retry, breaker and batch settings apply to a running stream within one emit interval. ' +
    'Send any subset of fields; `null` clears an optional setting. Unknown fields and bad values are rejected ' +
    'with 400 naming the field, and nothing is changed. Sending back the masked connection string leaves it as it is. ' +
    'Realtime settings may also be sent at the top level (`{"burst": 50}`) and the hub as `hub`.',
  tags: ['configuration'],
  body: configUpdateSchema.meta({ id: 'StreamConfigPatch' }),
  responses: { 200: { description: 'The configuration after the update (secrets masked)', schema: configViewSchema } },
  handler: async ({ body }) => {
    const service = configService();
    await updateStreamConfig(service, streamingDeps(), body);
    return { status: 200, jsonBody: await service.view() };
  },
});
