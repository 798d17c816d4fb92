/**
 * Fact rows are appended column by column (no object per row) into typed columns for Parquet.
 * Column names follow the predecessor's DuckDB tables, snake_case; the columns after theirs carry the links
 * the events carry too (visit or online session, the impression and campaign a sale is credited to, a
 * location's own reorders), so the lakehouse and the stream agree.
 */
import type { FactTable } from '../dataset-tables.js';
import type { Column, ColumnarTable, ColumnType } from '../columnar-table.js';
import { StringDictionary, type TypedColumn, type TypedTable } from '../parquet/columns.js';

export type ColumnSpec = readonly [name: string, type: ColumnType];

export const FACT_SCHEMAS: Record<FactTable, readonly ColumnSpec[]> = {
  fact_receipts: [
    ['event_ts', 'TIMESTAMP'],
    ['store_id', 'INT32'],
    ['customer_id', 'INT32'],
    ['receipt_id_ext', 'STRING'],
    ['receipt_type', 'STRING'],
    ['subtotal', 'DOUBLE'],
    ['discount_amount', 'DOUBLE'],
    ['tax_amount', 'DOUBLE'],
    ['total_amount', 'DOUBLE'],
    ['subtotal_cents', 'INT32'],
    ['discount_cents', 'INT32'],
    ['tax_cents', 'INT32'],
    ['total_cents', 'INT32'],
    ['payment_method', 'STRING'],
    ['item_count', 'INT32'],
    ['return_for_receipt_id_ext', 'STRING'],
    ['trace_id', 'STRING'],
    ['session_id', 'STRING'],
    ['campaign_id', 'STRING'],
    ['impression_id', 'STRING'],
  ],
  fact_receipt_lines: [
    ['event_ts', 'TIMESTAMP'],
    ['receipt_id_ext', 'STRING'],
    ['line_num', 'INT32'],
    ['product_id', 'INT32'],
    ['quantity', 'INT32'],
    ['unit_price', 'DOUBLE'],
    ['ext_price', 'DOUBLE'],
    ['unit_cents', 'INT32'],
    ['ext_cents', 'INT32'],
    ['discount_cents', 'INT32'],
    ['tax_cents', 'INT32'],
    ['promo_code', 'STRING'],
  ],
  fact_store_inventory_txn: [
    ['event_ts', 'TIMESTAMP'],
    ['store_id', 'INT32'],
    ['product_id', 'INT32'],
    ['quantity', 'INT32'],
    ['txn_type', 'STRING'],
    ['source', 'STRING'],
    ['balance', 'INT32'],
    ['reorder_point', 'INT32'],
    ['reorder_quantity', 'INT32'],
  ],
  fact_dc_inventory_txn: [
    ['event_ts', 'TIMESTAMP'],
    ['dc_id', 'INT32'],
    ['product_id', 'INT32'],
    ['quantity', 'INT32'],
    ['txn_type', 'STRING'],
    ['source', 'STRING'],
    ['balance', 'INT32'],
    ['reorder_point', 'INT32'],
    ['reorder_quantity', 'INT32'],
  ],
  fact_truck_moves: [
    ['event_ts', 'TIMESTAMP'],
    ['truck_id', 'INT32'],
    ['dc_id', 'INT32'],
    ['store_id', 'INT32'],
    ['shipment_id', 'STRING'],
    ['status', 'STRING'],
    ['eta', 'TIMESTAMP'],
    ['etd', 'TIMESTAMP'],
    ['line_count', 'INT32'],
    ['units', 'INT32'],
  ],
  fact_foot_traffic: [
    ['event_ts', 'TIMESTAMP'],
    ['store_id', 'INT32'],
    ['sensor_id', 'STRING'],
    ['zone', 'STRING'],
    ['dwell_seconds', 'INT32'],
    ['count', 'INT32'],
  ],
  fact_ble_pings: [
    ['event_ts', 'TIMESTAMP'],
    ['store_id', 'INT32'],
    ['beacon_id', 'STRING'],
    ['customer_ble_id', 'STRING'],
    ['rssi', 'INT32'],
    ['zone', 'STRING'],
    ['customer_id', 'INT32'],
    ['session_id', 'STRING'],
  ],
  fact_marketing: [
    ['event_ts', 'TIMESTAMP'],
    ['channel', 'STRING'],
    ['campaign_id', 'STRING'],
    ['creative_id', 'STRING'],
    ['customer_ad_id', 'STRING'],
    ['impression_id_ext', 'STRING'],
    ['cost', 'DOUBLE'],
    ['cost_cents', 'INT32'],
    ['customer_id', 'INT32'],
    ['device', 'STRING'],
  ],
  fact_online_order_headers: [
    ['event_ts', 'TIMESTAMP'],
    ['order_id_ext', 'STRING'],
    ['customer_id', 'INT32'],
    ['subtotal_amount', 'DOUBLE'],
    ['discount_amount', 'DOUBLE'],
    ['tax_amount', 'DOUBLE'],
    ['total_amount', 'DOUBLE'],
    ['subtotal_cents', 'INT32'],
    ['discount_cents', 'INT32'],
    ['tax_cents', 'INT32'],
    ['total_cents', 'INT32'],
    ['payment_method', 'STRING'],
    ['item_count', 'INT32'],
    ['status', 'STRING'],
    ['completed_ts', 'TIMESTAMP'],
    ['session_id', 'STRING'],
    ['campaign_id', 'STRING'],
    ['impression_id', 'STRING'],
    ['fulfillment_mode', 'STRING'],
    ['node_type', 'STRING'],
    ['node_id', 'INT32'],
  ],
  fact_online_order_lines: [
    ['event_ts', 'TIMESTAMP'],
    ['order_id', 'STRING'],
    ['product_id', 'INT32'],
    ['line_num', 'INT32'],
    ['quantity', 'INT32'],
    ['unit_price', 'DOUBLE'],
    ['ext_price', 'DOUBLE'],
    ['unit_cents', 'INT32'],
    ['ext_cents', 'INT32'],
    ['discount_cents', 'INT32'],
    ['tax_cents', 'INT32'],
    ['promo_code', 'STRING'],
    ['picked_ts', 'TIMESTAMP'],
    ['shipped_ts', 'TIMESTAMP'],
    ['delivered_ts', 'TIMESTAMP'],
    ['fulfillment_status', 'STRING'],
    ['fulfillment_mode', 'STRING'],
    ['node_type', 'STRING'],
    ['node_id', 'INT32'],
  ],
};

