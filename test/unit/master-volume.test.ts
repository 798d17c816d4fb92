/** The volume section of the config: the predecessor's shipped defaults, described fields, memory-safe bounds. */
import { describe, expect, it } from 'vitest';
import { MAX_CUSTOMERS, MAX_PRODUCTS, MAX_STORE_PRODUCT_CELLS, volumeConfigSchema } from '../../src/core/config/volume.js';

const issues = (input: Record<string, unknown>) => {
  const result = volumeConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('volumeConfigSchema', () => {
  it('defaults to the predecessor’s shipped config.json volumes', () => {
    expect(volumeConfigSchema.parse({})).toEqual({
      stores: 86,
      dcs: 20,
      total_geographies: 20,
      total_customers: 403_000,
      total_products: 10_000,
      refrigerated_trucks: 8,
      non_refrigerated_trucks: 12,
      supplier_refrigerated_trucks: 12,
      supplier_non_refrigerated_trucks: 18,
      truck_dc_assignment_rate: 0.85,
      trucks_per_dc: null,
      customers_per_day: 427,
      items_per_ticket_mean: 8.2,
      online_orders_per_day: 653,
      marketing_impressions_per_day: 8950,
      dc_initial_inventory_min: 500,
      dc_initial_inventory_max: 5000,
      store_initial_inventory_min: 20,
      store_initial_inventory_max: 200,
      dc_reorder_point_min: 50,
      dc_reorder_point_max: 500,
      store_reorder_point_min: 5,
      store_reorder_point_max: 50,
    });
  });

  it('describes every field (the OpenAPI document and the dashboard show these)', () => {
    for (const [name, field] of Object.entries(volumeConfigSchema.shape)) expect(field.description, name).toMatch(/\w{3,}/);
  });

  it('accepts the caps and rejects one past them, naming the field', () => {
    expect(issues({ total_customers: MAX_CUSTOMERS, total_products: 20_000 })).toEqual([]);
    expect(issues({ total_customers: MAX_CUSTOMERS + 1 })).toEqual([expect.stringMatching(/^total_customers: /)]);
    expect(issues({ stores: 1, total_products: MAX_PRODUCTS })).toEqual([]);
    expect(issues({ stores: 1, total_products: MAX_PRODUCTS + 1 })).toEqual([expect.stringMatching(/^total_products: /)]);
  });

  it('bounds stores x products, the per-(store, product) balances facts keep in memory', () => {
    expect(issues({ stores: 2_000, total_products: 10_000 })).toEqual([]);
    expect(MAX_STORE_PRODUCT_CELLS).toBe(2_000 * 10_000);
    expect(issues({ stores: 2_001, total_products: 10_000 })).toEqual([
      expect.stringMatching(/^total_products: stores x total_products must be at most 20,000,000/),
    ]);
  });

  it('rejects inverted min/max ranges on the max field', () => {
    expect(issues({ dc_initial_inventory_min: 600, dc_initial_inventory_max: 500 })).toEqual([
      'dc_initial_inventory_max: must be at least dc_initial_inventory_min (600)',
    ]);
    expect(issues({ store_reorder_point_min: 51 })).toEqual(['store_reorder_point_max: must be at least store_reorder_point_min (51)']);
    expect(issues({ store_initial_inventory_min: 7, store_initial_inventory_max: 7 })).toEqual([]);
  });

  it('rejects unknown fields, fractions, zero stores and a rate outside (0, 1]', () => {
    expect(issues({ store: 5 })).toHaveLength(1);
    expect(issues({ stores: 2.5 })).toEqual([expect.stringMatching(/^stores: /)]);
    expect(issues({ stores: 0 })).toEqual([expect.stringMatching(/^stores: /)]);
    expect(issues({ truck_dc_assignment_rate: 0 })).toEqual([expect.stringMatching(/^truck_dc_assignment_rate: /)]);
    expect(issues({ truck_dc_assignment_rate: 1, trucks_per_dc: 3 })).toEqual([]);
    expect(issues({ refrigerated_trucks: 0, supplier_refrigerated_trucks: 0 })).toEqual([]);
  });
});
