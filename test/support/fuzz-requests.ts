/**
 * fast-check arbitraries of bad requests for every operation of an OpenAPI document: malformed JSON, JSON of
 * the wrong shape, fields of the wrong type or out of range (derived from each operation's own schema), huge
 * strings, oversize bodies, unknown fields, odd path and query parameters.
 *
 * Requests that change state are only ever sent with a part that is *certainly* invalid (see
 * ./json-schema-check.ts), so the fuzzer never runs a destructive request that happens to be valid; such
 * requests are flagged `mustReject` and the test demands a 4xx for them.
 */
import fc from 'fast-check';
import { certainlyInvalid, queryValueCertainlyInvalid, resolveSchema, type JsonSchema, type SchemaDocument } from './json-schema-check.js';

export interface OpenApiDocument extends SchemaDocument {
  paths: Record<string, Record<string, RawOperation>>;
}

interface RawParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

interface RawOperation {
  operationId: string;
  parameters?: RawParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  pathParams: RawParameter[];
  queryParams: RawParameter[];
  bodySchema?: JsonSchema;
}

export interface FuzzRequest {
  method: string;
  /** Path with the parameters already encoded (or deliberately not). */
  path: string;
  query: [string, string][];
  body?: string;
  contentType?: string;
  /** Which generator made it, for the statistics. */
  kind: string;
  /** The request certainly violates the documented schema (or sends a body where none is taken): a 4xx is due. */
  mustReject: boolean;
}

/** The app refuses bodies over this many bytes with 413 (src/functions/http/route.ts). */
export const BODY_LIMIT_BYTES = 64 * 1024;

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const parameters = raw.parameters ?? [];
      const bodySchema = raw.requestBody?.content?.['application/json']?.schema;
      operations.push({
        id: raw.operationId,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        ...(bodySchema ? { bodySchema } : {}),
      });
    }
  }
  return operations;
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Text that is not JSON at all (and not blank, which the app reads as "no body"). */
const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '[',
    '{"',
    '{"a":',
    '{"a" 1}',
    "{'a': 1}",
    '{"a":1,}',
    '[1,]',
    'NaN',
    'Infinity',
    'undefined',
    '{}x',
    '[]]',
    '\u0000',
    '<xml/>',
    '{"realtime": {',
    'nul',
    'tru',
    '--',
    '0x10',
    '01',
    '.5',
    '+1',
    '"unterminated',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && !isJson(s)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && !isJson(s)),
);

/** JSON that is not an object: arrays, null, numbers, strings, booleans. */
const nonObjectJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, '', 'x', [], [{}], [null], 'null', '{}'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 30 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
);

const NASTY_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x10',
  ' 5 ',
  '١٢',
  '1_000',
  '5px',
  'true',
  'null',
  '[]',
  '{}',
  '%00',
  '\u0000',
  '\uFEFF1',
  '😀',
  '../../etc/passwd',
  "'; DROP TABLE x; --",
  '<script>alert(1)</script>',
  '${7*7}',
];

const hugeString = (min: number, max: number) => fc.integer({ min, max }).map((n) => 'A'.repeat(n));

/** Values that are certainly invalid for the given schema: wrong types, out of range, too long, not in the enum. */
export function invalidValue(schemaOrRef: JsonSchema, document: SchemaDocument): fc.Arbitrary<unknown> | undefined {
  const schema = resolveSchema(schemaOrRef, document);
  const candidates: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(
      null,
      true,
      false,
      [],
      {},
      [1],
      { a: 1 },
      -1,
      0,
      0.5,
      -0.5,
      1.5,
      1e308,
      -1e308,
      2 ** 53,
      -(2 ** 53),
      2 ** 31,
      4_294_967_296,
      ...NASTY_STRINGS,
    ),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    hugeString(1_000, 20_000),
    fc.string({ maxLength: 12 }).map((s) => `not_a_${s}`),
  ];
  const bounds = [schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum].filter((b): b is number => typeof b === 'number');
  for (const bound of bounds) candidates.push(fc.constantFrom(bound - 1, bound + 1, bound - 0.5, bound + 0.5, bound * 10, -bound - 1));
  if (typeof schema.maxLength === 'number') candidates.push(hugeString(schema.maxLength + 1, schema.maxLength + 2_000));
  if (schema.type === 'array' && schema.items) {
    const badItem = invalidValue(schema.items as JsonSchema, document);
    if (badItem) candidates.push(fc.array(badItem, { minLength: 1, maxLength: 3 }));
  }
  if (schema.type === 'object')
    candidates.push(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 3 }));
  const arbitrary = fc.oneof(...candidates);
  // A schema that accepts anything has no invalid values: tell the caller rather than filter forever.
  const probe = fc.sample(arbitrary, { numRuns: 200, seed: 1 });
  if (!probe.some((value) => certainlyInvalid(schema, value, document))) return undefined;
  return arbitrary.filter((value) => certainlyInvalid(schema, value, document));
}

