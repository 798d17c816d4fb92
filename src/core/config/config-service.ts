/**
 * The effective configuration: schema defaults <- environment <- runtime overrides (a Table entity shared by
 * every instance). Host-free: storage comes in through `ConfigOverridesStore`.
 */
import { ConcurrentUpdateError, ConflictError, ServiceUnavailableError, ValidationError, validationErrorFromZod } from '../errors.js';
import { CONNECTION_STRING_VARIABLE, configPatchFromEnvironment, type Environment } from './environment.js';
import { appConfigSchema, applyPatch, configPatchSchema, defaultConfig, mergePatches, nestFlatFields, type AppConfig, type ConfigPatch } from './schema.js';
import { maskConnectionString, parseEventHubsConnectionString } from './secrets.js';

export interface StoredOverrides {
  patch: ConfigPatch;
  /** Opaque version for optimistic concurrency (a Table ETag). Undefined when nothing is stored yet. */
  etag?: string;
}

export interface ConfigOverridesStore {
  read(): Promise<StoredOverrides>;
  /** Writes the patch if the stored version still equals `etag`; throws `ConcurrentUpdateError` otherwise. */
  write(patch: ConfigPatch, etag: string | undefined): Promise<void>;
}

/** Where the Event Hubs credentials come from, in the order README "Where the Event Hubs credentials come from" gives. */
export type ConnectionSource = 'environment' | 'runtime_config' | 'keyvault' | 'managed_identity' | 'none';

export interface ResolvedConnection {
  source: ConnectionSource;
  /** The secret itself; only the streaming adapter reads it. */
  connectionString?: string;
  fullyQualifiedNamespace?: string;
  hub: string;
}

/**
 * Where the stream's credentials come from, in resolution order. `keyVaultSecret` is the secret read from Key
 * Vault when that is the source (the caller reads it; the core does no I/O), so its EntityPath can name the hub.
 */
export function resolveConnection(config: AppConfig, environment: Environment, keyVaultSecret?: string): ResolvedConnection {
  const fromEnvironment = environment[CONNECTION_STRING_VARIABLE]?.trim();
  const hubFrom = (connectionString: string): string => {
    try {
      return parseEventHubsConnectionString(connectionString).entityPath ?? config.stream.hub;
    } catch {
      return config.stream.hub;
    }
  };
  if (fromEnvironment) return { source: 'environment', connectionString: fromEnvironment, hub: hubFrom(fromEnvironment) };
  const fromConfig = config.realtime.azure_connection_string;
  if (fromConfig) return { source: 'runtime_config', connectionString: fromConfig, hub: hubFrom(fromConfig) };
  if (usesKeyVault(config)) {
    return keyVaultSecret
      ? { source: 'keyvault', connectionString: keyVaultSecret, hub: hubFrom(keyVaultSecret) }
      : { source: 'keyvault', hub: config.stream.hub };
  }
  if (config.stream.fully_qualified_namespace) {
    return { source: 'managed_identity', fullyQualifiedNamespace: config.stream.fully_qualified_namespace, hub: config.stream.hub };
  }
  return { source: 'none', hub: config.stream.hub };
}

export function usesKeyVault(config: AppConfig): config is AppConfig & { realtime: { keyvault_url: string; keyvault_secret_name: string } } {
  return Boolean(config.realtime.use_keyvault && config.realtime.keyvault_url && config.realtime.keyvault_secret_name);
}

/** The config as returned by GET /api/stream/config: secrets masked, plus where the connection comes from. */
export interface ConfigView extends Omit<AppConfig, 'realtime'> {
  realtime: Omit<AppConfig['realtime'], 'azure_connection_string'> & { azure_connection_string: string | null };
  connection: {
    source: ConnectionSource;
    connection_string: string | null;
    fully_qualified_namespace: string | null;
    hub: string;
    sink: 'eventhubs' | 'blob';
  };
}

/**
 * The effective settings as the stream uses them: `realtime.azure_connection_string` is the connection string in
 * use (masked) whichever source it comes from, and `stream.hub` the hub events go to (a connection string's
 * EntityPath wins over the setting), so the operators' checks of those two fields see what is really used.
 */
export function toConfigView(config: AppConfig, environment: Environment, keyVaultSecret?: string): ConfigView {
  const connection = resolveConnection(config, environment, keyVaultSecret);
  let namespace = connection.fullyQualifiedNamespace ?? null;
  if (connection.connectionString) {
    try {
      namespace = parseEventHubsConnectionString(connection.connectionString).fullyQualifiedNamespace;
    } catch {
      namespace = null;
    }
  }
  const sink = config.stream.sink === 'blob' || (config.stream.sink === 'auto' && connection.source === 'none') ? 'blob' : 'eventhubs';
  return {
    ...config,
    realtime: { ...config.realtime, azure_connection_string: maskConnectionString(connection.connectionString) },
    stream: { ...config.stream, hub: connection.hub },
    connection: {
      source: connection.source,
      connection_string: maskConnectionString(connection.connectionString),
      fully_qualified_namespace: namespace,
      hub: connection.hub,
      sink,
    },
  };
}

