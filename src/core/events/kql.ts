/**
 * Renders the KQL script for Microsoft Fabric Real-Time Intelligence (docs/kql/retail_events.kql) from the
 * event schemas, so every event type and field we emit has a typed column and a JSON mapping. A test keeps
 * the committed script equal to this rendering.
 */
import type { z } from 'zod';
import { ENVELOPE_FIELDS, EVENT_TYPES, eventPayloadSchemas, type EventType } from './schemas.js';

export function kqlTableName(eventType: EventType): string {
  return eventType.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

type Def = { type: string; innerType?: z.ZodType; description?: string };

function kqlType(schema: z.ZodType): string {
  let current = schema;
  let def = (current as unknown as { def: Def }).def;
  while ((def.type === 'nullable' || def.type === 'optional') && def.innerType) {
    current = def.innerType;
    def = (current as unknown as { def: Def }).def;
  }
  if (current.description === 'ISO-8601 UTC timestamp') return 'datetime';
  switch (def.type) {
    case 'number':
      return (current as unknown as { isInt?: boolean }).isInt ? 'long' : 'real';
    case 'int':
      return 'long';
    case 'boolean':
      return 'bool';
    case 'array':
    case 'object':
    case 'record':
      return 'dynamic';
    default:
      return 'string';
  }
}

const ENVELOPE_TYPES: Record<(typeof ENVELOPE_FIELDS)[number], string> = {
  event_id: 'string',
  event_type: 'string',
  payload: 'dynamic',
  trace_id: 'string',
  ingest_timestamp: 'datetime',
  schema_version: 'string',
  source: 'string',
  correlation_id: 'string',
  partition_key: 'string',
};

/** A payload field named like an envelope field (inventory_updated's `source`) gets a `payload_` prefix. */
export function kqlPayloadColumn(field: string): string {
  return (ENVELOPE_FIELDS as readonly string[]).includes(field) ? `payload_${field}` : field;
}

export interface KqlColumn {
  name: string;
  type: string;
  path: string;
}

/** Columns of one event type's table: the envelope (minus the raw payload) then every payload field. */
export function kqlColumns(eventType: EventType): KqlColumn[] {
  const envelope = ENVELOPE_FIELDS.filter((f) => f !== 'payload').map((name) => ({ name, type: ENVELOPE_TYPES[name], path: `$.${name}` }));
  const payload = Object.entries(eventPayloadSchemas[eventType].shape).map(([field, schema]) => ({
    name: kqlPayloadColumn(field),
    type: kqlType(schema as z.ZodType),
    path: `$.payload.${field}`,
  }));
  return [...envelope, ...payload];
}

export function renderKql(): string {
  const lines: string[] = [
    '// retail-datagen: KQL tables for Microsoft Fabric Real-Time Intelligence (Eventhouse / KQL database).',
    '// Generated from src/core/events/schemas.ts (a test keeps it in step). Run it in a KQL queryset.',
    '//',
    '// Two ways to land events:',
    '//  1. One Eventstream destination into RetailEventsRaw; update policies fan events out to one typed',
    '//     table per event type (below). Recommended: one route, nothing to change when types are added.',
    '//  2. One Eventstream destination per event type (filter on event_type), each using the JSON mapping',
    '//     `<Table>_mapping` of its typed table.',
    '',
    '.create-merge table RetailEventsRaw (event_id: string, event_type: string, payload: dynamic, trace_id: string, ingest_timestamp: datetime, schema_version: string, source: string, correlation_id: string, partition_key: string)',
    '',
    `.create-or-alter table RetailEventsRaw ingestion json mapping 'RetailEventsRaw_mapping' '[${ENVELOPE_FIELDS.map((f) => `{"column":"${f}","path":"$.${f}","datatype":"${ENVELOPE_TYPES[f]}"}`).join(',')}]'`,
    '',
  ];
  for (const eventType of EVENT_TYPES) {
    const table = kqlTableName(eventType);
    const columns = kqlColumns(eventType);
    lines.push(`// ${eventType}`);
    lines.push(`.create-merge table ${table} (${columns.map((c) => `${c.name}: ${c.type}`).join(', ')})`);
    lines.push('');
    lines.push(`.create-or-alter table ${table} ingestion json mapping '${table}_mapping' '[${columns.map((c) => `{"column":"${c.name}","path":"${c.path}","datatype":"${c.type}"}`).join(',')}]'`);
    lines.push('');
    const projections = columns.map((c) => {
      if (c.path.startsWith('$.payload.')) {
        const field = c.path.slice('$.payload.'.length);
        const cast = c.type === 'dynamic' ? `payload.${field}` : `to${c.type === 'long' ? 'long' : c.type === 'real' ? 'real' : c.type === 'datetime' ? 'datetime' : c.type === 'bool' ? 'bool' : 'string'}(payload.${field})`;
        return `${c.name} = ${cast}`;
      }
      return c.name;
    });
    lines.push(`.create-or-alter function with (folder = 'retail-datagen') Extract${table}() { RetailEventsRaw | where event_type == '${eventType}' | project ${projections.join(', ')} }`);
    lines.push('');
    lines.push(`.alter table ${table} policy update @'[{"IsEnabled": true, "Source": "RetailEventsRaw", "Query": "Extract${table}()", "IsTransactional": false}]'`);
    lines.push('');
  }
  lines.push(
    '// ---- Example queries ----',
    '// Sales per store per minute',
    '// ReceiptCreated | where receipt_type == "SALE" | summarize sales = sum(total), receipts = count() by store_id, bin(ingest_timestamp, 1m) | render timechart',
    '// Top products in the last hour',
    '// ReceiptLineAdded | where ingest_timestamp > ago(1h) | summarize units = sum(quantity), revenue = sum(extended_price) by product_id | top 20 by revenue',
    '// Stockouts by store',
    '// StockoutDetected | summarize stockouts = count() by store_id, dc_id | order by stockouts desc',
    '// Funnel: foot traffic -> BLE-seen visitors -> buyers per store and hour',
    '// let foot = CustomerEntered | summarize visitors = sum(customer_count) by store_id, hour = bin(ingest_timestamp, 1h);',
    '// let seen = BlePingDetected | summarize seen = dcount(customer_ble_id) by store_id, hour = bin(ingest_timestamp, 1h);',
    '// let buyers = ReceiptCreated | where receipt_type == "SALE" | summarize buyers = dcount(customer_id) by store_id, hour = bin(ingest_timestamp, 1h);',
    '// foot | join kind=leftouter seen on store_id, hour | join kind=leftouter buyers on store_id, hour | project store_id, hour, visitors, seen, buyers',
    '// Advertising spend by channel and device',
    '// AdImpression | summarize spend = sum(cost), impressions = count() by channel, device_type',
    '',
  );
  return lines.join('\n');
}