/** Valid values for simple schemas (numbers in range, booleans, enums, plain strings); undefined otherwise. */
export function validValue(schemaOrRef: JsonSchema, document: SchemaDocument): fc.Arbitrary<unknown> | undefined {
  const schema = resolveSchema(schemaOrRef, document);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000_000;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
  if (type === 'integer') return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  if (type === 'number' && schema.exclusiveMinimum === undefined) return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  if (type === 'boolean') return fc.boolean();
  if (type === 'string' && !schema.pattern && !schema.format) {
    return fc.string({ minLength: (schema.minLength as number | undefined) ?? 0, maxLength: Math.min((schema.maxLength as number | undefined) ?? 30, 30) });
  }
  return undefined;
}

/** An object of the schema's shape with exactly one field (possibly nested) certainly wrong, the rest valid. */
function objectWithOneBadField(schemaOrRef: JsonSchema, document: SchemaDocument, depth = 0): fc.Arbitrary<Record<string, unknown>> | undefined {
  const schema = resolveSchema(schemaOrRef, document);
  const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>);
  if (properties.length === 0) return undefined;
  const badFields: fc.Arbitrary<[string, unknown]>[] = [];
  for (const [name, field] of properties) {
    const bad = invalidValue(field, document);
    if (bad) badFields.push(bad.map((value) => [name, value] as [string, unknown]));
    // One level down too: `{"realtime": {"burst": -5, ...}}`.
    const nested = depth < 2 ? objectWithOneBadField(field, document, depth + 1) : undefined;
    if (nested) badFields.push(nested.map((value) => [name, value] as [string, unknown]));
  }
  if (badFields.length === 0) return undefined;
  const goodFields = properties
    .map(([name, field]) => [name, validValue(field, document)] as const)
    .filter((entry): entry is readonly [string, fc.Arbitrary<unknown>] => entry[1] !== undefined);
  const goodRecord = fc.record(Object.fromEntries(goodFields), { requiredKeys: [] });
  return fc.tuple(fc.oneof(...badFields), goodRecord).map(([[name, value], good]) => ({ ...good, [name]: value }));
}

/** Unknown fields, mixed into otherwise plausible objects. */
const unknownFields = fc.dictionary(
  fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknown_setting', 'Burst', 'EMIT_INTERVAL_MS', ''),
    fc.string({ minLength: 1, maxLength: 12 }),
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { minKeys: 1, maxKeys: 4 },
);

/** Bodies over the app's limit: huge JSON strings, huge arrays, huge garbage. */
const oversizeBody: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: BODY_LIMIT_BYTES + 1, max: BODY_LIMIT_BYTES * 2 }).map((n) => JSON.stringify({ realtime: { azure_connection_string: 'x'.repeat(n) } })),
  fc.integer({ min: 9_000, max: 20_000 }).map((n) => JSON.stringify(new Array<number>(n).fill(1_234_567))),
  fc.integer({ min: BODY_LIMIT_BYTES + 1, max: BODY_LIMIT_BYTES + 5_000 }).map((n) => '{'.repeat(n)),
);

export interface BodyChoice {
  body: string;
  kind: string;
}

/** A body certainly rejected by an operation that takes the given schema (or no body at all). */
export function badBody(operation: Operation, document: SchemaDocument): fc.Arbitrary<BodyChoice> {
  const schema = operation.bodySchema;
  const choices: fc.Arbitrary<BodyChoice>[] = [
    malformedJson.map((body) => ({ body, kind: 'malformed-json' })),
    oversizeBody.map((body) => ({ body, kind: 'oversize' })),
  ];
  const jsonChoice = (arbitrary: fc.Arbitrary<unknown>, kind: string) =>
    arbitrary
      // Without a body schema any non-empty body is refused; `{}` alone counts as "no body" (see route.ts).
      .filter((value) => (schema ? certainlyInvalid(schema, value, document) : JSON.stringify(value) !== '{}'))
      .map((value) => ({ body: JSON.stringify(value), kind }));
  choices.push(jsonChoice(nonObjectJson, 'wrong-json-type'));
  choices.push(jsonChoice(unknownFields, 'unknown-fields'));
  if (schema) {
    const oneBad = objectWithOneBadField(schema, document);
    if (oneBad) choices.push(jsonChoice(oneBad, 'bad-field'), jsonChoice(oneBad, 'bad-field'));
    const plausible = objectWithOneBadField(schema, document);
    if (plausible)
      choices.push(
        jsonChoice(
          fc.tuple(plausible, unknownFields).map(([a, b]) => ({ ...b, ...a })),
          'bad-field+unknown',
        ),
      );
  }
  // Bad fields are the most telling, so they weigh more when the operation has a schema to derive them from.
  return fc.oneof(...choices);
}

