import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configPatchFromEnvironment, settingVariables } from '../../src/core/config/environment.js';
import { configPatchSchema, defaultConfig } from '../../src/core/config/schema.js';
import { maskConnectionString, parseEventHubsConnectionString, redactSecrets } from '../../src/core/config/secrets.js';
import { ConfigService, type ConfigOverridesStore, type StoredOverrides } from '../../src/core/config/config-service.js';
import type { ConfigPatch } from '../../src/core/config/schema.js';
import { ConcurrentUpdateError, ServiceUnavailableError, ValidationError } from '../../src/core/errors.js';
import { APP_VERSION } from '../../src/core/version.js';
import { updateStreamConfig } from '../../src/core/streaming/config-update.js';
import { STREAM_STATE_KEY, type StreamingDeps } from '../../src/core/streaming/control.js';
import { dueEvents, newPace, nextBurstAt, repace } from '../../src/core/streaming/pacer.js';
import { stoppedState, type StreamState } from '../../src/core/streaming/types.js';
import { MemoryDocuments } from '../support/memory-documents.js';

const KEY = 'c2VjcmV0LWtleS12YWx1ZQ==';
const CONNECTION = `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY};EntityPath=hub1`;

/** An in-memory store with the same ETag contract as the Table store (the Table store itself is covered end to end). */
class MemoryStore implements ConfigOverridesStore {
  version = 0;
  patch: ConfigPatch = {};
  conflictsToSimulate = 0;
  async read(): Promise<StoredOverrides> {
    return { patch: structuredClone(this.patch), ...(this.version ? { etag: String(this.version) } : {}) };
  }
  async write(patch: ConfigPatch, etag: string | undefined): Promise<void> {
    if (this.conflictsToSimulate > 0) {
      this.conflictsToSimulate--;
      this.version++;
      throw new ConcurrentUpdateError('changed');
    }
    if ((etag ?? '0') !== String(this.version)) throw new ConcurrentUpdateError('changed');
    this.patch = structuredClone(patch);
    this.version++;
  }
}

describe('secrets', () => {
  it('masks the key of a connection string and keeps the rest readable', () => {
    expect(maskConnectionString(CONNECTION)).toBe('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=***;EntityPath=hub1');
    expect(maskConnectionString('garbage without pairs')).toBe('***');
    expect(maskConnectionString(undefined)).toBeNull();
    expect(maskConnectionString('AccountName=a;AccountKey=abc==')).toBe('AccountName=a;AccountKey=***');
  });

  it('redacts secrets inside free text', () => {
    const text = redactSecrets(`failed for ${CONNECTION} at https://x/y?sig=abcdef&se=1 with Bearer eyJhbGciOi.abc.def`);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('abcdef');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).toContain('SharedAccessKeyName=send');
  });

  it('validates Event Hubs connection strings', () => {
    expect(parseEventHubsConnectionString(CONNECTION)).toMatchObject({
      fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      entityPath: 'hub1',
      useDevelopmentEmulator: false,
    });
    expect(
      parseEventHubsConnectionString('Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true').useDevelopmentEmulator,
    ).toBe(true);
    for (const bad of ['nonsense', 'Endpoint=sb://ns/;SharedAccessKeyName=k', 'Endpoint=http://ns/;SharedAccessKeyName=k;SharedAccessKey=v']) {
      expect(() => parseEventHubsConnectionString(bad)).toThrow(/Invalid connection string format/);
    }
    // What it returns and what it refuses with never carry the key.
    expect(JSON.stringify(parseEventHubsConnectionString(CONNECTION))).not.toContain(KEY);
    for (const bad of ['Endpoint=http://ns/;SharedAccessKeyName=k;SharedAccessKey=SECRET-ONLY-HERE', 'SharedAccessKey=SECRET-ONLY-HERE;EntityPath=hub']) {
      let refusal: unknown;
      try {
        parseEventHubsConnectionString(bad);
      } catch (error) {
        refusal = error;
      }
      expect(refusal, bad).toBeInstanceOf(ValidationError);
      const { message, issues } = refusal as ValidationError;
      expect(issues.map((issue) => issue.field)).toEqual(['realtime.azure_connection_string']);
      expect(JSON.stringify({ message, issues })).not.toContain('SECRET-ONLY-HERE');
    }
  });
});

