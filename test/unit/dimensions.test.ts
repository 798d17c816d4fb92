/**
 * Master data: determinism across processes, independent streams per table, referential integrity and
 * the predecessor's realism rules (profiles, fleets, pricing, every department present).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { appConfigSchema, type AppConfig } from '../../src/core/config/schema.js';
import { BASE_PRODUCTS } from '../../src/core/dimensions/dictionaries/catalogue.js';
import { generateDimensionTables } from '../../src/core/dimensions/index.js';
import { encodeParquet } from '../../src/core/dataset-parquet.js';
import { apportion } from '../../src/core/dimensions/places.js';
import { columnOf, textOf, type ColumnarTable } from '../../src/core/columnar-table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function config(overrides: Record<string, unknown> = {}, volume: Record<string, unknown> = {}): AppConfig {
  return appConfigSchema.parse({ seed: 42, volume: { total_customers: 30_000, total_products: 3_000, ...volume }, ...overrides });
}

function tables(c: AppConfig): Map<string, ColumnarTable> {
  return new Map([...generateDimensionTables(c)].map((t) => [t.name, t]));
}

function digests(c: AppConfig): Record<string, string> {
  return Object.fromEntries([...generateDimensionTables(c)].map((t) => [t.name, createHash('sha256').update(encodeParquet(t)).digest('hex')]));
}

describe('determinism', () => {
  it('gives byte-identical Parquet in two separate processes', () => {
    const script = `
      const { generateDimensionTables } = await import(${JSON.stringify(path.join(root, 'dist/src/core/dimensions/index.js'))});
      const { encodeParquet } = await import(${JSON.stringify(path.join(root, 'dist/src/core/dataset-parquet.js'))});
      const { appConfigSchema } = await import(${JSON.stringify(path.join(root, 'dist/src/core/config/schema.js'))});
      const { createHash } = await import('node:crypto');
      const c = appConfigSchema.parse({ seed: 42, volume: { total_customers: 30000, total_products: 3000 } });
      const out = {};
      for (const t of generateDimensionTables(c)) out[t.name] = createHash('sha256').update(encodeParquet(t)).digest('hex');
      console.log(JSON.stringify(out));`;
    const run = () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, string>;
    const first = run();
    const second = run();
    expect(Object.keys(first)).toHaveLength(6);
    expect(second).toEqual(first);
    expect(digests(config())).toEqual(first);
  });

  it('changes with the seed', () => {
    const a = digests(config());
    const b = digests(config({ seed: 43 }));
    for (const table of ['dim_geographies', 'dim_stores', 'dim_customers', 'dim_products', 'dim_trucks']) expect(b[table], table).not.toBe(a[table]);
  });

  it('keeps each table on its own stream: more customers leave products, stores and trucks unchanged', () => {
    const a = digests(config());
    const b = digests(config({}, { total_customers: 31_000 }));
    expect(b.dim_customers).not.toBe(a.dim_customers);
    expect(b.dim_products).toBe(a.dim_products);
    expect(b.dim_stores).toBe(a.dim_stores);
    expect(b.dim_trucks).toBe(a.dim_trucks);
    expect(b.dim_geographies).toBe(a.dim_geographies);
  });
});

describe('shape and integrity', () => {
  const c = config({}, { stores: 86, dcs: 20, total_geographies: 20 });
  const t = tables(c);

  it('has the predecessor’s table and column names and exact counts', () => {
    expect([...t.keys()]).toEqual(['dim_geographies', 'dim_stores', 'dim_distribution_centers', 'dim_trucks', 'dim_customers', 'dim_products']);
    expect(t.get('dim_customers')!.columns.map((x) => x.name)).toEqual([
      'ID',
      'FirstName',
      'LastName',
      'Address',
      'GeographyID',
      'LoyaltyCard',
      'Phone',
      'BLEId',
      'AdId',
    ]);
    expect(t.get('dim_customers')!.rowCount).toBe(30_000);
    expect(t.get('dim_products')!.rowCount).toBe(3_000);
    expect(t.get('dim_stores')!.rowCount).toBe(86);
    expect(t.get('dim_geographies')!.rowCount).toBe(20);
  });

  it('has unique ids and foreign keys that resolve', () => {
    const geographyIds = new Set(columnOf(t.get('dim_geographies')!, 'ID') as Int32Array);
    const dcIds = new Set(columnOf(t.get('dim_distribution_centers')!, 'ID') as Int32Array);
    for (const name of ['dim_stores', 'dim_customers', 'dim_distribution_centers']) {
      const ids = columnOf(t.get(name)!, 'ID') as Int32Array;
      expect(new Set(ids).size, name).toBe(ids.length);
      for (const g of columnOf(t.get(name)!, 'GeographyID') as Int32Array) expect(geographyIds.has(g), name).toBe(true);
    }
    for (const dc of columnOf(t.get('dim_trucks')!, 'DCID') as (number | null)[]) if (dc !== null) expect(dcIds.has(dc)).toBe(true);
    const loyalty = textOf(t.get('dim_customers')!, 'LoyaltyCard') as string[];
    expect(new Set(loyalty).size).toBe(loyalty.length);
    expect(new Set(textOf(t.get('dim_customers')!, 'BLEId') as string[]).size).toBe(30_000);
  });

  it('opens stores only in states that have a distribution center', () => {
    const geographies = t.get('dim_geographies')!;
    const stateOf = new Map<number, string>();
    (columnOf(geographies, 'ID') as Int32Array).forEach((id, i) => stateOf.set(id, (columnOf(geographies, 'State') as string[])[i]!));
    const dcStates = new Set([...(columnOf(t.get('dim_distribution_centers')!, 'GeographyID') as Int32Array)].map((g) => stateOf.get(g)));
    for (const g of columnOf(t.get('dim_stores')!, 'GeographyID') as Int32Array) expect(dcStates.has(stateOf.get(g))).toBe(true);
  });

  it('gives stores profiles in the predecessor’s proportions', () => {
    const many = tables(config({ seed: 7 }, { stores: 2000, dcs: 20, total_geographies: 60, total_customers: 100, total_products: 20 })).get('dim_stores')!;
    const classes = columnOf(many, 'volume_class') as string[];
    const share = (value: string) => classes.filter((v) => v === value).length / classes.length;
    expect(share('medium_volume')).toBeGreaterThan(0.4);
    expect(share('medium_volume')).toBeLessThan(0.6);
    expect(share('flagship')).toBeLessThan(0.1);
    expect(share('kiosk')).toBeGreaterThan(0.02);
    const multipliers = columnOf(many, 'daily_traffic_multiplier') as Float64Array;
    classes.forEach((cls, i) => {
      if (cls === 'flagship') expect(multipliers[i]).toBeGreaterThanOrEqual(2.5);
      if (cls === 'kiosk') expect(multipliers[i]).toBeLessThanOrEqual(0.35);
    });
    expect(new Set(columnOf(many, 'store_format') as string[])).toEqual(new Set(['hypermarket', 'superstore', 'standard', 'neighborhood', 'express']));
  });

  it('builds the shipped fleet: 17 DC trucks round-robin, 3 pool, 30 supplier', () => {
    const trucks = tables(appConfigSchema.parse({ seed: 42, volume: { total_customers: 10, total_products: 20 } })).get('dim_trucks')!;
    expect(trucks.rowCount).toBe(50);
    const dcs = columnOf(trucks, 'DCID') as (number | null)[];
    expect(dcs.filter((d) => d !== null)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect((columnOf(trucks, 'FleetType') as string[]).filter((f) => f === 'supplier')).toHaveLength(30);
    expect((columnOf(trucks, 'LicensePlate') as string[])[0]).toMatch(/^[A-Z]{3}\d{4}$/);
  });

  it('sells products of every department, with consistent prices', () => {
    const products = t.get('dim_products')!;
    const departments = new Set(columnOf(products, 'Department') as string[]);
    expect(departments).toEqual(new Set(BASE_PRODUCTS.map((p) => p.department)));
    const cost = columnOf(products, 'Cost') as Float64Array;
    const sale = columnOf(products, 'SalePrice') as Float64Array;
    const msrp = columnOf(products, 'MSRP') as Float64Array;
    for (let i = 0; i < products.rowCount; i++) {
      expect(cost[i]).toBeLessThan(sale[i]!);
      expect(sale[i]).toBeLessThanOrEqual(msrp[i]!);
      expect(Math.round(sale[i]! * 100)).toBeCloseTo(sale[i]! * 100, 6);
    }
    const taxability = columnOf(products, 'taxability') as string[];
    const grocery = (columnOf(products, 'Department') as string[]).map((d, i) => [d, taxability[i]]).filter(([d]) => d === 'Grocery');
    expect(grocery.every(([, tax]) => tax === 'NON_TAXABLE')).toBe(true);
    expect(new Set(columnOf(products, 'Brand') as string[]).size).toBeGreaterThan(30);
  });

  it('apportions exactly', () => {
    expect(apportion(10, [1, 1, 1]).reduce((a, b) => a + b)).toBe(10);
    expect(apportion(403_000, [1.2, 3.1, 0.7, 2]).reduce((a, b) => a + b)).toBe(403_000);
  });
});

describe('Parquet', () => {
  it('reads back with the same values and types', async () => {
    const stores = tables(config()).get('dim_stores')!;
    const bytes = encodeParquet(stores);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    expect(rows).toHaveLength(stores.rowCount);
    expect(rows[0]).toMatchObject({ ID: 1, StoreNumber: 'S000001', volume_class: (columnOf(stores, 'volume_class') as string[])[0] });
    expect(rows[3]!.tax_rate).toBe((columnOf(stores, 'tax_rate') as Float64Array)[3]);
  });
});
