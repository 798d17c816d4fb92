/** The datasets the generator writes, with the predecessor's table names, so its queries keep working. */
export const DIMENSION_TABLES = ['dim_geographies', 'dim_stores', 'dim_distribution_centers', 'dim_trucks', 'dim_customers', 'dim_products'] as const;

export const FACT_TABLES = [
  'fact_receipts',
  'fact_receipt_lines',
  'fact_store_inventory_txn',
  'fact_dc_inventory_txn',
  'fact_truck_moves',
  'fact_foot_traffic',
  'fact_ble_pings',
  'fact_marketing',
  'fact_online_order_headers',
  'fact_online_order_lines',
] as const;

export type DimensionTable = (typeof DIMENSION_TABLES)[number];
export type FactTable = (typeof FACT_TABLES)[number];
export type DatasetTable = DimensionTable | FactTable;
export const ALL_TABLES: readonly DatasetTable[] = [...DIMENSION_TABLES, ...FACT_TABLES];

export function isDatasetTable(name: string): name is DatasetTable {
  return (ALL_TABLES as readonly string[]).includes(name);
}

export function isDimensionTable(name: string): name is DimensionTable {
  return (DIMENSION_TABLES as readonly string[]).includes(name);
}
