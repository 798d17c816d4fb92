/**
 * docs/kql/retail_events.kql against the event schemas, read from the script's text (not from the code that
 * renders it): one typed table per event type with a column and a JSON mapping entry for every envelope and
 * payload field, of the type the schema implies, and nothing else; an update policy that fills each table from
 * RetailEventsRaw; example queries that only name tables and columns that exist.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENVELOPE_FIELDS, EVENT_TYPES, eventPayloadSchemas, type EventType } from '../../src/core/events/schemas.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = readFileSync(path.join(root, 'docs/kql/retail_events.kql'), 'utf8');

const ENVELOPE_KQL: Record<string, string> = {
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

const tableName = (eventType: string) =>
  eventType
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
const columnName = (field: string) => ((ENVELOPE_FIELDS as readonly string[]).includes(field) ? `payload_${field}` : field);

/** The KQL type a field's JSON Schema implies (an independent reading of the zod schema). */
function kqlTypeOf(jsonSchema: Record<string, unknown>): string {
  const variants = (jsonSchema.anyOf as Record<string, unknown>[] | undefined)?.filter((s) => s.type !== 'null');
  const schema = variants?.length === 1 ? variants[0]! : jsonSchema;
  if (schema.type === 'integer') return 'long';
  if (schema.type === 'number') return 'real';
  if (schema.type === 'boolean') return 'bool';
  if (schema.type === 'array' || schema.type === 'object') return 'dynamic';
  if (schema.type === 'string' && schema.format === 'date-time') return 'datetime';
  return 'string';
}

interface Column {
  name: string;
  type: string;
}
interface MappingEntry {
  column: string;
  path: string;
  datatype: string;
}
interface Expected {
  table: string;
  eventType: string | null;
  columns: (Column & { path: string })[];
}

function expectedTables(): Expected[] {
  const envelope = ENVELOPE_FIELDS.filter((f) => f !== 'payload').map((f) => ({ name: f, type: ENVELOPE_KQL[f]!, path: `$.${f}` }));
  const raw: Expected = {
    table: 'RetailEventsRaw',
    eventType: null,
    columns: ENVELOPE_FIELDS.map((f) => ({ name: f, type: ENVELOPE_KQL[f]!, path: `$.${f}` })),
  };
  const catchAll: Expected = { ...raw, table: 'RetailEventsUnknown' };
  return [
    raw,
    catchAll,
    ...EVENT_TYPES.map((eventType: EventType) => {
      const properties = (z.toJSONSchema(eventPayloadSchemas[eventType], { io: 'input' }) as { properties: Record<string, Record<string, unknown>> })
        .properties;
      const payload = Object.entries(properties).map(([field, schema]) => ({ name: columnName(field), type: kqlTypeOf(schema), path: `$.payload.${field}` }));
      return { table: tableName(eventType), eventType, columns: [...envelope, ...payload] };
    }),
  ];
}

function parseScript(text: string) {
  const tables = new Map<string, Column[]>();
  for (const m of text.matchAll(/^\.create-merge table (\w+) \(([^)]*)\)$/gm)) {
    tables.set(
      m[1]!,
      m[2]!.split(',').map((c) => {
        const [name, type] = c.split(':').map((s) => s.trim());
        return { name: name!, type: type! };
      }),
    );
  }
  const mappings = new Map<string, { name: string; entries: MappingEntry[] }>();
  for (const m of text.matchAll(/^\.create-or-alter table (\w+) ingestion json mapping '(\w+)' '(\[.*\])'$/gm)) {
    mappings.set(m[1]!, { name: m[2]!, entries: JSON.parse(m[3]!) as MappingEntry[] });
  }
  const functions = new Map<string, string>();
  for (const m of text.matchAll(/^\.create-or-alter function with \([^)]*\) (\w+)\(\) \{ (.*) \}$/gm)) functions.set(m[1]!, m[2]!);
  const policies = new Map<string, { IsEnabled: boolean; Source: string; Query: string }[]>();
  for (const m of text.matchAll(/^\.alter table (\w+) policy update @'(\[.*\])'$/gm)) policies.set(m[1]!, JSON.parse(m[2]!));
  return { tables, mappings, functions, policies };
}

