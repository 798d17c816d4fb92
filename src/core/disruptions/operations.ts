/**
 * Creating, listing and cancelling disruptions. Targets are checked against the master data the stream uses
 * (rebuilt from the seed and volume settings, as the streamed days are), so a disruption always names a DC,
 * store, truck or product that exists.
 */
import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../config/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { buildFactContext, type FactContext } from '../facts/context.js';
import { storeReorderPoint } from '../facts/inventory.js';
import type { GenerationStateStore } from '../generation/state.js';
import { stableHash } from '../rng.js';
import type { DocumentStore } from '../storage/documents.js';
import { DISRUPTION_TARGETS, isActive, MAX_DEFAULT_SHORTAGE_PRODUCTS, type CreateDisruptionRequest, type Disruption } from './model.js';

export interface DisruptionDeps {
  disruptions: DocumentStore<Disruption>;
  generation: Pick<GenerationStateStore, 'read'>;
}

/** The DCs, stores and delivering trucks of the master data. */
function targetsOf(context: FactContext, kind: 'dc' | 'store' | 'truck'): Set<number> {
  if (kind === 'dc') return new Set(context.regions.map((r) => r.dcId));
  if (kind === 'store') return new Set(context.stores.map((s) => s.id));
  return new Set([...context.regions.flatMap((r) => r.trucks), ...context.poolTrucks].map((t) => t.id));
}

const TARGET_NAMES = { dc: 'distribution center', store: 'store', truck: 'delivering truck' } as const;

/** The products a shortage hits when none are named: severity × 10 (at least one), chosen by a hash of its id. */
function defaultShortageProducts(id: string, severity: number, productCount: number): number[] {
  const wanted = Math.min(productCount, Math.max(1, Math.ceil(severity * MAX_DEFAULT_SHORTAGE_PRODUCTS)));
  const chosen = new Set<number>();
  for (let i = 0; chosen.size < wanted; i++) chosen.add(1 + (stableHash(`${id}|product|${i}`) % productCount));
  return [...chosen].sort((a, b) => a - b);
}

export async function createDisruption(
  deps: DisruptionDeps,
  config: AppConfig,
  request: CreateDisruptionRequest,
  now = new Date(),
  id: string = randomUUID(),
): Promise<Disruption> {
  if (!(await deps.generation.read()).master)
    throw ValidationError.single('target_id', 'Master data must be generated first: targets are its DCs, stores and trucks');
  const context = buildFactContext(config);
  const kind = DISRUPTION_TARGETS[request.disruption_type];
  if (!targetsOf(context, kind).has(request.target_id)) {
    throw new NotFoundError(`target_id: there is no ${TARGET_NAMES[kind]} ${request.target_id} (${request.disruption_type} targets a ${TARGET_NAMES[kind]})`);
  }
  const productCount = context.products.length;
  const unknown = (request.product_ids ?? []).filter((p) => p > productCount);
  if (unknown.length > 0) throw new NotFoundError(`product_ids: no such products: ${unknown.slice(0, 10).join(', ')} (ids are 1..${productCount})`);
  const products =
    request.disruption_type !== 'inventory_shortage'
      ? []
      : request.product_ids
        ? [...new Set(request.product_ids)].sort((a, b) => a - b)
        : defaultShortageProducts(id, request.severity, productCount);
  const disruption: Disruption = {
    id,
    disruption_type: request.disruption_type,
    target_id: request.target_id,
    severity: request.severity,
    duration_minutes: request.duration_minutes,
    product_ids: products,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + request.duration_minutes * 60_000).toISOString(),
    announced_at: null,
  };
  await deps.disruptions.write(id, disruption, undefined);
  return disruption;
}

/** Active disruptions, oldest first; expired ones are removed on the way (they have ended by themselves). */
export async function listDisruptions(deps: Pick<DisruptionDeps, 'disruptions'>, now = Date.now()): Promise<Disruption[]> {
  const all = await deps.disruptions.list();
  const expired = all.filter((d) => Date.parse(d.expires_at) <= now);
  await Promise.all(expired.map((d) => deps.disruptions.delete(d.id)));
  return all.filter((d) => isActive(d, now)).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

export async function cancelDisruption(deps: Pick<DisruptionDeps, 'disruptions'>, id: string, now = Date.now()): Promise<Disruption> {
  const found = await deps.disruptions.read(id);
  if (!found || !isActive(found.value, now)) throw new NotFoundError(`id: no active disruption ${id}`);
  await deps.disruptions.delete(id);
  return found.value;
}

export async function clearDisruptions(deps: Pick<DisruptionDeps, 'disruptions'>): Promise<number> {
  const all = await deps.disruptions.list();
  await Promise.all(all.map((d) => deps.disruptions.delete(d.id)));
  return all.length;
}

/** A shortage's reorder: the store's reorder point for the product, and enough to refill it. */
export function shortageReorder(config: AppConfig, storeId: number, productId: number): { point: number; quantity: number } {
  const point = storeReorderPoint(config.seed, config.volume, storeId, productId);
  return { point, quantity: Math.max(1, config.volume.store_initial_inventory_max) };
}
