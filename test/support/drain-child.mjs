// A drain "instance" for the SIGKILL fault test: runs drains against the given tables and peer until it is
// killed. Plain ESM over the compiled app in dist/ (npm test builds first), so it starts like a real process.
import { TableClient } from '@azure/data-tables';
import { EventHubProducerClient } from '@azure/event-hubs';
import { EventHubsSink } from '../../dist/src/adapters/eventhubs-sink.js';
import { JsonEntityStore } from '../../dist/src/adapters/json-entity.js';
import { TableDeadLetterQueue } from '../../dist/src/adapters/table-dead-letters.js';
import { TableOutbox } from '../../dist/src/adapters/table-outbox.js';
import { appConfigSchema } from '../../dist/src/core/config/schema.js';
import { drainOutbox } from '../../dist/src/core/streaming/drain.js';

const { STORAGE, OUTBOX_TABLE, STREAM_TABLE, DLQ_TABLE, PEER } = process.env;
const table = (name) => TableClient.fromConnectionString(STORAGE, name, { allowInsecureConnection: true });
const outboxTable = table(OUTBOX_TABLE);
const streamTable = table(STREAM_TABLE);
const dlqTable = table(DLQ_TABLE);
const files = { write: async () => {}, read: async () => undefined, open: async () => undefined, list: async () => [], deletePrefix: async () => 0 };
const deps = {
  state: new JsonEntityStore(async () => streamTable, 'stream'),
  statistics: new JsonEntityStore(async () => streamTable, 'stream'),
  breakerState: new JsonEntityStore(async () => streamTable, 'stream'),
  deadLetters: new TableDeadLetterQueue(async () => dlqTable, files),
  outbox: new TableOutbox(async () => outboxTable),
  files,
  generation: {},
};
const config = appConfigSchema.parse({ realtime: { retry_attempts: 5 } });
const client = new EventHubProducerClient(PEER, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
const sink = new EventHubsSink(client);
process.stdout.write('ready\n');
for (;;) await drainOutbox(deps, config, async () => sink, 1_000, { claimTtlMs: 1_500 });