/** A cell as generators append it: TIMESTAMP as epoch milliseconds (or a Date), text, numbers, or null. */
export type Cell = number | string | Date | null;

/** One column's storage: a growable typed array (and null mask), or dictionary codes for text. */
class ColumnStore {
  numbers: Float64Array | Int32Array;
  nulls: Uint8Array | null = null;
  readonly dictionary: StringDictionary | null;

  constructor(
    readonly name: string,
    readonly type: ColumnType,
    capacity: number,
  ) {
    this.numbers = type === 'INT32' || type === 'STRING' ? new Int32Array(capacity) : new Float64Array(capacity);
    this.dictionary = type === 'STRING' ? new StringDictionary() : null;
  }

  grow(capacity: number): void {
    const numbers = this.numbers instanceof Int32Array ? new Int32Array(capacity) : new Float64Array(capacity);
    numbers.set(this.numbers);
    this.numbers = numbers;
    if (this.nulls) {
      const nulls = new Uint8Array(capacity);
      nulls.set(this.nulls);
      this.nulls = nulls;
    }
  }

  set(row: number, value: Cell, table: string): void {
    if (this.dictionary) {
      if (value === null) this.numbers[row] = -1;
      else if (typeof value === 'string') this.numbers[row] = this.dictionary.code(value);
      else throw new Error(`${table}.${this.name}: expected text, got ${String(value)}`);
      return;
    }
    if (value === null) {
      (this.nulls ??= new Uint8Array(this.numbers.length))[row] = 1;
      return;
    }
    const number = value instanceof Date ? value.getTime() : value;
    if (typeof number !== 'number') throw new Error(`${table}.${this.name}: expected a number, got ${String(value)}`);
    this.numbers[row] = number;
  }

