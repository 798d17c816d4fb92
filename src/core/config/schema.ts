/**
 * The one schema for every setting the app reads. Defaults live here; environment variables / app settings
 * (see ./environment.ts) and runtime overrides persisted in a Table (PUT /api/stream/config) layer on top.
 *
 * Field names follow the predecessor's config.json (realtime.*, stream.hub, ...) so its operators' guides apply.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { volumeConfigSchema } from './volume.js';

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD')
  .refine(
    (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'not a real calendar date',
  );

export const historicalConfigSchema = z
  .object({
    start_date: isoDate.optional().describe('First day of history on the first run (YYYY-MM-DD). Unset: the last `initial_days` days up to yesterday.'),
    initial_days: z.number().int().min(1).max(3660).default(7).describe('Days generated on a first run without a start date.'),
    max_span_days: z.number().int().min(1).max(3660).default(366).describe('Largest date range one historical job may cover.'),
  })
  .strict();

export const realtimeConfigSchema = z
  .object({
    emit_interval_ms: z.number().int().min(10).max(3_600_000).default(500).describe('Time between event bursts, in milliseconds.'),
    burst: z.number().int().min(1).max(100_000).default(100).describe('Events sent per burst.'),
    max_batch_size: z.number().int().min(1).max(10_000).default(256).describe('Most events in one Event Hubs batch.'),
    batch_timeout_ms: z.number().int().min(1).max(600_000).default(1000).describe('Longest wait to fill a batch before sending it.'),
    retry_attempts: z.number().int().min(0).max(20).default(3).describe('Retries of a failed send before the events are dead-lettered.'),
    backoff_multiplier: z.number().min(1).max(10).default(2).describe('Exponential backoff multiplier between retries.'),
    circuit_breaker_enabled: z.boolean().default(true).describe('Stop sending after repeated failures, then probe.'),
    failure_threshold: z.number().int().min(1).max(1000).default(5).describe('Consecutive failures that open the circuit breaker.'),
    timeout_seconds: z.number().int().min(1).max(3600).default(60).describe('Seconds the breaker stays open before half-opening.'),
    half_open_max_calls: z.number().int().min(1).max(100).default(3).describe('Probe sends allowed while half-open.'),
    monitoring_interval: z.number().int().min(1).max(3600).default(30).describe('Seconds between statistics snapshots.'),
    max_buffer_size: z.number().int().min(1).max(10_000_000).default(10_000).describe('Most events held in the outbox or dead-letter queue.'),
    enable_dead_letter_queue: z.boolean().default(true).describe('Keep events that could not be sent for inspection and retry.'),
    azure_connection_string: z.string().max(4096).optional().describe('Event Hubs or Fabric Eventstream connection string (secret; returned masked).'),
    use_keyvault: z.boolean().default(false).describe('Read the connection string from Azure Key Vault.'),
    keyvault_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Key Vault URL, e.g. https://my-vault.vault.azure.net/.'),
    keyvault_secret_name: z
      .string()
      .regex(/^[0-9a-zA-Z-]{1,127}$/, 'Key Vault secret names are 1-127 letters, digits and dashes')
      .optional()
      .describe('Name of the Key Vault secret holding the connection string.'),
  })
  .strict();

export const streamConfigSchema = z
  .object({
    hub: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/, 'an Event Hub name is letters, digits, ".", "_" and "-"')
      .default('retail-events')
      .describe('Event Hub name, unless the connection string has an EntityPath.'),
    fully_qualified_namespace: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'expected a host name such as my-ns.servicebus.windows.net')
      .optional()
      .describe('Event Hubs namespace host for managed identity (no secret), e.g. my-ns.servicebus.windows.net.'),
    sink: z.enum(['auto', 'eventhubs', 'blob']).default('auto').describe('Where events go: auto = Event Hubs when one is configured, else the Blob sink.'),
  })
  .strict();

export const appConfigSchema = z
  .object({
    seed: z.number().int().min(0).max(4_294_967_295).default(42).describe('Seed for every random stream: same seed, same data.'),
    volume: volumeConfigSchema.prefault({}),
    historical: historicalConfigSchema.prefault({}),
    realtime: realtimeConfigSchema.prefault({}),
    stream: streamConfigSchema.prefault({}),
  })
  .strict();

export type AppConfig = z.infer<typeof appConfigSchema>;
export type ConfigSection = Exclude<keyof AppConfig, 'seed'>;
export const CONFIG_SECTIONS = ['volume', 'historical', 'realtime', 'stream'] as const satisfies readonly ConfigSection[];

/** Fields that hold secrets: never returned or logged whole. */
export const SECRET_FIELDS = [['realtime', 'azure_connection_string']] as const;

