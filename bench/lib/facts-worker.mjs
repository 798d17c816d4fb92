// One queue worker of the facts benchmark: generates its share of (region, day) units for the date range into
// Azurite (Parquet + carried inventory), as the generation queue's worker does, then reports its rows.
import { createStorageAccount } from '../../dist/src/adapters/storage.js';
import { BlobDatasetFiles } from '../../dist/src/adapters/blob-dataset-files.js';
import { defaultConfig } from '../../dist/src/core/config/schema.js';
import { addDays } from '../../dist/src/core/facts/calendar.js';
import { generateUnit } from '../../dist/src/core/generation/historical-job.js';

const { STORAGE, PREFIX, REGIONS, START, DAYS } = process.env;
const account = createStorageAccount({ AzureWebJobsStorage: STORAGE, RETAIL_STORAGE_PREFIX: PREFIX });
const deps = { files: new BlobDatasetFiles(() => account.container('datagen')) };
const regions = REGIONS.split(',').map(Number);
const config = defaultConfig();
const request = { start_date: START, end_date: addDays(START, Number(DAYS) - 1), fresh: true, regions };
let rows = 0;
for (let d = 0; d < Number(DAYS); d++) {
  for (const region of regions) {
    const counts = await generateUnit(deps, config, request, region, addDays(START, d));
    for (const c of Object.values(counts)) rows += c.rows;
  }
}
process.stdout.write(JSON.stringify({ rows }) + '\n');