  isNull(row: number): boolean {
    return this.dictionary ? this.numbers[row]! < 0 : this.nulls !== null && this.nulls[row] === 1;
  }
}

/**
 * Fact rows appended column by column into typed arrays: numbers and epoch milliseconds stay unboxed, text
 * becomes dictionary codes as it arrives. `typed()` hands the columns to the Parquet encoder as they are;
 * `build()` gives the plain arrays (Dates, strings) that the event factory and the tests read.
 */
/**
 * The capacity each table last grew to: the next builder of that table (the next region-day) starts there, so
 * its columns are not copied through every doubling from 1,024 again.
 */
const capacityHint = new Map<string, number>();

export class FactTableBuilder {
  private readonly stores: ColumnStore[];
  private capacity: number;
  rowCount = 0;

  constructor(
    readonly name: FactTable,
    private readonly schema: readonly ColumnSpec[] = FACT_SCHEMAS[name],
  ) {
    this.capacity = capacityHint.get(name) ?? 1024;
    this.stores = schema.map(([column, type]) => new ColumnStore(column, type, this.capacity));
  }

  /** Appends one row; values in schema order. */
  add(...values: Cell[]): void {
    const stores = this.stores;
    if (values.length !== stores.length) throw new Error(`${this.name}: expected ${stores.length} values, got ${values.length}`);
    const row = this.rowCount;
    if (row === this.capacity) {
      this.capacity *= 2;
      for (const store of stores) store.grow(this.capacity);
      if (this.capacity > (capacityHint.get(this.name) ?? 0)) capacityHint.set(this.name, this.capacity);
    }
    for (let i = 0; i < values.length; i++) stores[i]!.set(row, values[i]!, this.name);
    this.rowCount = row + 1;
  }

  /** The columns for the encoder, without copying (views valid until the next `add`). */
  typed(): TypedTable {
    const rows = this.rowCount;
    const columns: TypedColumn[] = this.stores.map((store): TypedColumn => {
      const nulls = store.nulls ? store.nulls.subarray(0, rows) : null;
      const { name } = store;
      switch (store.type) {
        case 'STRING':
          return {
            name,
            type: 'STRING',
            nullable: true,
            codes: (store.numbers as Int32Array).subarray(0, rows),
            dictionary: store.dictionary!.values,
            distinct: true,
          };
        case 'INT32':
          return { name, type: 'INT32', nullable: true, values: (store.numbers as Int32Array).subarray(0, rows), nulls };
        case 'DOUBLE':
        case 'TIMESTAMP':
          return { name, type: store.type, nullable: true, values: (store.numbers as Float64Array).subarray(0, rows), nulls };
        default:
          throw new Error(`${this.name}.${name}: fact columns are INT32, DOUBLE, STRING or TIMESTAMP, not ${store.type}`);
      }
    });
    return { rowCount: rows, columns };
  }

  build(): ColumnarTable {
    const rows = this.rowCount;
    const columns: Column[] = this.stores.map((store) => {
      const { name, type } = store;
      if (type === 'STRING') {
        const codes = store.numbers;
        const values = store.dictionary!.values;
        return { name, type, data: Array.from({ length: rows }, (_, i) => (codes[i]! < 0 ? null : values[codes[i]!]!)) };
      }
      if (store.nulls === null && type === 'INT32') return { name, type, data: store.numbers.slice(0, rows) as Int32Array };
      if (store.nulls === null && type === 'DOUBLE') return { name, type, data: store.numbers.slice(0, rows) as Float64Array };
      const data: (number | Date | null)[] = new Array(rows);
      for (let i = 0; i < rows; i++) data[i] = store.isNull(i) ? null : type === 'TIMESTAMP' ? new Date(store.numbers[i]!) : store.numbers[i]!;
      return { name, type, data: data as (number | null)[] | (Date | null)[] };
    });
    return { name: this.name, rowCount: rows, columns };
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
