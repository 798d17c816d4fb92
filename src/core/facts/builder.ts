/**
 * Fact rows are appended column by column (no object per row) and become ColumnarTables for Parquet.
 * Column names follow the predecessor's DuckDB tables (reference §4), snake_case.
 */
import type { FactTable } from '../tables.js';
import type { Column, ColumnarTable, ColumnType } from '../dimensions/table.js';

export type ColumnSpec = readonly [name: string, type: ColumnType];

export const FACT_SCHEMAS: Record<FactTable, readonly ColumnSpec[]> = {
  fact_receipts: [
    ['event_ts', 'TIMESTAMP'], ['store_id', 'INT32'], ['customer_id', 'INT32'], ['receipt_id_ext', 'STRING'], ['receipt_type', 'STRING'],
    ['subtotal', 'DOUBLE'], ['discount_amount', 'DOUBLE'], ['tax_amount', 'DOUBLE'], ['total_amount', 'DOUBLE'],
    ['subtotal_cents', 'INT32'], ['discount_cents', 'INT32'], ['tax_cents', 'INT32'], ['total_cents', 'INT32'],
    ['payment_method', 'STRING'], ['item_count', 'INT32'], ['return_for_receipt_id_ext', 'STRING'], ['trace_id', 'STRING'],
  ],
  fact_receipt_lines: [
    ['event_ts', 'TIMESTAMP'], ['receipt_id_ext', 'STRING'], ['line_num', 'INT32'], ['product_id', 'INT32'], ['quantity', 'INT32'],
    ['unit_price', 'DOUBLE'], ['ext_price', 'DOUBLE'], ['unit_cents', 'INT32'], ['ext_cents', 'INT32'], ['discount_cents', 'INT32'],
    ['tax_cents', 'INT32'], ['promo_code', 'STRING'],
  ],
  fact_store_inventory_txn: [
    ['event_ts', 'TIMESTAMP'], ['store_id', 'INT32'], ['product_id', 'INT32'], ['quantity', 'INT32'], ['txn_type', 'STRING'], ['source', 'STRING'], ['balance', 'INT32'],
  ],
  fact_dc_inventory_txn: [
    ['event_ts', 'TIMESTAMP'], ['dc_id', 'INT32'], ['product_id', 'INT32'], ['quantity', 'INT32'], ['txn_type', 'STRING'], ['source', 'STRING'], ['balance', 'INT32'],
  ],
  fact_truck_moves: [
    ['event_ts', 'TIMESTAMP'], ['truck_id', 'INT32'], ['dc_id', 'INT32'], ['store_id', 'INT32'], ['shipment_id', 'STRING'], ['status', 'STRING'],
    ['eta', 'TIMESTAMP'], ['etd', 'TIMESTAMP'], ['line_count', 'INT32'], ['units', 'INT32'],
  ],
  fact_foot_traffic: [
    ['event_ts', 'TIMESTAMP'], ['store_id', 'INT32'], ['sensor_id', 'STRING'], ['zone', 'STRING'], ['dwell_seconds', 'INT32'], ['count', 'INT32'],
  ],
  fact_ble_pings: [
    ['event_ts', 'TIMESTAMP'], ['store_id', 'INT32'], ['beacon_id', 'STRING'], ['customer_ble_id', 'STRING'], ['rssi', 'INT32'], ['zone', 'STRING'], ['customer_id', 'INT32'],
  ],
  fact_marketing: [
    ['event_ts', 'TIMESTAMP'], ['channel', 'STRING'], ['campaign_id', 'STRING'], ['creative_id', 'STRING'], ['customer_ad_id', 'STRING'],
    ['impression_id_ext', 'STRING'], ['cost', 'DOUBLE'], ['cost_cents', 'INT32'], ['customer_id', 'INT32'], ['device', 'STRING'],
  ],
  fact_online_order_headers: [
    ['event_ts', 'TIMESTAMP'], ['order_id_ext', 'STRING'], ['customer_id', 'INT32'], ['subtotal_amount', 'DOUBLE'], ['discount_amount', 'DOUBLE'],
    ['tax_amount', 'DOUBLE'], ['total_amount', 'DOUBLE'], ['subtotal_cents', 'INT32'], ['discount_cents', 'INT32'], ['tax_cents', 'INT32'],
    ['total_cents', 'INT32'], ['payment_method', 'STRING'], ['item_count', 'INT32'], ['status', 'STRING'], ['completed_ts', 'TIMESTAMP'],
  ],
  fact_online_order_lines: [
    ['event_ts', 'TIMESTAMP'], ['order_id', 'STRING'], ['product_id', 'INT32'], ['line_num', 'INT32'], ['quantity', 'INT32'], ['unit_price', 'DOUBLE'],
    ['ext_price', 'DOUBLE'], ['unit_cents', 'INT32'], ['ext_cents', 'INT32'], ['discount_cents', 'INT32'], ['tax_cents', 'INT32'], ['promo_code', 'STRING'],
    ['picked_ts', 'TIMESTAMP'], ['shipped_ts', 'TIMESTAMP'], ['delivered_ts', 'TIMESTAMP'], ['fulfillment_status', 'STRING'],
    ['fulfillment_mode', 'STRING'], ['node_type', 'STRING'], ['node_id', 'INT32'],
  ],
};

export type Cell = number | string | Date | null;

export class FactTableBuilder {
  private readonly data: Cell[][];
  rowCount = 0;

  constructor(
    readonly name: FactTable,
    private readonly schema: readonly ColumnSpec[] = FACT_SCHEMAS[name],
  ) {
    this.data = schema.map(() => []);
  }

  /** Appends one row; values in schema order. */
  add(...values: Cell[]): void {
    if (values.length !== this.schema.length) throw new Error(`${this.name}: expected ${this.schema.length} values, got ${values.length}`);
    for (let i = 0; i < values.length; i++) this.data[i]!.push(values[i]!);
    this.rowCount++;
  }

  build(): ColumnarTable {
    const columns: Column[] = this.schema.map(([name, type], i) => {
      const values = this.data[i]!;
      if (type === 'DOUBLE' && !values.includes(null)) return { name, type, data: Float64Array.from(values as number[]) };
      if (type === 'INT32' && !values.includes(null)) return { name, type, data: Int32Array.from(values as number[]) };
      return { name, type, data: values as (string | null)[] };
    });
    return { name: this.name, rowCount: this.rowCount, columns };
  }
}

export type FactBuilders = Record<FactTable, FactTableBuilder>;

export function newBuilders(tables: readonly FactTable[]): Partial<FactBuilders> {
  return Object.fromEntries(tables.map((t) => [t, new FactTableBuilder(t)]));
}

export function cents(value: number): number {
  return value / 100;
}

/** Tax in cents on a net amount: rate in basis points, taxability as a percentage, half-up integer rounding. */
export function lineTaxCents(netCents: number, rateBasisPoints: number, taxMultiplierPercent: number): number {
  const product = netCents * rateBasisPoints * taxMultiplierPercent;
  return product >= 0 ? Math.floor((product + 500_000) / 1_000_000) : -Math.floor((-product + 500_000) / 1_000_000);
}