describe('environment', () => {
  it('reads typed values from RETAIL_* variables and the predecessor aliases', () => {
    const patch = configPatchFromEnvironment({
      RETAIL_SEED: '7',
      RETAIL_REALTIME_BURST: ' 50 ',
      RETAIL_REALTIME_CIRCUIT_BREAKER_ENABLED: 'false',
      RETAIL_STREAM_HUB: '123',
      EVENTHUB_FULLY_QUALIFIED_NAMESPACE: 'my-ns.servicebus.windows.net',
      RETAIL_VOLUME_STORES: '',
    });
    expect(patch).toEqual({
      seed: 7,
      realtime: { burst: 50, circuit_breaker_enabled: false },
      stream: { hub: '123', fully_qualified_namespace: 'my-ns.servicebus.windows.net' },
    });
  });

  it('names the variable, not its value, when a setting is bad', () => {
    expect(() => configPatchFromEnvironment({ RETAIL_REALTIME_BURST: 'lots' })).toThrow(/RETAIL_REALTIME_BURST/);
    expect(() => configPatchFromEnvironment({ RETAIL_REALTIME_BURST: 'lots' })).toThrow(ValidationError);
  });

  it('documents every variable, with its default, in local.settings.example.json', () => {
    const example = JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> };
    const defaults = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
    for (const { variable, path } of settingVariables()) {
      expect(example.Values, variable).toHaveProperty(variable);
      const [section, field] = path.split('.') as [string, string | undefined];
      const value = field ? defaults[section]![field] : defaults[section];
      expect(example.Values[variable], variable).toBe(value === undefined || value === null ? '' : String(value));
    }
    expect(example.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(configPatchFromEnvironment(example.Values)).toBeDefined();
  });
});

