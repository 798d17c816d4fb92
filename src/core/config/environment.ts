/**
 * Reads settings from environment variables (Azure app settings, local.settings.json "Values").
 *
 * Every field of the config schema has one variable: `RETAIL_SEED`, `RETAIL_<SECTION>_<FIELD>` (upper case),
 * e.g. `RETAIL_REALTIME_EMIT_INTERVAL_MS`, `RETAIL_STREAM_HUB`. A few well-known names are accepted too
 * (ENVIRONMENT_ALIASES) so the predecessor's `AZURE_EVENTHUB_CONNECTION_STRING` and the Functions-style
 * identity settings work unchanged.
 */
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors.js';
import { appConfigSchema, CONFIG_SECTIONS, configPatchSchema, type ConfigPatch } from './schema.js';

export type Environment = Record<string, string | undefined>;

/** The connection string variable of the predecessor; it outranks the runtime config (README "Where the Event Hubs credentials come from"). */
export const CONNECTION_STRING_VARIABLE = 'AZURE_EVENTHUB_CONNECTION_STRING';

/** Extra variable names, mapped to config paths. Checked after the canonical RETAIL_* name. */
export const ENVIRONMENT_ALIASES: Record<string, string> = {
  EVENTHUB_FULLY_QUALIFIED_NAMESPACE: 'stream.fully_qualified_namespace',
  EventHubConnection__fullyQualifiedNamespace: 'stream.fully_qualified_namespace',
  EVENTHUB_NAME: 'stream.hub',
  KEYVAULT_URL: 'realtime.keyvault_url',
};

export interface SettingVariable {
  variable: string;
  path: string;
  /** The JSON type the text is converted to. */
  kind: 'number' | 'boolean' | 'string';
}

function leafKind(schema: z.ZodType): SettingVariable['kind'] {
  let current = schema as unknown as { def: { type: string; innerType?: unknown } };
  while (current.def.innerType && ['optional', 'nullable', 'default', 'prefault'].includes(current.def.type)) {
    current = current.def.innerType as typeof current;
  }
  if (current.def.type === 'number' || current.def.type === 'int') return 'number';
  if (current.def.type === 'boolean') return 'boolean';
  return 'string';
}

/** Every variable the config reads, in schema order (documented in local.settings.example.json and the README). */
export function settingVariables(): SettingVariable[] {
  const variables: SettingVariable[] = [{ variable: 'RETAIL_SEED', path: 'seed', kind: leafKind(appConfigSchema.shape.seed) }];
  for (const section of CONFIG_SECTIONS) {
    const sectionSchema = configPatchSchema.shape[section].unwrap();
    for (const [field, fieldSchema] of Object.entries(sectionSchema.shape)) {
      variables.push({
        variable: `RETAIL_${section}_${field}`.toUpperCase(),
        path: `${section}.${field}`,
        kind: leafKind(fieldSchema as z.ZodType),
      });
    }
  }
  return variables;
}

function convert(text: string, kind: SettingVariable['kind']): unknown {
  const trimmed = text.trim();
  if (kind === 'number') return trimmed === '' ? Number.NaN : Number(trimmed);
  if (kind === 'boolean') {
    if (/^(true|1|yes)$/i.test(trimmed)) return true;
    if (/^(false|0|no)$/i.test(trimmed)) return false;
    return trimmed;
  }
  return text;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, tail] = path.split('.') as [string, string | undefined];
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const section = (target[head] ??= {}) as Record<string, unknown>;
  section[tail] = value;
}

/**
 * Builds a config patch from the environment. Empty variables are ignored. A bad value is reported with the
 * variable's name (never its value: it may be a secret).
 */
export function configPatchFromEnvironment(environment: Environment): ConfigPatch {
  const raw: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const variables = settingVariables();
  const kinds = new Map(variables.map((v) => [v.path, v.kind]));
  const consider = (variable: string, path: string) => {
    const text = environment[variable];
    if (text === undefined || text.trim() === '' || sources.has(path)) return;
    sources.set(path, variable);
    setPath(raw, path, convert(text, kinds.get(path) ?? 'string'));
  };
  for (const { variable, path } of variables) consider(variable, path);
  for (const [variable, path] of Object.entries(ENVIRONMENT_ALIASES)) consider(variable, path);

  const parsed = configPatchSchema.safeParse(raw);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return { field: sources.get(path) ?? path, reason: issue.message };
    });
    throw new ValidationError(issues);
  }
  return parsed.data as ConfigPatch;
}
