/**
 * Everything an app instance stored under one storage prefix, as text to search: every entity of every table
 * (binary properties gunzipped when they are gzip, as the outbox stores its chunks), every blob, every queue
 * message (base64-decoded as the queue trigger expects). For leak tests.
 */
import { gunzipSync } from 'node:zlib';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

export interface StoredItem {
  /** `table <name> <partition>/<row>`, `blob <container>/<name>`, `queue <name> <id>`. */
  where: string;
  kind: 'entity' | 'blob' | 'message';
  text: string;
}

/** The bytes as text, plus their gunzipped text when they are gzip (magic 1f 8b). */
function readable(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('latin1');
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return text;
  try {
    return `${text}\n${gunzipSync(bytes).toString('utf8')}`;
  } catch {
    return text;
  }
}

function entityText(entity: Record<string, unknown>): string {
  const parts: string[] = [];
  const binary: [string, Uint8Array][] = [];
  for (const [name, value] of Object.entries(entity)) {
    if (value instanceof Uint8Array) binary.push([name, value]);
    else parts.push(`${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  // Chunks split over several binary properties only gunzip once joined, in property order.
  binary.sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  if (binary.length > 0) parts.push(readable(Buffer.concat(binary.map(([, bytes]) => bytes))));
  for (const [, bytes] of binary) parts.push(readable(bytes));
  return parts.join('\n');
}

export async function walkStorage(connectionString: string, prefix: string): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  const tables = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  for await (const table of tables.listTables()) {
    if (!table.name?.startsWith(prefix)) continue;
    const client = TableClient.fromConnectionString(connectionString, table.name, { allowInsecureConnection: true });
    for await (const entity of client.listEntities<Record<string, unknown>>()) {
      items.push({ where: `table ${table.name} ${String(entity.partitionKey)}/${String(entity.rowKey)}`, kind: 'entity', text: entityText(entity) });
    }
  }
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  for await (const container of blobs.listContainers({ prefix: `${prefix}-` })) {
    const client = blobs.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) {
      const bytes = await client.getBlobClient(blob.name).downloadToBuffer();
      items.push({ where: `blob ${container.name}/${blob.name}`, kind: 'blob', text: readable(bytes) });
    }
  }
  const queues = QueueServiceClient.fromConnectionString(connectionString);
  for await (const queue of queues.listQueues({ prefix: `${prefix}-` })) {
    const client = queues.getQueueClient(queue.name);
    const { peekedMessageItems } = await client.peekMessages({ numberOfMessages: 32 });
    for (const message of peekedMessageItems) {
      const decoded = Buffer.from(message.messageText, 'base64').toString('utf8');
      items.push({ where: `queue ${queue.name} ${message.messageId}`, kind: 'message', text: `${message.messageText}\n${decoded}` });
    }
  }
  return items;
}