/** Everything wrong with a script, compared with the schemas; empty when they agree both ways. */
function scriptViolations(text: string): string[] {
  const { tables, mappings, functions, policies } = parseScript(text);
  const violations: string[] = [];
  const expected = expectedTables();
  const expectedNames = new Set(expected.map((e) => e.table));
  for (const name of tables.keys()) if (!expectedNames.has(name)) violations.push(`table ${name} matches no event type`);
  for (const name of mappings.keys()) if (!expectedNames.has(name)) violations.push(`mapping for ${name} matches no event type`);
  for (const { table, eventType, columns } of expected) {
    const actual = tables.get(table);
    if (!actual) {
      violations.push(`no table ${table}`);
      continue;
    }
    const key = (c: Column) => `${c.name}: ${c.type}`;
    const want = new Set(columns.map(key));
    const have = new Set(actual.map(key));
    for (const c of want) if (!have.has(c)) violations.push(`${table} lacks column ${c}`);
    for (const c of have) if (!want.has(c)) violations.push(`${table} has column ${c}, which no field gives`);
    if (actual.length !== have.size) violations.push(`${table} repeats a column`);

    const mapping = mappings.get(table);
    if (!mapping) violations.push(`no JSON mapping for ${table}`);
    else {
      if (mapping.name !== `${table}_mapping`) violations.push(`${table}'s mapping is called ${mapping.name}`);
      const wantEntries = new Set(columns.map((c) => `${c.name} <- ${c.path} (${c.type})`));
      const haveEntries = new Set(mapping.entries.map((e) => `${e.column} <- ${e.path} (${e.datatype})`));
      for (const e of wantEntries) if (!haveEntries.has(e)) violations.push(`${table} mapping lacks ${e}`);
      for (const e of haveEntries) if (!wantEntries.has(e)) violations.push(`${table} mapping has ${e}, which no field gives`);
    }

    if (eventType) {
      const query = functions.get(`Extract${table}`);
      const policy = policies.get(table);
      if (!query || !policy) violations.push(`${table} is not filled from RetailEventsRaw (function or update policy missing)`);
      else {
        if (!query.startsWith(`RetailEventsRaw | where event_type == '${eventType}' | project `))
          violations.push(`Extract${table} does not select ${eventType} from RetailEventsRaw`);
        const projected = query
          .slice(query.indexOf('| project ') + '| project '.length)
          .split(', ')
          .map((p) => p.split(' = ')[0]!.trim());
        if (projected.join(',') !== actual.map((c) => c.name).join(','))
          violations.push(`Extract${table} projects ${projected.join(',')}, not the table's columns in order`);
        if (policy.length !== 1 || !policy[0]!.IsEnabled || policy[0]!.Source !== 'RetailEventsRaw' || policy[0]!.Query !== `Extract${table}()`) {
          violations.push(`${table}'s update policy does not run Extract${table}() on RetailEventsRaw`);
        }
      }
    }
  }
  // The setup commands form one block: a KQL queryset runs the block under the cursor, up to a blank line.
  const setup = text.slice(text.indexOf('.execute database script'));
  const firstBlank = setup.indexOf('\n\n');
  if (!text.includes('\n.execute database script with (ContinueOnErrors = false) <|\n')) violations.push('no .execute database script block');
  else if (/^\.(create|alter)/m.test(setup.slice(firstBlank))) violations.push('a setup command lies outside the .execute database script block');
  return violations;
}

