/**
 * Volume settings for master data and facts: the predecessor's fields with its shipped defaults
 * (`items_per_ticket_mean` is kept for compatibility although the predecessor never used it).
 *
 * Upper bounds keep a typo from exhausting an instance's memory (Flex Consumption: 2 GB by default). Master
 * tables are built in memory, measured on Node 20 (bench/master.mjs, Parquet included):
 *   - total_customers  <= 1,000,000: ~1.3 KB of peak RSS per customer, so ~1.3 GB at the cap (403,000 -> ~650 MB).
 *   - total_products   <=   500,000: ~0.6 KB per product, ~300 MB at the cap.
 *   - stores x total_products <= 20,000,000: fact generation keeps one Int32 balance per (store, product)
 *     (80 MB at the cap), e.g. 2,000 stores x 10,000 products or 200 stores x 100,000 products.
 * Count bounds elsewhere are far above realistic networks and only stop absurd values.
 */
import { z } from 'zod';

export const MAX_CUSTOMERS = 1_000_000;
export const MAX_PRODUCTS = 500_000;
export const MAX_STORE_PRODUCT_CELLS = 20_000_000;

const count = (max: number) => z.number().int().min(0).max(max);
const positive = (max: number) => z.number().int().min(1).max(max);

/** [min field, max field] pairs that draw uniform values between them. */
const RANGES = [
  ['dc_initial_inventory_min', 'dc_initial_inventory_max'],
  ['store_initial_inventory_min', 'store_initial_inventory_max'],
  ['dc_reorder_point_min', 'dc_reorder_point_max'],
  ['store_reorder_point_min', 'store_reorder_point_max'],
] as const;

export const volumeConfigSchema = z
  .object({
    stores: positive(10_000).default(86).describe('Number of stores (1..10,000).'),
    dcs: positive(500).default(20).describe('Number of distribution centers (1..500); at most one per selected geography.'),
    total_geographies: positive(10_000).default(20).describe('Geographies sampled from the dictionary (1..10,000; capped at the dictionary size).'),
    total_customers: positive(MAX_CUSTOMERS).default(403_000).describe('Customers in dim_customers (1..1,000,000).'),
    total_products: positive(MAX_PRODUCTS).default(10_000).describe('Products in dim_products (1..500,000).'),
    refrigerated_trucks: count(10_000).default(8).describe('Refrigerated DC-to-store trucks.'),
    non_refrigerated_trucks: count(10_000).default(12).describe('Dry DC-to-store trucks.'),
    supplier_refrigerated_trucks: count(10_000).default(12).describe('Refrigerated supplier trucks (no DC).'),
    supplier_non_refrigerated_trucks: count(10_000).default(18).describe('Dry supplier trucks (no DC).'),
    truck_dc_assignment_rate: z
      .number()
      .gt(0)
      .max(1)
      .default(0.85)
      .describe('Share (0..1] of the DC fleet assigned to DCs round-robin; the rest is an unassigned pool.'),
    trucks_per_dc: positive(1000).nullable().default(null).describe('Trucks per DC; when set it overrides truck_dc_assignment_rate.'),
    customers_per_day: positive(100_000).default(427).describe('Base customer visits per store per day.'),
    items_per_ticket_mean: z.number().gt(0).max(100).default(8.2).describe('Mean items per receipt.'),
    online_orders_per_day: count(1_000_000).default(653).describe('Online orders per day, network-wide.'),
    marketing_impressions_per_day: count(10_000_000).default(8950).describe('Marketing impressions per day (daily cap base).'),
    dc_initial_inventory_min: count(1_000_000).default(500).describe('Lowest opening units per DC and product.'),
    dc_initial_inventory_max: count(1_000_000).default(5000).describe('Highest opening units per DC and product.'),
    store_initial_inventory_min: count(1_000_000).default(20).describe('Lowest opening units per store and product.'),
    store_initial_inventory_max: count(1_000_000).default(200).describe('Highest opening units per store and product.'),
    dc_reorder_point_min: count(1_000_000).default(50).describe('Lowest DC reorder point (units).'),
    dc_reorder_point_max: count(1_000_000).default(500).describe('Highest DC reorder point (units).'),
    store_reorder_point_min: count(1_000_000).default(5).describe('Lowest store reorder point (units).'),
    store_reorder_point_max: count(1_000_000).default(50).describe('Highest store reorder point (units).'),
  })
  .strict()
  .superRefine((volume, context) => {
    for (const [minField, maxField] of RANGES) {
      if (volume[minField] > volume[maxField]) {
        context.addIssue({ code: 'custom', path: [maxField], message: `must be at least ${minField} (${volume[minField]})` });
      }
    }
    if (volume.stores * volume.total_products > MAX_STORE_PRODUCT_CELLS) {
      context.addIssue({
        code: 'custom',
        path: ['total_products'],
        message: `stores x total_products must be at most ${MAX_STORE_PRODUCT_CELLS.toLocaleString('en-US')} (one inventory balance each)`,
      });
    }
  });

export type VolumeConfig = z.infer<typeof volumeConfigSchema>;
