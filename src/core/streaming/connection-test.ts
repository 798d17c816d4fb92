/**
 * POST /api/stream/test: tries the configured sink without sending an event. The Blob sink is reached with an
 * empty send; Event Hubs is asked for its properties (name, partitions), which needs a working connection and
 * credentials. Failures are answers (success: false, with the reason, secrets redacted), not errors.
 */
import type { AppConfig } from '../config/schema.js';
import { INVALID_CONNECTION_STRING, parseEventHubsConnectionString, redactSecrets } from '../config/secrets.js';
import { resolveConnection, toConfigView, type ResolvedConnection } from '../config/config-service.js';
import type { Environment } from '../config/environment.js';
import { ValidationError } from '../errors.js';
import type { EventSink } from './types.js';

/** How the test reaches the sinks (wired to the adapters in src/app/services.ts). */
export interface ConnectionProbe {
  sink(config: AppConfig): Promise<EventSink>;
  eventHubProperties(connection: ResolvedConnection, config: AppConfig, timeoutMs: number): Promise<{ name: string; partitionIds: string[] }>;
}

export interface ConnectionTestResult {
  success: boolean;
  message: string;
  response_time_ms: number;
  details: Record<string, unknown>;
}

const PROPERTIES_TIMEOUT_MS = 10_000;

/** What went wrong, in words: an AggregateError (a connect refused on every address) has an empty message. */
function failureText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const causes =
    error instanceof AggregateError ? error.errors.map((cause: unknown) => (cause instanceof Error ? cause.message : String(cause))).filter(Boolean) : [];
  return causes.length > 0 ? [...new Set(causes)].join('; ') : error.name;
}

export async function testConnection(
  probe: ConnectionProbe,
  config: AppConfig,
  environment: Environment,
  clock: () => number = () => performance.now(),
): Promise<ConnectionTestResult> {
  const started = clock();
  const view = toConfigView(config, environment);
  const elapsed = () => Math.round((clock() - started) * 10) / 10;
  try {
    if (view.connection.sink === 'blob') {
      await (await probe.sink(config)).send([]);
      return {
        success: true,
        message: 'Connection test successful (Blob sink)',
        response_time_ms: elapsed(),
        details: { sink: 'blob', hub: view.connection.hub },
      };
    }
    const connection = resolveConnection(config, environment);
    if (connection.connectionString) parseEventHubsConnectionString(connection.connectionString);
    const properties = await probe.eventHubProperties(connection, config, PROPERTIES_TIMEOUT_MS);
    return {
      success: true,
      message: 'Connection test successful',
      response_time_ms: elapsed(),
      details: { sink: 'eventhubs', source: connection.source, hub: properties.name, partition_count: properties.partitionIds.length },
    };
  } catch (error) {
    const invalid = error instanceof ValidationError;
    return {
      success: false,
      message: invalid ? `Connection test failed: ${INVALID_CONNECTION_STRING}` : `Connection test failed: ${redactSecrets(failureText(error))}`,
      response_time_ms: elapsed(),
      details: { exception_type: invalid ? 'ValueError' : error instanceof Error ? error.name : 'Error' },
    };
  }
}
