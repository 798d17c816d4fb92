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
    query: ['ReceiptCreated', '| summarize arg_max(ingest_timestamp, *) by event_id', '| summarize receipts = count(), sales = sum(total) by store_id'],
  },
];

/** Where events of a type this script does not know land (a newer producer, a typo): nothing is lost. */
export const KQL_CATCH_ALL_TABLE = 'RetailEventsUnknown';

/**
 * Materialized views and stored functions for the dashboards, over the typed tables. Views aggregate one
 * table (what a materialized view can do); functions join tables (dwell times, open stockouts, the funnel).
 */
export const KQL_VIEWS: { name: string; source: string; doc: string; query: string }[] = [
  {
    name: 'SalesPerStorePerMinute',
    source: 'ReceiptCreated',
    doc: 'Sales in integer cents and receipts per store and minute',
    query:
      "ReceiptCreated | where receipt_type == 'SALE' | summarize sales_cents = sum(total_cents), receipts = count(), items = sum(item_count) by store_id, minute = bin(ingest_timestamp, 1m)",
  },
  {
    name: 'TenderMixPerHour',
    source: 'PaymentProcessed',
    doc: 'Payments per tender and status per hour, declines included',
    query: 'PaymentProcessed | summarize payments = count(), amount_cents = sum(amount_cents) by payment_method, status, hour = bin(ingest_timestamp, 1h)',
  },
  {
    name: 'ProductSales15m',
    source: 'ReceiptLineAdded',
    doc: 'Units and revenue per product per 15 minutes, for top products',
    query:
      'ReceiptLineAdded | where quantity > 0 | summarize units = sum(quantity), revenue = sum(unit_price * quantity) by product_id, window = bin(ingest_timestamp, 15m)',
  },
];

export const KQL_FUNCTIONS: { name: string; doc: string; query: string }[] = [
  {
    name: 'TopProductsLast15Minutes',
    doc: 'The 20 best-selling products in the newest 15 simulated minutes',
    query: 'let newest = toscalar(ProductSales15m | summarize max(window)); ProductSales15m | where window == newest | top 20 by revenue',
  },
  {
    name: 'OpenStockoutsPerStore',
    doc: 'Store products whose last stockout has not been followed by stock arriving',
    query:
      'let restocked = InventoryUpdated | where isnotnull(store_id) and quantity_delta > 0 | summarize restocked_at = max(ingest_timestamp) by store_id, product_id; StockoutDetected | where isnotnull(store_id) | summarize detected_at = max(detection_time) by store_id, product_id | join kind=leftouter restocked on store_id, product_id | where isnull(restocked_at) or restocked_at < detected_at | summarize open_stockouts = count(), products = make_set(product_id, 50) by store_id',
  },
  {
    name: 'ZoneDwell',
    doc: 'Seconds shoppers spend per zone and store: first to last ping of a visit in the zone',
    query:
      "BlePingDetected | summarize first_seen = min(ingest_timestamp), last_seen = max(ingest_timestamp) by store_id, zone, session_id | extend dwell_seconds = datetime_diff('second', last_seen, first_seen) | summarize visits = count(), avg_dwell_seconds = avg(dwell_seconds), p90_dwell_seconds = percentile(dwell_seconds, 90) by store_id, zone",
  },
  {
    name: 'TruckDwell',
    doc: 'Minutes each truck stood at the store: arrival to departure after unloading',
    query:
      "TruckArrived | join kind=inner (TruckDeparted | where actual_unload_duration > 0) on shipment_id | project shipment_id, truck_id, dc_id, store_id, arrival_time, departure_time, dwell_minutes = datetime_diff('minute', departure_time, arrival_time), estimated_unload_duration, actual_unload_duration",
  },
  {
    name: 'CampaignFunnel',
    doc: 'Per campaign and channel: impressions, customers reached, visits and orders credited to them, revenue',
    query:
      "let credited = union (ReceiptCreated | where receipt_type == 'SALE' | project impression_id, total_cents, kind = 'visit'), (OnlineOrderCreated | where status != 'CANCELLED' | project impression_id, total_cents, kind = 'order') | where isnotempty(impression_id); AdImpression | join kind=leftouter credited on impression_id | summarize impressions = dcount(impression_id), reached = dcount(customer_id), visits = countif(kind == 'visit'), orders = countif(kind == 'order'), revenue_cents = sum(total_cents), spend = sum(cost) by campaign_id, channel | extend conversion = round(todouble(visits + orders) / impressions, 4)",
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
    "//  2. One Eventstream destination per event type (filter event_type == '<type>'), straight into its typed",
    '//     table with the JSON mapping <Table>_mapping. Then leave RetailEventsRaw empty (or drop the policies).',
    '//',
    '// A payload field named like an envelope field gets a payload_ prefix (InventoryUpdated.payload_source).',
    `// Events of a type without a table of their own land in ${KQL_CATCH_ALL_TABLE}. The links session_id, correlation_id and`,
    '// parent_event_id join a visit, a journey (impression -> visit or order) and an event to the one it follows from.',
    '// Dashboards: materialized views SalesPerStorePerMinute, TenderMixPerHour, ProductSales15m; functions',
    '// TopProductsLast15Minutes(), OpenStockoutsPerStore(), ZoneDwell(), TruckDwell(), CampaignFunnel().',
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
  const rawColumns = ENVELOPE_FIELDS.map((f) => `${f}: ${ENVELOPE_TYPES[f]}`).join(', ');
  script.push(
    `// ---- events of any other type -> ${KQL_CATCH_ALL_TABLE}`,
    `.create-merge table ${KQL_CATCH_ALL_TABLE} (${rawColumns})`,
    `.create-or-alter table ${KQL_CATCH_ALL_TABLE} ingestion json mapping '${KQL_CATCH_ALL_TABLE}_mapping' '[${ENVELOPE_FIELDS.map((f) => `{"column":"${f}","path":"$.${f}","datatype":"${ENVELOPE_TYPES[f]}"}`).join(',')}]'`,
    `.create-or-alter function with (folder = 'retail-datagen', docstring = 'RetailEventsRaw rows of types without a table of their own') Extract${KQL_CATCH_ALL_TABLE}() { RetailEventsRaw | where event_type !in (${EVENT_TYPES.map((t) => `'${t}'`).join(', ')}) }`,
    `.alter table ${KQL_CATCH_ALL_TABLE} policy update @'[{"IsEnabled": true, "Source": "RetailEventsRaw", "Query": "Extract${KQL_CATCH_ALL_TABLE}()", "IsTransactional": false}]'`,
    '// ---- dashboards: materialized views over one table, functions over several',
    ...KQL_VIEWS.map(
      (v) => `.create-or-alter materialized-view with (folder = 'retail-datagen', docString = '${v.doc}') ${v.name} on table ${v.source} { ${v.query} }`,
    ),
    ...KQL_FUNCTIONS.map((f) => `.create-or-alter function with (folder = 'retail-datagen', docstring = '${f.doc}') ${f.name}() { ${f.query} }`),
  );
  const examples = KQL_EXAMPLES.flatMap((example) => ['', `// ${example.title}`, ...example.query]);
  return [...script, '', '// ---- Example queries: put the cursor in one and Run ----', ...examples, ''].join('\n');
}