type AnyZod = z.ZodType;

/** Removes a `.default()`/`.prefault()` wrapper so a partial update does not fill in defaults. */
function withoutDefault(schema: AnyZod): AnyZod {
  const def = (schema as unknown as { def: { type: string; innerType?: AnyZod } }).def;
  if ((def.type === 'default' || def.type === 'prefault') && def.innerType) return withoutDefault(def.innerType);
  return schema;
}

function partialSection<T extends z.ZodRawShape>(section: z.ZodObject<T>) {
  const shape: Record<string, AnyZod> = {};
  for (const [key, field] of Object.entries(section.shape)) {
    const inner = withoutDefault(field as AnyZod);
    // Optional settings can be cleared with null.
    const isOptional = (inner as unknown as { def: { type: string } }).def.type === 'optional';
    shape[key] = isOptional ? inner.nullable() : inner.optional();
  }
  return z.object(shape).strict();
}

/**
 * A partial update (PUT /api/stream/config): any subset of fields, no defaults filled in, unknown fields
 * rejected, `null` clears an optional setting.
 */
export const configPatchSchema = z
  .object({
    seed: withoutDefault(appConfigSchema.shape.seed).optional(),
    volume: partialSection(volumeConfigSchema).optional(),
    historical: partialSection(historicalConfigSchema).optional(),
    realtime: partialSection(realtimeConfigSchema).optional(),
    stream: partialSection(streamConfigSchema).optional(),
  })
  .strict();

/**
 * The update as the operators' guides send it: realtime settings may also come at the top level
 * (`{"burst": 50}`), and the hub as `hub`, beside the nested form. Same validation, documented in the OpenAPI.
 */
export const configUpdateSchema = configPatchSchema
  .extend({ ...partialSection(realtimeConfigSchema).shape, hub: partialSection(streamConfigSchema).shape.hub })
  .strict();

const FLAT_REALTIME_FIELDS = new Set(Object.keys(realtimeConfigSchema.shape));

/**
 * Moves top-level realtime fields (and `hub`) into their sections. A field given both ways is refused, so
 * nothing is silently chosen over something else; anything else is left for the schema to judge.
 */
export function nestFlatFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const result: Record<string, unknown> = {};
  const moved: Record<'realtime' | 'stream', Record<string, unknown>> = { realtime: {}, stream: {} };
  for (const [key, value] of Object.entries(body)) {
    if (FLAT_REALTIME_FIELDS.has(key)) moved.realtime[key] = value;
    else if (key === 'hub') moved.stream.hub = value;
    else result[key] = value;
  }
  for (const section of ['realtime', 'stream'] as const) {
    if (Object.keys(moved[section]).length === 0) continue;
    const nested = result[section];
    if (nested !== undefined && (typeof nested !== 'object' || nested === null || Array.isArray(nested))) return body; // the schema says why
    const both = Object.keys(moved[section]).filter((key) => nested && key in nested);
    if (both.length > 0) throw ValidationError.single(both[0]!, `given both as "${both[0]}" and as "${section}.${both[0]}"; send one`);
    result[section] = { ...(nested as Record<string, unknown> | undefined), ...moved[section] };
  }
  return result;
}

export type ConfigPatch = {
  seed?: number;
} & { [S in ConfigSection]?: { [K in keyof AppConfig[S]]?: AppConfig[S][K] | null } };

export function defaultConfig(): AppConfig {
  return appConfigSchema.parse({});
}

/** Applies a patch on top of a config; `null` removes an optional field. Does not validate. */
export function applyPatch(base: AppConfig, patch: ConfigPatch): Record<string, unknown> {
  const result: Record<string, unknown> = structuredClone(base) as unknown as Record<string, unknown>;
  if (patch.seed !== undefined) result.seed = patch.seed;
  for (const section of CONFIG_SECTIONS) {
    const changes = patch[section];
    if (!changes) continue;
    const target = result[section] as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete target[key];
      else if (value !== undefined) target[key] = value;
    }
  }
  return result;
}

/** Merges two patches: later wins field by field. */
export function mergePatches(first: ConfigPatch, second: ConfigPatch): ConfigPatch {
  const merged: Record<string, unknown> = { ...first };
  if (second.seed !== undefined) merged.seed = second.seed;
  for (const section of CONFIG_SECTIONS) {
    if (first[section] || second[section]) merged[section] = { ...first[section], ...second[section] };
  }
  return merged as ConfigPatch;
}
