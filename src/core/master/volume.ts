/**
 * Volume settings for master data and facts: the predecessor's fields with its shipped defaults
 * (reference §1.1). Upper bounds keep a typo from exhausting memory.
 */
import { z } from 'zod';

export const volumeConfigSchema = z
  .object({
    stores: z.number().int().min(1).max(10_000).default(86).describe('Number of stores.'),
    dcs: z.number().int().min(1).max(500).default(20).describe('Number of distribution centers.'),
    total_geographies: z.number().int().min(1).max(10_000).default(20).describe('Geographies sampled from the dictionary.'),
    total_customers: z.number().int().min(1).max(20_000_000).default(403_000).describe('Customers in dim_customers.'),
    total_products: z.number().int().min(1).max(1_000_000).default(10_000).describe('Products in dim_products.'),
    refrigerated_trucks: z.number().int().min(0).max(10_000).default(8).describe('Refrigerated DC-to-store trucks.'),
    non_refrigerated_trucks: z.number().int().min(0).max(10_000).default(12).describe('Dry DC-to-store trucks.'),
    supplier_refrigerated_trucks: z.number().int().min(0).max(10_000).default(12).describe('Refrigerated supplier trucks.'),
    supplier_non_refrigerated_trucks: z.number().int().min(0).max(10_000).default(18).describe('Dry supplier trucks.'),
    truck_dc_assignment_rate: z.number().gt(0).max(1).default(0.85).describe('Share of DC trucks assigned to a DC.'),
    trucks_per_dc: z.number().int().min(1).max(1000).nullable().default(null).describe('Trucks per DC; overrides the assignment rate.'),
    customers_per_day: z.number().int().min(1).max(100_000).default(427).describe('Base customer visits per store per day.'),
    items_per_ticket_mean: z.number().gt(0).max(100).default(8.2).describe('Mean items per receipt.'),
    online_orders_per_day: z.number().int().min(0).max(1_000_000).default(653).describe('Online orders per day, network-wide.'),
    marketing_impressions_per_day: z.number().int().min(0).max(10_000_000).default(8950).describe('Marketing impressions per day.'),
    dc_initial_inventory_min: z.number().int().min(0).default(500),
    dc_initial_inventory_max: z.number().int().min(0).default(5000),
    store_initial_inventory_min: z.number().int().min(0).default(20),
    store_initial_inventory_max: z.number().int().min(0).default(200),
    dc_reorder_point_min: z.number().int().min(0).default(50),
    dc_reorder_point_max: z.number().int().min(0).default(500),
    store_reorder_point_min: z.number().int().min(0).default(5),
    store_reorder_point_max: z.number().int().min(0).default(50),
  })
  .strict();

export type VolumeConfig = z.infer<typeof volumeConfigSchema>;