/**
 * Settings that define what is being streamed and where it goes: changing them mid-stream would mix data sets
 * or sinks, so they are refused (409) while a stream runs. Pacing, retry, breaker and DLQ settings apply live.
 */
export const LIVE_LOCKED_FIELDS = [
  'seed',
  'volume',
  'historical',
  'realtime.azure_connection_string',
  'realtime.use_keyvault',
  'realtime.keyvault_url',
  'realtime.keyvault_secret_name',
  'stream.hub',
  'stream.fully_qualified_namespace',
  'stream.sink',
] as const;

export function liveLockedFields(patch: ConfigPatch): string[] {
  const touched: string[] = [];
  if (patch.seed !== undefined) touched.push('seed');
  for (const section of ['volume', 'historical'] as const) {
    for (const key of Object.keys(patch[section] ?? {})) touched.push(`${section}.${key}`);
  }
  for (const section of ['realtime', 'stream'] as const) {
    for (const key of Object.keys(patch[section] ?? {})) {
      const field = `${section}.${key}`;
      if ((LIVE_LOCKED_FIELDS as readonly string[]).includes(field)) touched.push(field);
    }
  }
  return touched;
}

export class ConfigService {
  constructor(
    private readonly store: ConfigOverridesStore,
    private readonly environment: Environment,
    /** Whether a stream is running or paused; some settings cannot change under it. */
    private readonly isStreaming: () => Promise<boolean> = async () => false,
    /** Reads a Key Vault secret (the adapter caches it); absent, a Key Vault connection is shown unresolved. */
    private readonly readKeyVaultSecret?: (url: string, name: string) => Promise<string>,
  ) {}

  /** The environment layer; a bad app setting makes the service unavailable, naming the variable. */
  private environmentPatch(): ConfigPatch {
    try {
      return configPatchFromEnvironment(this.environment);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ServiceUnavailableError(`Invalid app setting ${error.message}`);
      }
      throw error;
    }
  }

  private compose(overrides: ConfigPatch): AppConfig {
    const merged = applyPatch(defaultConfig(), mergePatches(this.environmentPatch(), overrides));
    const parsed = appConfigSchema.safeParse(merged);
    if (!parsed.success) {
      throw new ServiceUnavailableError(`Stored configuration is invalid: ${validationErrorFromZod(parsed.error).message}`);
    }
    return parsed.data;
  }

  async get(): Promise<AppConfig> {
    const { patch } = await this.store.read();
    return this.compose(patch);
  }

  async view(): Promise<ConfigView> {
    const config = await this.get();
    return toConfigView(config, this.environment, await this.keyVaultSecret(config));
  }

  /** The Key Vault secret when Key Vault is the source and can be read; undefined otherwise (health says why). */
  async keyVaultSecret(config: AppConfig): Promise<string | undefined> {
    if (!this.readKeyVaultSecret || !usesKeyVault(config) || resolveConnection(config, this.environment).source !== 'keyvault') return undefined;
    try {
      return await this.readKeyVaultSecret(config.realtime.keyvault_url, config.realtime.keyvault_secret_name);
    } catch {
      return undefined;
    }
  }

  /**
   * Validates a partial update against the whole schema and persists it. Nothing is stored unless the
   * result is valid. Writes are optimistic (ETag) so two instances updating at once both land.
   */
  async update(body: unknown): Promise<AppConfig> {
    const parsed = configPatchSchema.safeParse(nestFlatFields(body));
    if (!parsed.success) throw validationErrorFromZod(parsed.error);
    const patch = parsed.data as ConfigPatch;
    const frozen = liveLockedFields(patch);
    if (frozen.length > 0 && (await this.isStreaming())) {
      throw new ConflictError(
        `${frozen.join(', ')}: cannot change while streaming; stop the stream first (pacing, retry and breaker settings can change live)`,
      );
    }
    const connectionString = patch.realtime?.azure_connection_string;
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.read();
      const currentConfig = this.compose(current.patch);
      if (typeof connectionString === 'string') {
        // A client that echoes back the masked value it was given means "unchanged", not "set it to ***".
        const echoed = [currentConfig.realtime.azure_connection_string, resolveConnection(currentConfig, this.environment).connectionString].map(
          maskConnectionString,
        );
        if (echoed.includes(connectionString)) {
          delete patch.realtime!.azure_connection_string;
        } else {
          parseEventHubsConnectionString(connectionString);
        }
      }
      const nextOverrides = mergePatches(current.patch, patch);
      const nextConfig = appConfigSchema.safeParse(applyPatch(currentConfig, patch));
      if (!nextConfig.success) throw validationErrorFromZod(nextConfig.error);
      try {
        await this.store.write(nextOverrides, current.etag);
        return nextConfig.data;
      } catch (error) {
        if (error instanceof ConcurrentUpdateError && attempt < 4) continue;
        throw error;
      }
    }
  }
}
