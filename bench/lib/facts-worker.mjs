// One queue worker of the facts benchmark: takes (region, day) units from the parent as the generation queue's
// worker takes messages, generates each into Azurite (Parquet + carried inventory) and reports its rows. Units run
// through generateUnit as the host runs them, several at once when the parent sends several (a queue batch): each
// encodes on the encoder threads while the next generates. INLINE_PARQUET=1 encodes on the process's own thread
// instead (the path before the encoder threads).
import { createStorageAccount } from '../../dist/src/adapters/storage.js';
import { BlobDatasetFiles } from '../../dist/src/adapters/blob-dataset-files.js';
import { defaultConfig } from '../../dist/src/core/config/schema.js';
import { addDays } from '../../dist/src/core/facts/calendar.js';
import { generateUnit } from '../../dist/src/core/generation/historical-job.js';
import { setInlineEncoding } from '../../dist/src/core/generation/parquet-threads.js';

const { STORAGE, PREFIX, START, DAYS, INLINE_PARQUET } = process.env;
setInlineEncoding(INLINE_PARQUET === '1');
const account = createStorageAccount({ AzureWebJobsStorage: STORAGE, RETAIL_STORAGE_PREFIX: PREFIX });
const deps = { files: new BlobDatasetFiles(() => account.container('datagen')) };
const config = defaultConfig();
const request = { start_date: START, end_date: addDays(START, Number(DAYS) - 1), fresh: true };

process.on('message', async (unit) => {
  if (unit === 'done') {
    // CPU of the whole process (main thread, GC and libuv threads), for the benchmark's utilisation figures.
    const { user, system } = process.cpuUsage();
    process.send({ cpuSeconds: (user + system) / 1e6 }, () => process.exit(0));
    return;
  }
  const counts = await generateUnit(deps, config, request, unit.region, unit.day);
  const rows = Object.values(counts).reduce((sum, c) => sum + c.rows, 0);
  process.send({ region: unit.region, day: unit.day, rows });
});
process.send({ ready: true });
