/**
 * The event schemas and the Fabric KQL script agree both ways: every event type has a table with a column
 * and a JSON mapping for every envelope and payload field, and the script has nothing we do not emit.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kqlPayloadColumn, kqlTableName, renderKql } from '../../src/core/events/kql.js';
import { ENVELOPE_FIELDS, EVENT_TYPES, eventPayloadSchemas, parseEvent } from '../../src/core/events/schemas.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = readFileSync(path.join(root, 'docs/kql/retail_events.kql'), 'utf8');

function parseScript(text: string) {
  const tables = new Map<string, string[]>();
  for (const match of text.matchAll(/^\.create-merge table (\w+) \(([^)]*)\)/gm)) {
    tables.set(
      match[1]!,
      match[2]!.split(',').map((c) => c.trim().split(':')[0]!.trim()),
    );
  }
  const mappings = new Map<string, { column: string; path: string }[]>();
  for (const match of text.matchAll(/^\.create-or-alter table (\w+) ingestion json mapping '\w+' '(\[.*\])'$/gm)) {
    mappings.set(match[1]!, JSON.parse(match[2]!) as { column: string; path: string }[]);
  }
  return { tables, mappings };
}

describe('KQL script for Fabric RTI', () => {
  const { tables, mappings } = parseScript(script);

  it('is the rendering of the current schemas (regenerate with npm run kql)', () => {
    expect(script).toBe(renderKql());
  });

  it('has a table and a mapping for every field of every event type, and nothing else', () => {
    const expectedTables = new Set(['RetailEventsRaw', 'RetailEventsUnknown', ...EVENT_TYPES.map(kqlTableName)]);
    expect(new Set(tables.keys())).toEqual(expectedTables);
    expect(new Set(mappings.keys())).toEqual(expectedTables);
    for (const eventType of EVENT_TYPES) {
      const table = kqlTableName(eventType);
      const payloadFields = Object.keys(eventPayloadSchemas[eventType].shape);
      const expectedColumns = [...ENVELOPE_FIELDS.filter((f) => f !== 'payload'), ...payloadFields.map(kqlPayloadColumn)].sort();
      expect([...tables.get(table)!].sort(), table).toEqual(expectedColumns);
      const mapping = mappings.get(table)!;
      expect(mapping.map((m) => m.column).sort(), table).toEqual(expectedColumns);
      for (const field of payloadFields) expect(mapping.find((m) => m.column === kqlPayloadColumn(field))!.path).toBe(`$.payload.${field}`);
      expect(script).toContain(`where event_type == '${eventType}'`);
    }
    expect([...tables.get('RetailEventsRaw')!].sort()).toEqual([...ENVELOPE_FIELDS].sort());
    expect([...tables.get('RetailEventsUnknown')!].sort()).toEqual([...ENVELOPE_FIELDS].sort());
    // The catch-all takes exactly the types without a table of their own.
    const unknown = /ExtractRetailEventsUnknown\(\) \{ RetailEventsRaw \| where event_type !in \(([^)]*)\) \}/.exec(script);
    expect(
      unknown?.[1]
        ?.split(', ')
        .map((t) => t.replaceAll("'", ''))
        .sort(),
    ).toEqual([...EVENT_TYPES].sort());
  });
});

describe('KQL dashboards', () => {
  it('creates the views and functions the dashboards read, over tables and columns that exist', () => {
    const { tables } = parseScript(script);
    const views = [...script.matchAll(/^\.create-or-alter materialized-view with \([^)]*\) (\w+) on table (\w+) \{ (.*) \}$/gm)].map((m) => ({
      name: m[1]!,
      source: m[2]!,
      query: m[3]!,
    }));
    expect(views.map((v) => v.name).sort()).toEqual(['ProductSales15m', 'SalesPerStorePerMinute', 'TenderMixPerHour']);
    for (const view of views) {
      expect(tables.has(view.source), view.name).toBe(true);
      expect(view.query.startsWith(`${view.source} |`), view.name).toBe(true);
      // Every snake_case name a view groups or sums by is a column of its table or an alias it defines.
      const aliases = new Set([...view.query.matchAll(/\b([a-z_]+) = /g)].map((m) => m[1]!));
      for (const m of view.query.matchAll(/\b([a-z]+(?:_[a-z]+)+)\b(?!\s*\()/g))
        expect(tables.get(view.source)!.includes(m[1]!) || aliases.has(m[1]!), `${view.name}: ${m[1]}`).toBe(true);
    }
    for (const name of ['TopProductsLast15Minutes', 'OpenStockoutsPerStore', 'ZoneDwell', 'TruckDwell', 'CampaignFunnel']) {
      expect(script, name).toMatch(new RegExp(`^\\.create-or-alter function with \\([^)]*\\) ${name}\\(\\) \\{ .* \\}$`, 'm'));
    }
  });
});

describe('event schemas', () => {
  it('accept a well-formed envelope and reject unknown payload fields', () => {
    const event = {
      event_id: 'evt-1',
      event_type: 'ble_ping_detected',
      payload: { store_id: 3, beacon_id: 'BEACON_003_ENTRANCE', customer_ble_id: 'BLE00000A', rssi: -60, zone: 'ENTRANCE' },
      trace_id: 'TRC1',
      ingest_timestamp: '2024-11-29T10:00:00.000Z',
      schema_version: '1.0',
      source: 'retail-datagen',
      session_id: 'VIS202411290003000001',
      correlation_id: 'VIS202411290003000001',
      parent_event_id: null,
      partition_key: 'store-3',
    };
    expect(parseEvent(event).event_type).toBe('ble_ping_detected');
    expect(() => parseEvent({ ...event, payload: { ...event.payload, extra: 1 } })).toThrow();
    expect(() => parseEvent({ ...event, event_type: 'nope' })).toThrow();
    expect(() => parseEvent({ ...event, schema_version: '2.0' })).toThrow();
  });

  it('cover every event type of the event contract', () => {
    expect(EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'receipt_created',
        'receipt_line_added',
        'payment_processed',
        'inventory_updated',
        'stockout_detected',
        'reorder_triggered',
        'customer_entered',
        'customer_zone_changed',
        'ble_ping_detected',
        'truck_arrived',
        'truck_departed',
        'store_opened',
        'store_closed',
        'ad_impression',
        'promotion_applied',
        'online_order_created',
        'online_order_picked',
        'online_order_shipped',
      ]),
    );
  });
});
