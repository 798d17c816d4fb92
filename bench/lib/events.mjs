// Synthetic outbox events for the streaming benchmarks: receipt lines of ~386 bytes over 16 store partitions
// (ble pings mixed in when `mixed`), timestamped 1 ms apart.
export function makeEvents(count, prefix = 'evt', mixed = false) {
  return Array.from({ length: count }, (_, i) => ({
    at: 1_700_000_000_000 + i,
    envelope: {
      event_id: `${prefix}-${i}`,
      event_type: mixed && i % 3 === 0 ? 'ble_ping_detected' : 'receipt_line_added',
      payload: {
        receipt_id: `RCP2024060100010000${i}`,
        line_number: i % 20,
        product_id: i % 10_000,
        quantity: mixed ? 1 + (i % 4) : 1,
        unit_price: 3.49,
        extended_price: 3.49,
        promo_code: null,
      },
      trace_id: `TRC-${i}`,
      ingest_timestamp: new Date(1_700_000_000_000 + i).toISOString(),
      schema_version: '1.0',
      source: 'retail-datagen',
      partition_key: `store-${i % 16}`,
      correlation_id: `RCP${i >> 4}`,
    },
  }));
}
