/**
 * Supply-chain disruptions: what an operator can inject into the live stream, and how long it lasts. They
 * are kept in a Table (one JSON document each) so every instance's drain applies the same ones, and they
 * expire by themselves: a disruption is active from `created_at` until `expires_at` (wall-clock time).
 */
import { z } from 'zod';

export const DISRUPTION_TYPES = ['dc_outage', 'inventory_shortage', 'truck_breakdown', 'weather_delay'] as const;
export type DisruptionType = (typeof DISRUPTION_TYPES)[number];

/** What `target_id` names for each type. */
export const DISRUPTION_TARGETS: Record<DisruptionType, 'dc' | 'store' | 'truck'> = {
  dc_outage: 'dc',
  inventory_shortage: 'store',
  truck_breakdown: 'truck',
  weather_delay: 'dc',
};

/** Products a shortage hits when none are named: up to this many, scaled by severity. */
export const MAX_DEFAULT_SHORTAGE_PRODUCTS = 10;

export const createDisruptionSchema = z
  .strictObject({
    disruption_type: z.enum(DISRUPTION_TYPES).describe('dc_outage and weather_delay target a DC, inventory_shortage a store, truck_breakdown a truck'),
    target_id: z.number().int().positive().max(2_147_483_647).describe('Id of the DC, store or truck (see disruption_type)'),
    severity: z.number().min(0).max(1).describe('0..1: share of shipments stopped, length of holds and delays, reorder priority'),
    duration_minutes: z.number().int().min(1).max(1440).describe('How long it lasts (wall-clock minutes); it then expires by itself'),
    product_ids: z
      .array(z.number().int().positive().max(2_147_483_647))
      .min(1)
      .max(100)
      .optional()
      .describe('inventory_shortage only: the products short (default: a few chosen by severity)'),
  })
  .refine((value) => value.product_ids === undefined || value.disruption_type === 'inventory_shortage', {
    message: 'product_ids applies to inventory_shortage only',
    path: ['product_ids'],
  });
export type CreateDisruptionRequest = z.infer<typeof createDisruptionSchema>;

export const disruptionSchema = z.object({
  id: z.string().describe('Disruption id'),
  disruption_type: z.enum(DISRUPTION_TYPES),
  target_id: z.number().int(),
  severity: z.number(),
  duration_minutes: z.number().int(),
  product_ids: z.array(z.number().int()).describe('Products a shortage hits (empty for the other types)'),
  created_at: z.string().describe('When it started (ISO-8601)'),
  expires_at: z.string().describe('When it ends by itself (ISO-8601)'),
  /** Set once the stockout and reorder events of a shortage have been sent, so they are sent once. */
  announced_at: z.string().nullable().describe('inventory_shortage: when its stockout and reorder events were sent'),
});
export type Disruption = z.infer<typeof disruptionSchema>;

export function isActive(disruption: Disruption, now: number): boolean {
  return Date.parse(disruption.created_at) <= now && now < Date.parse(disruption.expires_at);
}
