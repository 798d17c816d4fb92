/** Dataset files in Blob storage (Azurite): a read returns one whole version of a blob even while it is rewritten. */
import { describe, expect, inject, it } from 'vitest';
import { BlobDatasetFiles } from '../../src/adapters/blob-dataset-files.js';
import { createStorageAccount } from '../../src/adapters/storage.js';

const connectionString = inject('storageConnectionString');

describe('BlobDatasetFiles', () => {
  it('reads a whole version of a file that another writer keeps replacing with one of a different size', async () => {
    // The drain rewrites the recent-events file on every tick while the dashboard reads it every 2 s.
    const account = createStorageAccount({ AzureWebJobsStorage: connectionString, RETAIL_STORAGE_PREFIX: `bf${Math.random().toString(36).slice(2, 8)}` });
    const files = new BlobDatasetFiles(() => account.container('datagen'));
    const versions = Array.from({ length: 6 }, (_, i) =>
      Buffer.from(JSON.stringify(Array.from({ length: 200 + i * 37 }, (_, j) => ({ i, j, text: 'x'.repeat(i * 3) })))),
    );
    await files.write('state/test/rewritten.json', versions[0]!, 'application/json');
    let writing = true;
    const writer = (async () => {
      for (let n = 1; writing; n++) await files.write('state/test/rewritten.json', versions[n % versions.length]!, 'application/json');
    })();
    try {
      const known = new Set(versions.map((v) => v.toString('utf8')));
      for (let round = 0; round < 25; round++) {
        const reads = await Promise.all(Array.from({ length: 8 }, () => files.read('state/test/rewritten.json')));
        for (const bytes of reads) expect(known.has(Buffer.from(bytes!).toString('utf8'))).toBe(true);
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(await files.read('state/test/missing.json')).toBeUndefined();
  });
});
