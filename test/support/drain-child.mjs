// A drain "instance" for the multi-process tests (the fault suite, two drains at a rollover): runs drains against the
// given tables and peer until it is killed, each taking the drain lease as every drain path of the app does. Plain
// ESM over the compiled app in dist/ (npm test builds first), so it starts like a real process.
// Settings (environment): BUDGET_MS (1000), CLAIM_TTL_MS (1500), REALTIME (JSON realtime overrides, default
// retry_attempts 5), CONFIG (JSON overrides of the other settings), SEND_TIMEOUT_MS (one send, default 5 s),
// QUEUE (a Storage queue that receives the next day's units at a rollover).
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { EventHubProducerClient } from '@azure/event-hubs';
import { EventHubsSink } from '../../dist/src/adapters/eventhubs-sink.js';
import { JsonEntityStore } from '../../dist/src/adapters/json-entity.js';
import { TableDeadLetterQueue } from '../../dist/src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../dist/src/adapters/table-outbox.js';
import { appConfigSchema } from '../../dist/src/core/config/schema.js';
import { drainOutbox } from '../../dist/src/core/streaming/drain.js';

const { STORAGE, OUTBOX_TABLE, STREAM_TABLE, DLQ_TABLE, PEER, CONFIG, QUEUE, SEND_TIMEOUT_MS } = process.env;
const budgetMs = Number(process.env.BUDGET_MS ?? 1_000);
const claimTtlMs = Number(process.env.CLAIM_TTL_MS ?? 1_500);
const realtime = JSON.parse(process.env.REALTIME ?? '{"retry_attempts": 5}');
const overrides = CONFIG ? JSON.parse(CONFIG) : {};
const table = (name) => TableClient.fromConnectionString(STORAGE, name, { allowInsecureConnection: true });
const outboxTable = table(OUTBOX_TABLE);
const streamTable = table(STREAM_TABLE);
const dlqTable = table(DLQ_TABLE);
const files = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };
const queue = QUEUE ? new QueueClient(STORAGE, QUEUE) : undefined;
const deps = {
  state: new JsonEntityStore(async () => streamTable, 'stream'),
  statistics: new JsonEntityStore(async () => streamTable, 'stream'),
  breakerState: new JsonEntityStore(async () => streamTable, 'stream'),
  lease: new JsonEntityStore(async () => streamTable, 'stream'),
  deadLetters: new TableDeadLetterQueue(async () => dlqTable, files),
  outbox: new TableOutbox(async () => outboxTable),
  files,
  generation: {},
  ...(queue ? { enqueue: async (message) => void (await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'))) } : {}),
};
const config = appConfigSchema.parse({ ...overrides, realtime: { ...realtime, ...(overrides.realtime ?? {}) } });
const client = new EventHubProducerClient(PEER, { retryOptions: { maxRetries: 0, timeoutInMs: Number(SEND_TIMEOUT_MS ?? 5000) } });
const sink = new EventHubsSink(client);
process.stdout.write('ready\n');
for (;;) {
  const summary = await drainOutbox(deps, config, async () => sink, budgetMs, { claimTtlMs });
  // Another drain holds the lease, or nothing was due: try again shortly, as the next timer tick would.
  if (summary.status === 'busy' || summary.sent === 0) await new Promise((resolve) => setTimeout(resolve, 100));
}
