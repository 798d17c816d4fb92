// A generation "instance" for the streaming start benchmark: runs the units of streamed days (the app's queue
// worker does the same in Azure) against the benchmark's Azurite tables, in a worker thread so generation does
// not hold up the drain. Inventory positions live in this worker's memory: history's for the day before the
// stream (seeded here, as history would have written them) and the streamed days' as units write them.
import { parentPort, workerData } from 'node:worker_threads';
import { TableClient } from '@azure/data-tables';
import { JsonEntityStore } from '../../dist/src/adapters/json-entity.js';
import { TableOutbox } from '../../dist/src/adapters/table-outbox.js';
import { defaultConfig } from '../../dist/src/core/config/schema.js';
import { balancesPath, encodeBalances, openingBalances } from '../../dist/src/core/facts/inventory.js';
import { runStreamUnit, streamContext } from '../../dist/src/core/streaming/day-units.js';

const { connectionString, streamTable, outboxTable, historyEnd } = workerData;
const table = (name) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
const config = defaultConfig();
const context = streamContext(config);
// Positions are shared between the workers through the main thread's store (a region's next day may run elsewhere).
const files = {
  write: async (path, bytes) => {
    parentPort.postMessage({ type: 'file', path, bytes });
  },
  read: async (path) =>
    await new Promise((resolve) => {
      const id = Math.random();
      const listener = (m) => {
        if (m.type === 'file-read' && m.id === id) {
          parentPort.off('message', listener);
          resolve(m.bytes ?? undefined);
        }
      };
      parentPort.on('message', listener);
      parentPort.postMessage({ type: 'read', id, path });
    }),
  open: async () => undefined,
  list: async () => [],
  deletePrefix: async () => 0,
};
const deps = {
  state: new JsonEntityStore(async () => table(streamTable), 'stream'),
  outbox: new TableOutbox(async () => table(outboxTable)),
  files,
  enqueue: async (message) => parentPort.postMessage({ type: 'enqueue', message }),
};
if (workerData.seedHistory) {
  for (const region of context.regions) {
    parentPort.postMessage({
      type: 'file',
      path: balancesPath('history', region.dcId, historyEnd),
      bytes: encodeBalances(openingBalances(config.seed, config.volume, region, context.products.length)),
    });
  }
}
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', async (m) => {
  if (m.type !== 'unit') return;
  const started = Date.now();
  try {
    const outcome = await runStreamUnit(deps, config, m.message);
    parentPort.postMessage({ type: 'unit-done', message: m.message, outcome, ms: Date.now() - started });
  } catch (error) {
    // As a queue would: the message comes back for another try (units are idempotent).
    parentPort.postMessage({ type: 'unit-failed', message: m.message, error: String(error?.message ?? error) });
  }
});