describe('ConfigService', () => {
  it('layers defaults, environment and runtime overrides, the overrides last', async () => {
    const store = new MemoryStore();
    const service = new ConfigService(store, { RETAIL_REALTIME_BURST: '50', RETAIL_REALTIME_EMIT_INTERVAL_MS: '900' });
    await service.update({ realtime: { burst: 75 } });
    const config = await service.get();
    expect(config.realtime.burst).toBe(75);
    expect(config.realtime.emit_interval_ms).toBe(900);
    expect(config.realtime.max_batch_size).toBe(defaultConfig().realtime.max_batch_size);
  });

  it('leaves the stored overrides untouched when any field of an update is bad', async () => {
    const store = new MemoryStore();
    const service = new ConfigService(store, {});
    await service.update({ realtime: { burst: 10 } });
    const before = structuredClone(store.patch);
    await expect(service.update({ realtime: { burst: 20, retry_attempts: -1 } })).rejects.toThrow(/realtime.retry_attempts/);
    await expect(service.update({ historical: { start_date: '2024-02-30' } })).rejects.toThrow(/historical.start_date/);
    await expect(service.update({ nonsense: true })).rejects.toThrow(/nonsense: unknown field/);
    expect(store.patch).toEqual(before);
  });

  it('retries on a concurrent write instead of losing either update', async () => {
    const store = new MemoryStore();
    const service = new ConfigService(store, {});
    store.conflictsToSimulate = 2;
    await service.update({ realtime: { burst: 33 } });
    expect((await service.get()).realtime.burst).toBe(33);
  });

  it('gives the environment connection string precedence and never shows a key', async () => {
    const service = new ConfigService(new MemoryStore(), { AZURE_EVENTHUB_CONNECTION_STRING: CONNECTION });
    await service.update({ realtime: { azure_connection_string: CONNECTION.replace('hub1', 'other') } });
    const view = await service.view();
    expect(view.connection).toMatchObject({ source: 'environment', hub: 'hub1', sink: 'eventhubs' });
    expect(JSON.stringify(view)).not.toContain(KEY);
  });

  it('reports a bad app setting as unavailable, naming the variable', async () => {
    const service = new ConfigService(new MemoryStore(), { RETAIL_REALTIME_BURST: '-3' });
    await expect(service.get()).rejects.toThrow(ServiceUnavailableError);
    await expect(service.get()).rejects.toThrow(/RETAIL_REALTIME_BURST/);
  });

  it('resolves managed identity and Key Vault sources without a secret', async () => {
    const identity = new ConfigService(new MemoryStore(), { EVENTHUB_FULLY_QUALIFIED_NAMESPACE: 'ns.servicebus.windows.net', EVENTHUB_NAME: 'events' });
    expect((await identity.view()).connection).toMatchObject({
      source: 'managed_identity',
      hub: 'events',
      fully_qualified_namespace: 'ns.servicebus.windows.net',
      connection_string: null,
    });
    const vault = new ConfigService(new MemoryStore(), {});
    await vault.update({ realtime: { use_keyvault: true, keyvault_url: 'https://v.vault.azure.net/', keyvault_secret_name: 'eh-conn' } });
    expect((await vault.view()).connection.source).toBe('keyvault');
  });

  it('refuses to change what is streamed or where while a stream runs, but lets pacing change live', async () => {
    const started = Date.parse('2026-03-04T10:00:00Z');
    const streamState = new MemoryDocuments<StreamState>();
    await streamState.write(
      STREAM_STATE_KEY,
      { ...stoppedState(), status: 'running', operation_id: 'op', emit_interval_ms: 500, burst: 100, pace: newPace(500, 100, started) },
      undefined,
    );
    const deps = { state: streamState } as unknown as StreamingDeps; // the config update touches nothing else
    const store = new MemoryStore();
    const service = new ConfigService(store, {}, async () => (await streamState.read(STREAM_STATE_KEY))!.value.status === 'running');
    await expect(updateStreamConfig(service, deps, { stream: { hub: 'other' } })).rejects.toThrow(/stream.hub: cannot change while streaming/);
    await expect(updateStreamConfig(service, deps, { volume: { stores: 3 } })).rejects.toThrow(/volume.stores/);
    await updateStreamConfig(service, deps, { realtime: { burst: 7, emit_interval_ms: 250 } });
    expect((await service.get()).realtime).toMatchObject({ burst: 7, emit_interval_ms: 250 });
    // The running stream has the new pacing, and the drain's schedule (repaced from the stream state, as the
    // drain does on every refresh) releases 7 events every 250 ms from the next burst on.
    const state = (await streamState.read(STREAM_STATE_KEY))!.value;
    expect(state).toMatchObject({ status: 'running', emit_interval_ms: 250, burst: 7 });
    const now = started + 1_200;
    const pace = repace(state.pace!, state.emit_interval_ms, state.burst, now);
    const firstNew = nextBurstAt(pace, now)!;
    expect(dueEvents(pace, firstNew + 250) - dueEvents(pace, firstNew)).toBe(7);
    expect(dueEvents(pace, firstNew + 1_000) - dueEvents(pace, firstNew)).toBe(4 * 7);
    // A flat key (as the guides send it) is a pacing change too.
    await updateStreamConfig(service, deps, { burst: 9 });
    expect((await streamState.read(STREAM_STATE_KEY))!.value).toMatchObject({ emit_interval_ms: 250, burst: 9 });
  });

  it("accepts the guides' flat realtime keys (and hub) as the nested form, and refuses a field given both ways", async () => {
    const store = new MemoryStore();
    const service = new ConfigService(store, {});
    await service.update({ burst: 50 });
    await service.update({ emit_interval_ms: 1000, hub: 'flat-hub' });
    expect(store.patch).toEqual({ realtime: { burst: 50, emit_interval_ms: 1000 }, stream: { hub: 'flat-hub' } });
    await expect(service.update({ burst: 5, realtime: { burst: 6 } })).rejects.toThrow(/burst: given both/);
    await expect(service.update({ burst: 0 })).rejects.toThrow(/realtime.burst/);
    await expect(service.update({ bursts: 5 })).rejects.toThrow(/bursts/);
    expect(store.patch).toEqual({ realtime: { burst: 50, emit_interval_ms: 1000 }, stream: { hub: 'flat-hub' } });
  });

  it('shows the connection string in use (masked) and the hub events go to, whatever the source', async () => {
    const fromEnvironment = await new ConfigService(new MemoryStore(), { AZURE_EVENTHUB_CONNECTION_STRING: CONNECTION }).view();
    expect(fromEnvironment.realtime.azure_connection_string).toBe(maskConnectionString(CONNECTION));
    expect(fromEnvironment.stream.hub).toBe('hub1');
    const vaultSecret = CONNECTION.replace('hub1', 'vault-hub');
    const vault = new ConfigService(
      new MemoryStore(),
      {},
      async () => false,
      async (url, name) => {
        expect([url, name]).toEqual(['https://v.vault.azure.net/', 'eh-conn']);
        return vaultSecret;
      },
    );
    await vault.update({ realtime: { use_keyvault: true, keyvault_url: 'https://v.vault.azure.net/', keyvault_secret_name: 'eh-conn' } });
    const view = await vault.view();
    expect(view.realtime.azure_connection_string).toBe(
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=***;EntityPath=vault-hub',
    );
    expect(view.stream.hub).toBe('vault-hub');
    expect(JSON.stringify(view)).not.toContain(KEY);
    const unreachable = new ConfigService(
      new MemoryStore(),
      {},
      async () => false,
      async () => Promise.reject(new Error('vault down')),
    );
    await unreachable.update({ realtime: { use_keyvault: true, keyvault_url: 'https://v.vault.azure.net/', keyvault_secret_name: 'eh-conn' } });
    expect((await unreachable.view()).realtime.azure_connection_string).toBeNull();
    // The environment's masked string echoed back is "unchanged", not a new connection string with *** as its key.
    const echo = new ConfigService(new MemoryStore(), { AZURE_EVENTHUB_CONNECTION_STRING: CONNECTION });
    await echo.update({ realtime: { azure_connection_string: fromEnvironment.realtime.azure_connection_string } });
    expect((await echo.get()).realtime.azure_connection_string).toBeUndefined();
  });

  it('the patch schema accepts any subset and applies no defaults', () => {
    expect(configPatchSchema.parse({ realtime: { burst: 5 } })).toEqual({ realtime: { burst: 5 } });
    expect(configPatchSchema.parse({})).toEqual({});
  });
});

describe('version', () => {
  it('matches package.json', () => {
    expect(APP_VERSION).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });
});