/** Example queries (after the setup block): tables they read exist, snake_case names are columns or their own aliases. */
function exampleViolations(text: string): string[] {
  const { tables } = parseScript(text);
  const violations: string[] = [];
  const examples = text
    .slice(text.indexOf('.execute database script'))
    .split('\n\n')
    .slice(1)
    .map((block) =>
      block
        .split('\n')
        .filter((l) => !l.startsWith('//'))
        .join('\n'),
    )
    .filter(Boolean);
  if (examples.length < 5) violations.push(`only ${examples.length} example queries`);
  for (const query of examples) {
    const used = [...query.matchAll(/\b([A-Z][a-z]+(?:[A-Z][a-z]+)+)\b/g)].map((m) => m[1]!);
    const known = used.filter((t) => tables.has(t));
    for (const t of used) if (!tables.has(t)) violations.push(`example reads unknown table ${t}`);
    if (known.length === 0) violations.push(`example reads no table: ${query.slice(0, 60)}`);
    const columns = new Set(known.flatMap((t) => tables.get(t)!.map((c) => c.name)));
    const aliases = new Set([...query.matchAll(/\b([a-z_]+)\s*=[^=]/g)].map((m) => m[1]!));
    for (const m of query.matchAll(/\b([a-z]+(?:_[a-z]+)+)\b(?!\s*\()/g)) {
      // snake_case names that are not function calls
      if (!columns.has(m[1]!) && !aliases.has(m[1]!)) violations.push(`example uses ${m[1]}, a column of none of ${known.join(', ')}`);
    }
  }
  return violations;
}

describe('KQL script for Fabric Real-Time Intelligence (docs/kql/retail_events.kql)', () => {
  it('has a typed table, a JSON mapping and an update policy for every event type and field, and nothing else', () => {
    expect(scriptViolations(script)).toEqual([]);
    expect(parseScript(script).tables.size).toBe(EVENT_TYPES.length + 2);
  });

  it('notices a missing column, a missing mapping entry, a wrong type, an extra table and a stray command', () => {
    const without = (pattern: RegExp, replacement: string) => {
      const changed = script.replace(pattern, replacement);
      expect(changed).not.toBe(script);
      return scriptViolations(changed);
    };
    expect(without(/, tracking_number: string/, '')).toEqual([
      'OnlineOrderShipped lacks column tracking_number: string',
      expect.stringMatching(/^ExtractOnlineOrderShipped projects .*, not the table's columns in order$/),
    ]);
    expect(without(/,\{"column":"rssi","path":"\$\.payload\.rssi","datatype":"long"\}/, '')).toEqual([
      'BlePingDetected mapping lacks rssi <- $.payload.rssi (long)',
    ]);
    expect(without(/detection_time: datetime\)/, 'detection_time: string)')).toEqual(
      expect.arrayContaining([
        'StockoutDetected lacks column detection_time: datetime',
        'StockoutDetected has column detection_time: string, which no field gives',
      ]),
    );
    expect(without(/^\/\/ ---- receipt_created -> ReceiptCreated$/m, '.create-merge table ReturnsProcessed (event_id: string)')).toEqual([
      'table ReturnsProcessed matches no event type',
    ]);
    expect(without(/^(\/\/ ---- Example queries)/m, '.alter table ReceiptCreated policy retention softdelete = 30d\n\n$1')).toEqual([
      'a setup command lies outside the .execute database script block',
    ]);
    expect(without(/"Query": "ExtractAdImpression\(\)"/, '"Query": "ExtractPromotionApplied()"')).toEqual([
      "AdImpression's update policy does not run ExtractAdImpression() on RetailEventsRaw",
    ]);
  });

  it('notices a field the schemas have and the script lacks (the other direction)', () => {
    const renamed = script.replaceAll('customer_ble_id', 'shopper_ble_id');
    expect(scriptViolations(renamed)).toEqual(expect.arrayContaining(['BlePingDetected lacks column customer_ble_id: string']));
  });

  it('ends with example queries over real tables and columns', () => {
    expect(exampleViolations(script)).toEqual([]);
    for (const needed of ['ReceiptCreated', 'ReceiptLineAdded', 'StockoutDetected', 'CustomerEntered', 'BlePingDetected', 'AdImpression']) {
      expect(script.slice(script.indexOf('// ---- Example queries'))).toContain(needed);
    }
    expect(exampleViolations(script.replace('sum(extended_price)', 'sum(line_total)'))).toEqual([
      'example uses line_total, a column of none of ReceiptLineAdded, ReceiptLineAdded',
    ]);
    expect(exampleViolations(script.replace('\nAdImpression\n', '\nAdImpressions\n'))).toEqual(
      expect.arrayContaining(['example reads unknown table AdImpressions']),
    );
  });
});
