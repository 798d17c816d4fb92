/**
 * A deliberately partial JSON Schema checker for the fuzz tests. It answers one question: is this value
 * *certainly* rejected by the schema? Keywords it does not understand (formats, refinements that are not in the
 * document) never make a value invalid, so a "yes" is trustworthy and the fuzzer can demand a 4xx for it.
 */

export type JsonSchema = Record<string, unknown>;

export interface SchemaDocument {
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, unknown> };
}

export function resolveSchema(schema: JsonSchema, document: SchemaDocument): JsonSchema {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth++) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(current.$ref);
    const target = match ? document.components?.schemas?.[match[1]!] : undefined;
    if (!target) throw new Error(`Unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

function jsonTypeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** True when the value is certainly invalid against the schema (as far as the understood keywords go). */
export function certainlyInvalid(schemaOrRef: JsonSchema, value: unknown, document: SchemaDocument): boolean {
  const schema = resolveSchema(schemaOrRef, document);
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  // oneOf is treated like anyOf: "valid against two branches" is not something our schemas rely on.
  if (anyOf && anyOf.every((branch) => certainlyInvalid(branch, value, document))) return true;
  const allOf = schema.allOf as JsonSchema[] | undefined;
  if (allOf?.some((branch) => certainlyInvalid(branch, value, document))) return true;

  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types && !types.some((type) => jsonTypeMatches(type, value))) return true;
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => Object.is(allowed, value) || allowed === value)) return true;
  if ('const' in schema && schema.const !== value) return true;

  if (typeof value === 'number') {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
    if (num(minimum) !== undefined && value < num(minimum)!) return true;
    if (num(maximum) !== undefined && value > num(maximum)!) return true;
    if (num(exclusiveMinimum) !== undefined && value <= num(exclusiveMinimum)!) return true;
    if (num(exclusiveMaximum) !== undefined && value >= num(exclusiveMaximum)!) return true;
  }
  if (typeof value === 'string') {
    // zod counts UTF-16 units, JSON Schema counts code points: only a value out of range by both is certain.
    const lengths = [value.length, [...value].length];
    if (num(schema.minLength) !== undefined && lengths.every((l) => l < num(schema.minLength)!)) return true;
    if (num(schema.maxLength) !== undefined && lengths.every((l) => l > num(schema.maxLength)!)) return true;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) return true;
  }
  if (Array.isArray(value)) {
    if (num(schema.minItems) !== undefined && value.length < num(schema.minItems)!) return true;
    if (num(schema.maxItems) !== undefined && value.length > num(schema.maxItems)!) return true;
    const items = schema.items as JsonSchema | undefined;
    if (items && value.some((item) => certainlyInvalid(items, item, document))) return true;
  }
  if (jsonTypeMatches('object', value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) return true;
    for (const [name, field] of Object.entries(object)) {
      const fieldSchema = properties[name];
      if (fieldSchema) {
        if (certainlyInvalid(fieldSchema, field, document)) return true;
      } else if (schema.additionalProperties === false) {
        return true;
      }
    }
  }
  return false;
}

/**
 * A query parameter arrives as text and the app coerces numbers (`z.coerce.number()`, i.e. `Number(text)`), so
 * a numeric parameter is checked on the coerced value.
 */
export function queryValueCertainlyInvalid(schema: JsonSchema, text: string, document: SchemaDocument): boolean {
  const resolved = resolveSchema(schema, document);
  const types = resolved.type === undefined ? [] : Array.isArray(resolved.type) ? (resolved.type as string[]) : [resolved.type as string];
  if (types.includes('integer') || types.includes('number')) return certainlyInvalid(resolved, Number(text), document);
  return certainlyInvalid(resolved, text, document);
}
