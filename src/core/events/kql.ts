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

type Def = { type: string; innerType?: z.ZodType; format?: string };

function kqlType(schema: z.ZodType): string {
  let current = schema;
  let def = (current as unknown as { def: Def }).def;
  while ((def.type === 'nullable' || def.type === 'optional') && def.innerType) {
    current = def.innerType;
    def = (current as unknown as { def: Def }).def;
  }
  if (def.type === 'string' && def.format === 'datetime') return 'datetime';
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
  session_id: 'string',
  correlation_id: 'string',
  parent_event_id: 'string',
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

/** Example queries appended to the script (runnable one at a time: put the cursor in one and run it). */
export const KQL_EXAMPLES: { title: string; query: string[] }[] = [
  {
    title: 'Sales per store per minute',
    query: [
      'ReceiptCreated',
      "| where receipt_type == 'SALE'",
      '| summarize sales = sum(total), receipts = count() by store_id, bin(ingest_timestamp, 1m)',
      '| render timechart',
    ],
  },
  {
    title: 'Top products in the last simulated hour (ingest_timestamp is simulated time, so measure from the newest event)',
    query: [
      'let newest = toscalar(ReceiptLineAdded | summarize max(ingest_timestamp));',
      'ReceiptLineAdded',
      '| where ingest_timestamp > newest - 1h',
      '| summarize units = sum(quantity), revenue = sum(extended_price) by product_id',
      '| top 20 by revenue',
    ],
  },
  {
    title: 'Stockouts by location (a store or a DC)',
    query: [
      'StockoutDetected',
      "| extend location_id = iff(isnotnull(store_id), strcat('store-', store_id), strcat('dc-', dc_id))",
      '| summarize stockouts = count(), products = dcount(product_id), last_seen = max(detection_time) by location_id',
      '| top 20 by stockouts',
    ],
  },
  {
    title: 'Funnel per store and hour: foot traffic -> BLE-seen shoppers -> buyers',
    query: [
      'let foot = CustomerEntered | summarize visitors = sum(customer_count) by store_id, hour = bin(ingest_timestamp, 1h);',
      'let seen = BlePingDetected | summarize ble_seen = dcount(customer_ble_id) by store_id, hour = bin(ingest_timestamp, 1h);',
      "let buyers = ReceiptCreated | where receipt_type == 'SALE' | summarize buyers = dcount(customer_id) by store_id, hour = bin(ingest_timestamp, 1h);",
      'foot',
      '| join kind=leftouter seen on store_id, hour',
      '| join kind=leftouter buyers on store_id, hour',
      '| project store_id, hour, visitors, ble_seen, buyers, conversion = round(todouble(buyers) / visitors, 3)',
      '| order by store_id asc, hour asc',
    ],
  },
  {
    title: 'Advertising spend by channel and device',
    query: [
      'AdImpression',
      '| summarize spend = round(sum(cost), 2), impressions = count() by channel, device_type',
      '| extend cpm = round(1000 * spend / impressions, 2)',
      '| order by spend desc',
    ],
  },
  {
    title: 'Online parcels by carrier and fulfilment mode',
    query: [
      'OnlineOrderShipped',
      '| summarize parcels = dcount(tracking_number), units = sum(quantity), orders = dcount(order_id) by carrier, fulfillment_mode',
    ],
  },
  {
    title: 'Duplicates: delivery is at-least-once and event_id is deterministic, so keep one row per event_id',
    query: [
      'ReceiptCreated',
      '| summarize arg_max(ingest_timestamp, *) by event_id',
      '| summarize receipts = count(), sales = sum(total) by store_id',
    ],
  },
];

const KQL_CAST: Record<string, string> = { long: 'tolong', real: 'toreal', datetime: 'todatetime', bool: 'tobool', string: 'tostring' };

/**
 * The whole script: one `.execute database script` (no blank line inside it, so running it from anywhere in the
 * block runs every command in order; each command is idempotent), then the example queries.
 */
export function renderKql(): string {
  const script: string[] = [
    '// retail-datagen: KQL tables for Microsoft Fabric Real-Time Intelligence (Eventhouse / KQL database).',
    '// Generated from src/core/events/schemas.ts by `npm run kql`; a test keeps it in step with the event schemas.',
    '//',
    '// Run the first block (select it, or put the cursor in it, and Run) in a KQL queryset of your database.',
    '// Every command is create-merge / create-or-alter, so running it again after an upgrade is safe.',
    '//',
    '// Two ways to land events:',
    '//  1. One Eventstream destination into RetailEventsRaw (mapping RetailEventsRaw_mapping); update policies',
    '//     fan each event out to the typed table of its event_type. Recommended: one route for every type.',
    '//  2. One Eventstream destination per event type (filter event_type == \'<type>\'), straight into its typed',
    '//     table with the JSON mapping <Table>_mapping. Then leave RetailEventsRaw empty (or drop the policies).',
    '//',
    '// A payload field named like an envelope field gets a payload_ prefix (InventoryUpdated.payload_source).',
    '.execute database script with (ContinueOnErrors = false) <|',
    '// ---- RetailEventsRaw: every event, the payload kept as dynamic',
    `.create-merge table RetailEventsRaw (${ENVELOPE_FIELDS.map((f) => `${f}: ${ENVELOPE_TYPES[f]}`).join(', ')})`,
    `.create-or-alter table RetailEventsRaw ingestion json mapping 'RetailEventsRaw_mapping' '[${ENVELOPE_FIELDS.map((f) => `{"column":"${f}","path":"$.${f}","datatype":"${ENVELOPE_TYPES[f]}"}`).join(',')}]'`,
  ];
  for (const eventType of EVENT_TYPES) {
    const table = kqlTableName(eventType);
    const columns = kqlColumns(eventType);
    const projections = columns.map((c) => {
      if (!c.path.startsWith('$.payload.')) return c.name;
      const field = c.path.slice('$.payload.'.length);
      return c.type === 'dynamic' ? `${c.name} = payload.${field}` : `${c.name} = ${KQL_CAST[c.type] ?? 'tostring'}(payload.${field})`;
    });
    script.push(
      `// ---- ${eventType} -> ${table}`,
      `.create-merge table ${table} (${columns.map((c) => `${c.name}: ${c.type}`).join(', ')})`,
      `.create-or-alter table ${table} ingestion json mapping '${table}_mapping' '[${columns.map((c) => `{"column":"${c.name}","path":"${c.path}","datatype":"${c.type}"}`).join(',')}]'`,
      `.create-or-alter function with (folder = 'retail-datagen', docstring = 'RetailEventsRaw rows of ${eventType}, typed') Extract${table}() { RetailEventsRaw | where event_type == '${eventType}' | project ${projections.join(', ')} }`,
      `.alter table ${table} policy update @'[{"IsEnabled": true, "Source": "RetailEventsRaw", "Query": "Extract${table}()", "IsTransactional": false}]'`,
    );
  }
  const examples = KQL_EXAMPLES.flatMap((example) => ['', `// ${example.title}`, ...example.query]);
  return [...script, '', '// ---- Example queries: put the cursor in one and Run ----', ...examples, ''].join('\n');
}
