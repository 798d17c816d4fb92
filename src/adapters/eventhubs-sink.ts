/**
 * Event Hubs (and Fabric Eventstream custom endpoints, and the Event Hubs emulator): one producer client per
 * instance, explicit retry options (the SDK default is 3 retries 30 s apart), batches per partition key
 * filled with tryAdd up to the 1 MB limit. Credentials in SPEC.md's order: connection string, Key Vault
 * secret, managed identity.
 */
import { EventHubProducerClient, type EventData } from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AppConfig } from '../core/config/schema.js';
import type { ResolvedConnection } from '../core/config/service.js';
import type { EventSink, OutboxEvent, SendResult } from '../core/streaming/types.js';

export class MessageTooLargeError extends Error {
  readonly code = 'MessageTooLargeError';
}

let producer: { key: string; client: EventHubProducerClient } | undefined;
const keyVaultCache = new Map<string, { value: string; expires: number }>();
const KEY_VAULT_TTL_MS = 5 * 60_000;

async function keyVaultSecret(url: string, name: string): Promise<string> {
  const cacheKey = `${url}|${name}`;
  const cached = keyVaultCache.get(cacheKey);
  if (cached && cached.expires > Date.now()) return cached.value;
  const secret = await new SecretClient(url, new DefaultAzureCredential()).getSecret(name);
  if (!secret.value) throw new Error(`Key Vault secret ${name} is empty`);
  keyVaultCache.set(cacheKey, { value: secret.value, expires: Date.now() + KEY_VAULT_TTL_MS });
  return secret.value;
}

/** The instance's producer, created once per connection (and replaced if the connection changes). */
export async function producerFor(connection: ResolvedConnection, config: AppConfig): Promise<EventHubProducerClient> {
  let connectionString = connection.connectionString;
  if (connection.source === 'keyvault') connectionString = await keyVaultSecret(config.realtime.keyvault_url!, config.realtime.keyvault_secret_name!);
  const key = `${connection.source}|${connectionString ?? connection.fullyQualifiedNamespace}|${connection.hub}`;
  if (producer?.key === key) return producer.client;
  await producer?.client.close().catch(() => undefined);
  const retryOptions = { maxRetries: config.realtime.retry_attempts, retryDelayInMs: 200, maxRetryDelayInMs: 5_000, timeoutInMs: 30_000 };
  const client = connectionString
    ? /EntityPath=/i.test(connectionString)
      ? new EventHubProducerClient(connectionString, { retryOptions })
      : new EventHubProducerClient(connectionString, connection.hub, { retryOptions })
    : new EventHubProducerClient(connection.fullyQualifiedNamespace!, connection.hub, new DefaultAzureCredential(), { retryOptions });
  producer = { key, client };
  return client;
}

export class EventHubsSink implements EventSink {
  readonly kind = 'eventhubs' as const;
  constructor(private readonly client: EventHubProducerClient) {}

  async send(events: OutboxEvent[]): Promise<SendResult> {
    const byPartition = new Map<string, OutboxEvent[]>();
    for (const event of events) {
      const list = byPartition.get(event.partitionKey) ?? [];
      list.push(event);
      byPartition.set(event.partitionKey, list);
    }
    // Partition keys are independent: their batches go out concurrently over the one connection, while each
    // key's events stay in order (one batch in flight per key).
    const results = await Promise.all([...byPartition].map(([partitionKey, list]) => this.sendInOrder(partitionKey, list)));
    return results.reduce((total, r) => ({ bytes: total.bytes + r.bytes, batches: total.batches + r.batches }), { bytes: 0, batches: 0 });
  }

  private async sendInOrder(partitionKey: string, list: OutboxEvent[]): Promise<SendResult> {
    let bytes = 0;
    let batches = 0;
    let batch = await this.client.createBatch({ partitionKey });
    for (const event of list) {
      const body = JSON.parse(event.body) as { event_id?: string };
      const data: EventData = { body, contentType: 'application/json', ...(body.event_id ? { messageId: body.event_id } : {}) };
      if (batch.tryAdd(data)) continue;
      if (batch.count === 0) throw new MessageTooLargeError(`An event of ${event.body.length} bytes does not fit in an Event Hubs batch`);
      await this.client.sendBatch(batch);
      bytes += batch.sizeInBytes;
      batches++;
      batch = await this.client.createBatch({ partitionKey });
      if (!batch.tryAdd(data)) throw new MessageTooLargeError(`An event of ${event.body.length} bytes does not fit in an Event Hubs batch`);
    }
    if (batch.count > 0) {
      await this.client.sendBatch(batch);
      bytes += batch.sizeInBytes;
      batches++;
    }
    return { bytes, batches };
  }
}
