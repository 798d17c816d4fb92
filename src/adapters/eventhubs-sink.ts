/**
 * Event Hubs (and Fabric Eventstream custom endpoints, and the Event Hubs emulator): one producer client per
 * instance, explicit retry options (the SDK default is 3 retries 30 s apart), batches per partition key
 * filled with tryAdd up to the 1 MB limit. Credentials in README's order ("Where the Event Hubs credentials come from"): connection string, Key Vault
 * secret, managed identity.
 */
import { EventHubProducerClient, type EventData } from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AppConfig } from '../core/config/schema.js';
import type { ResolvedConnection } from '../core/config/config-service.js';
import { PartialSendError, type EventSink, type OutboxEvent, type SendOptions, type SendResult } from '../core/streaming/types.js';

export class MessageTooLargeError extends Error {
  readonly code = 'MessageTooLargeError';
}

let producer: { key: string; client: EventHubProducerClient } | undefined;
const keyVaultCache = new Map<string, { value: string; expires: number }>();
const KEY_VAULT_TTL_MS = 5 * 60_000;

/** A Key Vault secret, cached for five minutes per instance. */
export async function keyVaultSecret(url: string, name: string): Promise<string> {
  const cacheKey = `${url}|${name}`;
  const cached = keyVaultCache.get(cacheKey);
  if (cached && cached.expires > Date.now()) return cached.value;
  const secret = await new SecretClient(url, new DefaultAzureCredential()).getSecret(name);
  if (!secret.value) throw new Error(`Key Vault secret ${name} is empty`);
  keyVaultCache.set(cacheKey, { value: secret.value, expires: Date.now() + KEY_VAULT_TTL_MS });
  return secret.value;
}

/**
 * Whether the connection string names its hub. An empty `EntityPath=` does not: our validation treats it as
 * absent (the hub is then `stream.hub`), so the SDK must get the hub too — alone, it throws a TypeError.
 */
function hasEntityPath(connectionString: string): boolean {
  return /(^|;)\s*EntityPath\s*=\s*[^;\s]/i.test(connectionString);
}

/** The instance's producer, created once per connection (and replaced if the connection changes). */
export async function producerFor(connection: ResolvedConnection, config: AppConfig): Promise<EventHubProducerClient> {
  let connectionString = connection.connectionString;
  if (connection.source === 'keyvault') connectionString = await keyVaultSecret(config.realtime.keyvault_url!, config.realtime.keyvault_secret_name!);
  const key = `${connection.source}|${connectionString ?? connection.fullyQualifiedNamespace}|${connection.hub}`;
  if (producer?.key === key) return producer.client;
  const previous = producer?.client;
  // The drain retries with its own backoff, classification and dead-lettering; the SDK only retries once,
  // quickly, for a transient link hiccup.
  const retryOptions = { maxRetries: 1, retryDelayInMs: 100, maxRetryDelayInMs: 1_000, timeoutInMs: 30_000 };
  const client = connectionString
    ? hasEntityPath(connectionString)
      ? new EventHubProducerClient(connectionString, { retryOptions })
      : new EventHubProducerClient(connectionString, connection.hub, { retryOptions })
    : new EventHubProducerClient(connection.fullyQualifiedNamespace!, connection.hub, new DefaultAzureCredential(), { retryOptions });
  // Installed before the old one is closed, so concurrent callers agree on one client instead of each
  // making their own while the close is awaited.
  producer = { key, client };
  await previous?.close().catch(() => undefined);
  return client;
}

/** Closes the instance's producer (shutdown, tests, benchmarks); the next producerFor makes a new one. */
export async function closeEventHubsProducer(): Promise<void> {
  const current = producer;
  producer = undefined;
  await current?.client.close().catch(() => undefined);
}

/** Forgets cached Key Vault secrets, so a rotated secret is read again on the next producerFor. */
export function forgetKeyVaultSecrets(): void {
  keyVaultCache.clear();
}

export class EventHubsSink implements EventSink {
  readonly kind = 'eventhubs' as const;
  constructor(private readonly client: EventHubProducerClient) {}

  async send(events: OutboxEvent[], options: SendOptions = {}): Promise<SendResult> {
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
    const tooLarge: number[] = [];
    const outcomes = await Promise.allSettled(
      [...byPartition].map(([partitionKey, indexes]) => this.sendInOrder(partitionKey, indexes, events, sent, total, tooLarge, options)),
    );
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
    // A transient failure is reported before an oversized event: the caller then retries everything unsent,
    // and the oversized events, alone in the last failure, are the only ones dead-lettered as too large.
    if (failures.length > 0) throw new PartialSendError(failures[0], sent, total);
    if (tooLarge.length > 0) {
      const largest = Math.max(...tooLarge.map((index) => Buffer.byteLength(events[index]!.body)));
      throw new PartialSendError(
        new MessageTooLargeError(`${tooLarge.length} event(s) of up to ${largest} bytes do not fit in an Event Hubs batch`),
        sent,
        total,
      );
    }
    return total;
  }

  private async sendInOrder(
    partitionKey: string,
    indexes: number[],
    events: OutboxEvent[],
    sent: Set<number>,
    total: SendResult,
    tooLarge: number[],
    { maxBatchSize = Number.POSITIVE_INFINITY, abortSignal }: SendOptions,
  ): Promise<void> {
    let batch = await this.client.createBatch({ partitionKey, abortSignal });
    let inBatch: number[] = [];
    const flush = async () => {
      await this.client.sendBatch(batch, { abortSignal });
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
      if (batch.count < maxBatchSize && batch.tryAdd(data)) {
        inBatch.push(index);
        continue;
      }
      if (batch.count > 0) {
        await flush();
        batch = await this.client.createBatch({ partitionKey, abortSignal });
        if (batch.tryAdd(data)) {
          inBatch.push(index);
          continue;
        }
      }
      // Too large even alone in a batch: skipped (to be dead-lettered) so it does not hold back the events
      // behind it, which would otherwise be dead-lettered with it.
      tooLarge.push(index);
    }
    if (batch.count > 0) await flush();
  }
}