/** Path segments: odd ids, traversal attempts, control characters, unicode, malformed percent-encoding. */
const pathValue: fc.Arbitrary<{ segment: string; value?: string }> = fc.oneof(
  fc
    .oneof(
      fc.constantFrom(
        '..',
        '../..',
        '../../etc/passwd',
        'a/b',
        'a\\b',
        "a'b",
        'a#b',
        'a?b',
        'a%b',
        '\u0000',
        '\t',
        ' ',
        '😀',
        'ＡＢＣ',
        'CON',
        'null',
        '-1',
        '0',
        'dim_stores/../../x',
        '.',
        '~',
        '*',
        'x'.repeat(101),
        'x'.repeat(1_000),
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
      fc.string({ minLength: 1, maxLength: 120 }),
    )
    .map((value) => ({ segment: encodeURIComponent(value), value })),
  // Not encoded on purpose: broken escapes must be refused, not crash the host.
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', '%ED%A0%80', '%FF', 'a%2', '%%').map((segment) => ({ segment })),
);

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}

const queryJunkValue = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS, '-1', '0', '1.5', '1001', '9'.repeat(400)),
  fc.string({ maxLength: 20 }),
  hugeString(500, 4_000),
);

/** Query parameters: a certainly-invalid value for a documented one, and unknown ones (which are ignored). */
function badQuery(operation: Operation, document: SchemaDocument): fc.Arbitrary<{ query: [string, string][]; invalid: boolean }> {
  const known = new Set(operation.queryParams.map((p) => p.name));
  const unknown = fc.array(
    fc.tuple(
      fc
        .oneof(fc.constantFrom('foo', 'limit ', 'LIMIT', 'page[]', '__proto__', '', '😀'), fc.string({ maxLength: 10 }))
        .filter((k) => !known.has(k) && k !== 'code'),
      queryJunkValue,
    ),
    { maxLength: 3 },
  );
  const documented = operation.queryParams.map((param) =>
    queryJunkValue.filter((text) => queryValueCertainlyInvalid(param.schema, text, document)).map((text) => [param.name, text] as [string, string]),
  );
  const invalid = documented.length > 0 ? fc.option(fc.oneof(...documented), { nil: undefined, freq: 3 }) : fc.constant(undefined);
  return fc.tuple(invalid, unknown).map(([bad, extra]) => ({ query: bad ? [bad, ...extra] : extra, invalid: bad !== undefined }));
}

/** Path parameters: odd values; `invalid` when one certainly breaks its schema. */
function badPath(operation: Operation, document: SchemaDocument): fc.Arbitrary<{ path: string; invalid: boolean }> {
  if (operation.pathParams.length === 0) return fc.constant({ path: operation.path, invalid: false });
  return fc.tuple(...operation.pathParams.map(() => pathValue)).map((values) => {
    const filled: Record<string, string> = {};
    let invalid = false;
    operation.pathParams.forEach((param, i) => {
      filled[param.name] = values[i]!.segment;
      const decoded = values[i]!.value;
      if (decoded !== undefined && certainlyInvalid(param.schema, decoded, document)) invalid = true;
    });
    return { path: fillPath(operation.path, filled), invalid };
  });
}

const contentTypes = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
);

/**
 * Bad requests for one operation. GETs are safe to send with any parameters; every other method always
 * carries a body that is certainly refused, so nothing is ever changed by a request that happened to be valid.
 */
export function badRequest(operation: Operation, document: SchemaDocument): fc.Arbitrary<FuzzRequest> {
  const path = badPath(operation, document);
  const query = badQuery(operation, document);
  if (operation.method === 'GET') {
    return fc.tuple(path, query).map(([p, q]) => ({
      method: 'GET',
      path: p.path,
      query: q.query,
      kind: q.invalid ? 'bad-query' : p.invalid ? 'bad-path' : operation.pathParams.length > 0 ? 'odd-path' : 'unknown-query',
      mustReject: p.invalid || q.invalid,
    }));
  }
  return fc.tuple(path, query, badBody(operation, document), contentTypes).map(([p, q, b, contentType]) => ({
    method: operation.method,
    path: p.path,
    query: q.query,
    body: b.body,
    ...(contentType ? { contentType } : {}),
    kind: b.kind,
    mustReject: true,
  }));
}

/** Methods a path does not serve: the host must answer 405 (or 404) with a detail. */
export function wrongMethods(document: OpenApiDocument): { method: string; path: string }[] {
  const result: { method: string; path: string }[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    // The dashboard's catch-all GET matches every path; other methods on it are covered by the API paths.
    if (path.includes('{path}')) continue;
    const served = new Set(Object.keys(methods).map((m) => m.toUpperCase()));
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      if (!served.has(method)) result.push({ method, path: fillPath(path, { operation_id: 'no-such-job', table: 'dim_stores', file: 'docs.js' }) });
    }
  }
  return result;
}

export { resolveSchema };
