/**
 * The out-of-the-box sink when no Event Hub is configured: NDJSON in append blobs, laid out like Event Hubs
 * Capture (`<namespace>/<hub>/<partition>/<yyyy>/<MM>/<dd>/<HH>/<mm>.ndjson`), so the same downstream jobs
 * can read either. The partition is derived from the partition key exactly as a hub would keep a store's
 * events together.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { stableHash } from '../core/rng.js';
import type { EventSink, OutboxEvent, SendOptions, SendResult } from '../core/streaming/types.js';
import { isNotFound } from './rest-status.js';

export const EVENTS_CONTAINER = 'events';
const PARTITIONS = 4;
const MAX_APPEND_BLOCK = 4 * 1024 * 1024;

export class BlobEventSink implements EventSink {
  readonly kind = 'blob' as const;
  private readonly created = new Set<string>();

  constructor(
    private readonly container: () => Promise<ContainerClient>,
    private readonly namespace: string,
    private readonly hub: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  pathFor(partition: number, at: Date): string {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${this.namespace}/${this.hub}/${partition}/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/${pad(at.getUTCMinutes())}.ndjson`;
  }

  /**
   * Appends one block, creating the blob the first time this instance writes to it. When the blob or the
   * container was deleted meanwhile (a data reset), both are created again and the block is appended once more.
   */
  private async append(container: ContainerClient, path: string, block: Buffer): Promise<void> {
    const blob = container.getAppendBlobClient(path);
    const create = async () => {
      await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
      this.created.add(path);
    };
    if (!this.created.has(path)) await create();
    try {
      await blob.appendBlock(block, block.byteLength);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.created.delete(path);
      await container.createIfNotExists();
      await create();
      await blob.appendBlock(block, block.byteLength);
    }
  }

  /** `maxBatchSize` caps the events of one append (a batch, as on a hub); `abortSignal` ends the send. */
  async send(events: OutboxEvent[], { maxBatchSize = Number.POSITIVE_INFINITY, abortSignal }: SendOptions = {}): Promise<SendResult> {
    const container = await this.container();
    const at = this.now();
    const byPath = new Map<string, string[]>();
    for (const event of events) {
      const path = this.pathFor(stableHash(event.partitionKey) % PARTITIONS, at);
      const lines = byPath.get(path) ?? [];
      lines.push(event.body);
      byPath.set(path, lines);
    }
    let bytes = 0;
    let batches = 0;
    // Files are independent (a partition key always maps to the same one), so they are written concurrently;
    // within a file the appends stay in order.
    await Promise.all(
      [...byPath].map(async ([path, lines]) => {
        for (let first = 0; first < lines.length; first += Math.min(lines.length, maxBatchSize)) {
          const payload = Buffer.from(`${lines.slice(first, first + maxBatchSize).join('\n')}\n`);
          for (let offset = 0; offset < payload.byteLength; offset += MAX_APPEND_BLOCK) {
            abortSignal?.throwIfAborted();
            await this.append(container, path, payload.subarray(offset, offset + MAX_APPEND_BLOCK));
            batches++;
          }
          bytes += payload.byteLength;
        }
      }),
    );
    return { bytes, batches };
  }
}
