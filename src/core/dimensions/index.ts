/**
 * The six dimension tables in dependency order. Each table draws from its own stream (seed, table), so
 * changing one table's volume leaves the others byte-identical; dependencies (geographies for stores and
 * customers, DCs for stores and trucks) are recomputed deterministically.
 */
import type { AppConfig } from '../config/schema.js';
import type { ColumnInfo } from '../generation/state.js';
import type { DimensionTable } from '../dataset-tables.js';
import { customersTable } from './customers.js';
import { encodeParquet } from '../dataset-parquet.js';
import { distributionCenters, geographiesTable, selectGeographies, stores } from './places.js';
import { productsTable } from './products.js';
import type { ColumnarTable } from '../columnar-table.js';
import { truckRows, trucksTable } from './trucks.js';

/** Products launch relative to this day when no historical start date is configured. */
export const DEFAULT_LAUNCH_REFERENCE = '2024-01-01';

export function* generateDimensionTables(config: AppConfig): Generator<ColumnarTable> {
  const { seed, volume } = config;
  const geographies = selectGeographies(seed, volume);
  yield geographiesTable(geographies);
  const dcs = distributionCenters(seed, volume, geographies);
  const storeRows = stores(seed, volume, geographies, dcs.rows);
  yield storeRows.table;
  yield dcs.table;
  yield trucksTable(seed, truckRows(volume, dcs.rows));
  yield customersTable(seed, volume, geographies);
  yield productsTable(seed, volume, config.historical.start_date ?? DEFAULT_LAUNCH_REFERENCE);
}

export function columnInfo(table: ColumnarTable): ColumnInfo[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type }));
}

export interface EncodedDimension {
  table: DimensionTable;
  rows: number;
  columns: ColumnInfo[];
  parquet: Uint8Array;
}

export function* encodedDimensionTables(config: AppConfig): Generator<EncodedDimension> {
  for (const table of generateDimensionTables(config)) {
    yield { table: table.name as DimensionTable, rows: table.rowCount, columns: columnInfo(table), parquet: encodeParquet(table) };
  }
}
