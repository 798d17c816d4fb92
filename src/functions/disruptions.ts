/** Supply-chain disruptions: create (rate-limited), list, cancel one, clear all. */
import { z } from 'zod';
import { configService, disruptionStore, generationState } from '../app/services.js';
import { createDisruptionSchema, disruptionSchema } from '../core/disruptions/model.js';
import { cancelDisruption, clearDisruptions, createDisruption, listDisruptions } from '../core/disruptions/operations.js';
import { httpRoute } from './http/route.js';

httpRoute({
  name: 'createDisruption',
  method: 'POST',
  route: 'api/disruption/create',
  summary: 'Start a supply-chain disruption that changes the live stream until it expires',
  description:
    'dc_outage (target: a DC) withholds its shipments and truck moves; inventory_shortage (target: a store) sends a stockout and a reorder per product and withholds their restocking; truck_breakdown (target: a truck) holds its departures and arrivals by severity × duration; weather_delay (target: a DC) makes its arrivals late by up to 4 hours × severity.',
  tags: ['disruptions'],
  body: createDisruptionSchema,
  rateLimit: { name: 'disruption-create', limit: 20, windowSeconds: 60, description: 'creating disruptions' },
  responses: {
    201: { description: 'Created', schema: z.object({ success: z.literal(true), disruption: disruptionSchema }) },
    404: { description: 'No such DC, store, truck or product' },
  },
  handler: async ({ body }) => {
    const disruption = await createDisruption({ disruptions: disruptionStore(), generation: generationState() }, await configService().get(), body);
    return { status: 201, jsonBody: { success: true, disruption } };
  },
});

httpRoute({
  name: 'listDisruptions',
  method: 'GET',
  route: 'api/disruption/list',
  summary: 'Active disruptions (expired ones are gone by themselves)',
  tags: ['disruptions'],
  responses: {
    200: { description: 'Active disruptions, oldest first', schema: z.object({ disruptions: z.array(disruptionSchema), count: z.number().int() }) },
  },
  handler: async () => {
    const disruptions = await listDisruptions({ disruptions: disruptionStore() });
    return { status: 200, jsonBody: { disruptions, count: disruptions.length } };
  },
});

httpRoute({
  name: 'clearDisruptions',
  method: 'POST',
  route: 'api/disruption/clear-all',
  summary: 'End every disruption now',
  tags: ['disruptions'],
  responses: { 200: { description: 'Ended', schema: z.object({ success: z.literal(true), cleared: z.number().int() }) } },
  handler: async () => ({ status: 200, jsonBody: { success: true, cleared: await clearDisruptions({ disruptions: disruptionStore() }) } }),
});

httpRoute({
  name: 'cancelDisruption',
  method: 'DELETE',
  route: 'api/disruption/{id}',
  summary: 'End one disruption now',
  tags: ['disruptions'],
  params: z.object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a disruption id (letters, digits and dashes)')
      .describe('Disruption id'),
  }),
  responses: {
    200: { description: 'Ended', schema: z.object({ success: z.literal(true), disruption: disruptionSchema }) },
    404: { description: 'No active disruption with this id' },
  },
  handler: async ({ params }) => ({
    status: 200,
    jsonBody: { success: true, disruption: await cancelDisruption({ disruptions: disruptionStore() }, params.id) },
  }),
});
