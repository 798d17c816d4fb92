/**
 * Instance-wide services, wired once from the environment (module singletons, as the Functions guidance
 * recommends for SDK clients). Function files ask for what they need here; the core never reads
 * process.env itself.
 */
import { BlobDatasetFiles, DATA_CONTAINER } from '../adapters/blob-dataset-files.js';
import { JsonEntityStore } from '../adapters/json-entity.js';
import { prefixedResourceName, storageAccount } from '../adapters/storage.js';
import { CONFIG_TABLE, TableConfigOverridesStore } from '../adapters/table-config-store.js';
import { BlobEventSink, EVENTS_CONTAINER } from '../adapters/blob-event-sink.js';
import { EventHubsSink, keyVaultSecret, producerFor } from '../adapters/eventhubs-sink.js';
import { TableDeadLetterQueue } from '../adapters/table-dead-letters.js';
import { TableOutbox } from '../adapters/table-outbox.js';
import type { Disruption } from '../core/disruptions/model.js';
import type { CircuitBreakerState } from '../core/streaming/breaker.js';
import type { AppConfig } from '../core/config/schema.js';
import { ConfigService, resolveConnection, toConfigView } from '../core/config/config-service.js';
import { readStreamState, type StreamingDeps } from '../core/streaming/control.js';
import type { EventSink, StreamState, StreamStatistics } from '../core/streaming/types.js';
import type { DrainLease } from '../core/streaming/lease.js';
import { redactSecrets } from '../core/config/secrets.js';
import { ValidationError } from '../core/errors.js';
import type { HistoricalJobDeps } from '../core/generation/historical-job.js';
import { GenerationStateStore, type GenerationState } from '../core/generation/state.js';
import type { Job } from '../core/jobs/job.js';
import { GenerationJobs, type GenerationLock } from '../core/jobs/generation-jobs.js';
import { RateLimiter, type RateLimitLog } from '../core/rate-limit.js';
import type { DatasetFiles } from '../core/storage/files.js';
import type { ConnectionProbe } from '../core/streaming/connection-test.js';

const GENERATION_TABLE = 'generation';
const STREAMING_TABLE = 'streaming';

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= create());
}

export const configService = once(
  () =>
    new ConfigService(
      new TableConfigOverridesStore(() => storageAccount().table(CONFIG_TABLE)),
      process.env,
      async () => {
        const status = (await readStreamState(streamingDeps())).status;
        return status === 'running' || status === 'paused';
      },
      keyVaultSecret,
    ),
);

export const generationJobs = once(
  () =>
    new GenerationJobs(
      new JsonEntityStore<Job>(() => storageAccount().table(GENERATION_TABLE), 'job'),
      new JsonEntityStore<GenerationLock>(() => storageAccount().table(GENERATION_TABLE), 'lock'),
    ),
);

export const generationState = once(
  () => new GenerationStateStore(new JsonEntityStore<GenerationState>(() => storageAccount().table(GENERATION_TABLE), 'state')),
);

export const rateLimiter = once(() => new RateLimiter(new JsonEntityStore<RateLimitLog>(() => storageAccount().table('ratelimits'), 'ratelimit')));

export const datasetFiles = once((): DatasetFiles => new BlobDatasetFiles(() => storageAccount().container(DATA_CONTAINER)));

/**
 * The queue that fans generation work out to instances. Its name is fixed when the function registers (the
 * storage prefix is an app setting, present at indexing time), so the trigger and the sender always agree.
 */
const GENERATION_QUEUE = 'generation-jobs';

export function generationQueueName(): string {
  return prefixedResourceName(process.env, GENERATION_QUEUE);
}

export function generationDeps(): HistoricalJobDeps {
  return { jobs: generationJobs(), state: generationState(), files: datasetFiles(), enqueue: enqueueGenerationWork };
}

