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
import { PartialSendError, type EventSink, type OutboxEvent, type SendResult } from '../core/streaming/types.js';

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
  // The drain retries with its own backoff, classification and dead-lettering; the SDK only retries once,
  // quickly, for a transient link hiccup.
  const retryOptions = { maxRetries: 1, retryDelayInMs: 100, maxRetryDelayInMs: 1_000, timeoutInMs: 30_000 };
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
    const byPartition = new Map<string, number[]>();
    events.forEach((event, index) => {
      const list = byPartition.get(event.partitionKey) ?? [];
      list.push(index);
      byPartition.set(event.partitionKey, list);
    });
    // Partition keys are independent: their batches go out concurrently over the one connection, while each
    // key's events stay in order (one batch in flight per key). A failure reports what did get through, so a
    // retry sends only the rest.
    const sent = new Set<number>();
    const total: SendResult = { bytes: 0, batches: 0 };
    const outcomes = await Promise.allSettled([...byPartition].map(([partitionKey, indexes]) => this.sendInOrder(partitionKey, indexes, events, sent, total)));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw new PartialSendError(failure.reason, sent, total);
    return total;
  }

  private async sendInOrder(partitionKey: string, indexes: number[], events: OutboxEvent[], sent: Set<number>, total: SendResult): Promise<void> {
    let batch = await this.client.createBatch({ partitionKey });
    let inBatch: number[] = [];
    const flush = async () => {
      await this.client.sendBatch(batch);
      total.bytes += batch.sizeInBytes;
      total.batches++;
      for (const index of inBatch) sent.add(index);
      inBatch = [];
    };
    for (const index of indexes) {
      const event = events[index]!;
      // The JSON bytes go out as the data section, exactly what the SDK would make of the parsed object,
      // without parsing and serialising every event again.
      const eventId = event.eventId ?? (JSON.parse(event.body) as { event_id?: string }).event_id;
      const data: EventData = { body: Buffer.from(event.body, 'utf8'), contentType: 'application/json', ...(eventId ? { messageId: eventId } : {}) };
      if (batch.tryAdd(data)) {
        inBatch.push(index);
        continue;
      }
      if (batch.count === 0) throw new MessageTooLargeError(`An event of ${event.body.length} bytes does not fit in an Event Hubs batch`);
      await flush();
      batch = await this.client.createBatch({ partitionKey });
      if (!batch.tryAdd(data)) throw new MessageTooLargeError(`An event of ${event.body.length} bytes does not fit in an Event Hubs batch`);
      inBatch.push(index);
    }
    if (batch.count > 0) await flush();
  }
}
