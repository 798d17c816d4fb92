// A drain "instance" for the multi-process tests (SIGKILL faults, two drains at a rollover): runs drains against
// the given tables and peer until it is killed. Plain ESM over the compiled app in dist/ (npm test builds first),
// so it starts like a real process. SEND_TIMEOUT_MS bounds one send (default 5 s). LEASE=1 takes the drain lease as the app does; CONFIG (JSON) overrides the
// settings; QUEUE names a Storage queue that receives the next day's units at a rollover.
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { EventHubProducerClient } from '@azure/event-hubs';
import { EventHubsSink } from '../../dist/src/adapters/eventhubs-sink.js';
import { JsonEntityStore } from '../../dist/src/adapters/json-entity.js';
import { TableDeadLetterQueue } from '../../dist/src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../dist/src/adapters/table-outbox.js';
import { appConfigSchema } from '../../dist/src/core/config/schema.js';
import { drainOutbox } from '../../dist/src/core/streaming/drain.js';

const { STORAGE, OUTBOX_TABLE, STREAM_TABLE, DLQ_TABLE, PEER, LEASE, CONFIG, QUEUE, BUDGET_MS, CLAIM_TTL_MS, SEND_TIMEOUT_MS } = process.env;
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
  deadLetters: new TableDeadLetterQueue(async () => dlqTable, files),
  outbox: new TableOutbox(async () => outboxTable),
  files,
  generation: {},
  ...(LEASE ? { lease: new JsonEntityStore(async () => streamTable, 'stream') } : {}),
  ...(queue ? { enqueue: async (message) => void (await queue.sendMessage(Buffer.from(JSON.stringify(message)).toString('base64'))) } : {}),
};
const config = appConfigSchema.parse({ realtime: { retry_attempts: 5 }, ...(CONFIG ? JSON.parse(CONFIG) : {}) });
const client = new EventHubProducerClient(PEER, { retryOptions: { maxRetries: 0, timeoutInMs: Number(SEND_TIMEOUT_MS ?? 5000) } });
const sink = new EventHubsSink(client);
process.stdout.write('ready\n');
const budget = Number(BUDGET_MS ?? 1_000);
for (;;) await drainOutbox(deps, config, async () => sink, budget, { claimTtlMs: Number(CLAIM_TTL_MS ?? 1_500) });