/** Sends a work item to the generation queue, base64-encoded as the queue trigger expects. */
export async function enqueueGenerationWork(message: unknown): Promise<void> {
  const queue = await storageAccount().queue(GENERATION_QUEUE);
  await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'));
}

/** Supply-chain disruptions: one document each in the streaming Table, read by every instance's drain. */
export const disruptionStore = once(() => new JsonEntityStore<Disruption>(() => storageAccount().table(STREAMING_TABLE), 'disruption'));

export const streamingDeps = once((): StreamingDeps => ({
  state: new JsonEntityStore<StreamState>(() => storageAccount().table(STREAMING_TABLE), 'stream'),
  breakerState: new JsonEntityStore<CircuitBreakerState>(() => storageAccount().table(STREAMING_TABLE), 'stream'),
  deadLetters: new TableDeadLetterQueue(() => storageAccount().table('deadletters'), datasetFiles()),
  statistics: new JsonEntityStore<StreamStatistics>(() => storageAccount().table(STREAMING_TABLE), 'stream'),
  outbox: new TableOutbox(() => storageAccount().table('outbox')),
  files: datasetFiles(),
  generation: generationState(),
  disruptions: disruptionStore(),
  lease: new JsonEntityStore<DrainLease>(() => storageAccount().table(STREAMING_TABLE), 'stream'),
  enqueue: enqueueGenerationWork,
}));

/**
 * Refuses (400) a sink that cannot be resolved from the settings, before anything is started: Event Hubs asked
 * for (`stream.sink: eventhubs`) with no connection, or a Key Vault secret that cannot be read.
 */
export async function assertSinkUsable(config: AppConfig): Promise<void> {
  const problem = await sinkProblem(config);
  if (problem) throw ValidationError.single(problem.field, problem.reason);
}

/** Why the configured sink cannot be used, or null: shared by start and the health of the sink. */
export async function sinkProblem(config: AppConfig): Promise<{ field: string; reason: string } | null> {
  const connection = resolveConnection(config, process.env);
  if (connection.source === 'keyvault') {
    try {
      await keyVaultSecret(config.realtime.keyvault_url!, config.realtime.keyvault_secret_name!);
    } catch (error) {
      return {
        field: 'realtime.keyvault_url',
        reason: `the Key Vault secret ${config.realtime.keyvault_secret_name} cannot be read: ${redactSecrets(error instanceof Error ? error.message : String(error))}`,
      };
    }
  }
  return missingHubConnection(config, connection.source);
}

/** `stream.sink: eventhubs` with no Event Hubs connection: a setting to fix, not a send to retry. */
function missingHubConnection(config: AppConfig, source: string): { field: string; reason: string } | null {
  if (config.stream.sink !== 'eventhubs' || source !== 'none') return null;
  return {
    field: 'stream.sink',
    reason:
      'is eventhubs but no Event Hubs connection is configured (AZURE_EVENTHUB_CONNECTION_STRING, realtime.azure_connection_string, Key Vault or stream.fully_qualified_namespace)',
  };
}

/** How the connection test (src/core/streaming/connection-test.ts) reaches the sinks. */
export function connectionProbe(): ConnectionProbe {
  return {
    sink: eventSink,
    eventHubProperties: async (connection, config, timeoutMs) =>
      (await producerFor(connection, config)).getEventHubProperties({ abortSignal: AbortSignal.timeout(timeoutMs) }),
  };
}

/** The sink for the current configuration: Event Hubs when one is configured, else the Blob sink. */
export async function eventSink(config: AppConfig): Promise<EventSink> {
  const view = toConfigView(config, process.env);
  // The stream goes to status error with this reason (see the drain).
  const missing = missingHubConnection(config, view.connection.source);
  if (missing) throw ValidationError.single(missing.field, missing.reason);
  if (view.connection.sink === 'blob') {
    return new BlobEventSink(() => storageAccount().container(EVENTS_CONTAINER), 'local', view.connection.hub);
  }
  return new EventHubsSink(await producerFor(resolveConnection(config, process.env), config));
}
