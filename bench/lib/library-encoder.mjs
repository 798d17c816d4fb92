// The Parquet path as it was before src/core/parquet/encoder.ts: plain column arrays handed to hyparquet-writer,
// text pre-encoded into shared UTF-8 views. Kept here (not in src/) so the benchmarks can time the old path
// beside the new one in the same process, and check that both write the same bytes.
import { parquetWriteBuffer } from 'hyparquet-writer';

const encoder = new TextEncoder();

function schemaElement(column) {
  const repetition_type = column.nullable === false ? 'REQUIRED' : 'OPTIONAL';
  const name = column.name;
  switch (column.type) {
    case 'STRING':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'TIMESTAMP':
      return { name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type };
    case 'DATE':
      return { name, type: 'INT32', converted_type: 'DATE', repetition_type };
    default:
      return { name, type: column.type, repetition_type };
  }
}

function worthDeduplicating(values) {
  const sample = Math.min(values.length, 1000);
  if (sample === 0) return false;
  const seen = new Set();
  const step = values.length / sample;
  for (let i = 0; i < sample; i++) seen.add(values[Math.floor(i * step)] ?? null);
  return seen.size / sample <= 0.5;
}

function utf8Column(values) {
  const dedupe = worthDeduplicating(values) ? new Map() : null;
  let buffer = new Uint8Array(1024);
  let offset = 0;
  const out = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    if (text === null || text === undefined) {
      out[i] = null;
      continue;
    }
    const known = dedupe?.get(text);
    if (known) {
      out[i] = known;
      continue;
    }
    const worst = text.length * 3;
    if (offset + worst > buffer.length) {
      buffer = new Uint8Array(Math.max(Math.min(buffer.length * 2, 4 * 1024 * 1024), worst));
      offset = 0;
    }
    const start = offset;
    offset = start + encoder.encodeInto(text, buffer.subarray(start)).written;
    const view = buffer.subarray(start, offset);
    dedupe?.set(text, view);
    out[i] = view;
  }
  return out;
}

/** table: { rowCount, columns: [{ name, type, data, nullable? }] } with plain arrays (Dates for timestamps). */
export function encodeWithLibrary(table, { createdBy, rowGroupSize = 100_000 } = {}) {
  const schema = [{ name: 'root', num_children: table.columns.length }];
  const columnData = table.columns.map((column) => {
    schema.push(schemaElement(column));
    return { name: column.name, data: column.type === 'STRING' ? utf8Column(column.data) : column.data };
  });
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, codec: 'SNAPPY', createdBy, rowGroupSize }));
}
