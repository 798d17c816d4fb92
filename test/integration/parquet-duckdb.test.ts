/** The Parquet we write is readable by DuckDB (the engine Fabric, Spark and analysts' notebooks stand in for here). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { appConfigSchema } from '../../src/core/config/schema.js';
import { generateDimensionTables } from '../../src/core/dimensions/index.js';
import { encodeParquet } from '../../src/core/dataset-parquet.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'duck-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('Parquet read by DuckDB', () => {
  it('reads every dimension table with its row count, column types and values', async () => {
    const config = appConfigSchema.parse({ seed: 5, volume: { total_customers: 4000, total_products: 600 } });
    const tables = [...generateDimensionTables(config)];
    for (const table of tables) writeFileSync(path.join(folder, `${table.name}.parquet`), encodeParquet(table));
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    for (const table of tables) {
      const count = await connection.runAndReadAll(`select count(*) from '${path.join(folder, `${table.name}.parquet`)}'`);
      expect(Number(count.getRows()[0]![0]), table.name).toBe(table.rowCount);
    }
    const products = path.join(folder, 'dim_products.parquet');
    const described = await connection.runAndReadAll(`describe select ID, SalePrice, RequiresRefrigeration, LaunchDate, Department from '${products}'`);
    expect(described.getRows().map((row) => `${row[0]}:${row[1]}`)).toEqual([
      'ID:INTEGER',
      'SalePrice:DOUBLE',
      'RequiresRefrigeration:BOOLEAN',
      'LaunchDate:TIMESTAMP',
      'Department:VARCHAR',
    ]);
    const joined = await connection.runAndReadAll(
      `select count(*) from '${path.join(folder, 'dim_stores.parquet')}' s join '${path.join(folder, 'dim_geographies.parquet')}' g on s.GeographyID = g.ID`,
    );
    expect(Number(joined.getRows()[0]![0])).toBe(tables.find((t) => t.name === 'dim_stores')!.rowCount);
  });
});
