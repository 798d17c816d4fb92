/**
 * The Parquet encoder threads (src/core/generation/parquet-threads.ts) write the bytes the inline encoder writes,
 * and an encoder error reaches the caller as a rejected promise with its message. The threads exist only where the
 * compiled worker is beside the module, so that path runs in a child process on the compiled dist/ and its files
 * are compared with the inline encoder of the sources run here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeTypedParquet } from '../../src/core/dataset-parquet.js';
import { FACT_TABLES } from '../../src/core/dataset-tables.js';
import { buildFactContext } from '../../src/core/facts/context.js';
import { openingBalances } from '../../src/core/facts/inventory.js';
import { generateMarketingDay } from '../../src/core/facts/marketing.js';
import { generateRegionDay, REGION_TABLES } from '../../src/core/facts/region-day.js';
import { encodeOffThread, encodeThreads, holdColumns, REGION_DAYS_HELD } from '../../src/core/generation/parquet-threads.js';
import { utf8Dictionary } from '../../src/core/parquet/encoder.js';
import type { StringColumn } from '../../src/core/parquet/columns.js';
import type { TypedTable } from '../../src/core/parquet/index.js';
import { smallConfig } from '../support/small-day.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = '2024-03-05';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A table the encoder refuses: three rows, a column of two values. */
const malformed = (): TypedTable => ({ rowCount: 3, columns: [{ name: 'qty', type: 'INT32', nullable: true, values: new Int32Array(2), nulls: null }] });

/** SHA-256 of each fact file of the small day (`<table>/<region>`), encoded inline by the sources. */
function inlineFiles(): Record<string, string> {
  const context = buildFactContext(smallConfig);
  const files: Record<string, string> = {};
  for (const region of context.regions) {
    const result = generateRegionDay(context, region, DAY, openingBalances(smallConfig.seed, smallConfig.volume, region, context.products.length));
    for (const table of REGION_TABLES) {
      if (result.tables[table].rowCount > 0) files[`${table}/${region.dcId}`] = sha256(encodeTypedParquet(result.tables[table].typed()));
    }
  }
  const marketing = generateMarketingDay(smallConfig.seed, DAY, smallConfig.volume.marketing_impressions_per_day, smallConfig.volume.total_customers);
  files['fact_marketing/network'] = sha256(encodeTypedParquet(marketing.typed()));
  return files;
}

interface ChildResult {
  threads: number | null;
  files: Record<string, string>;
  detached: boolean;
  error: string | null;
}

/** The same day through the compiled module in a process of its own, where the threads are used (test/support/parquet-threads-child.mjs). */
function threadedFiles(): ChildResult {
  for (const file of ['generation/parquet-threads.js', 'generation/parquet-worker.js', 'facts/region-day.js']) {
    const compiled = path.join(root, 'dist/src/core', file);
    expect(existsSync(compiled), `${compiled} missing: run npx tsc -p tsconfig.json first`).toBe(true);
  }
  const child = path.join(root, 'test/support/parquet-threads-child.mjs');
  return JSON.parse(execFileSync(process.execPath, [child, JSON.stringify(smallConfig), DAY], { encoding: 'utf8' })) as ChildResult;
}

describe('Parquet encoder threads', () => {
  it('write the same bytes as the inline encoder for every fact table of a small day, and pass an encoder error on', () => {
    const inline = inlineFiles();
    expect(new Set(Object.keys(inline).map((key) => key.split('/')[0]))).toEqual(new Set(FACT_TABLES));
    const child = threadedFiles();
    expect(child.threads).toBeGreaterThanOrEqual(1);
    expect(child.detached).toBe(true);
    expect(child.files).toEqual(inline);
    expect(child.error).toBe('column qty has 2 values for 3 rows');
  });

  it('encode a text column given as its UTF-8 bytes (as posted to a thread) as they encode its strings', () => {
    const dictionary = ['Zoë', '東京 🚚', 'plain', ''];
    const codes = Int32Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -1 : (i * 31) % dictionary.length));
    const text: StringColumn = { name: 'city', type: 'STRING', nullable: true, codes, dictionary, distinct: true };
    const table = (column: StringColumn): TypedTable => ({ rowCount: codes.length, columns: [column] });
    const fromStrings = sha256(encodeTypedParquet(table(text)));
    expect(sha256(encodeTypedParquet(table({ ...text, dictionary: [], utf8: utf8Dictionary(dictionary) })))).toBe(fromStrings);
    // And the bytes are what decides: other bytes for the same codes give another file.
    expect(sha256(encodeTypedParquet(table({ ...text, dictionary: [], utf8: utf8Dictionary(['Zoe', '東京 🚚', 'plain', '']) })))).not.toBe(fromStrings);
  });

  it('encode inline where the compiled worker is absent (the sources), with an error as a rejected promise', async () => {
    expect(encodeThreads()).toBeNull();
    await expect(encodeOffThread(malformed())).rejects.toThrow(new Error('column qty has 2 values for 3 rows'));
  });

  it('hold at most REGION_DAYS_HELD region-days of columns, the next waiting for a release', async () => {
    const releases = await Promise.all(Array.from({ length: REGION_DAYS_HELD }, () => holdColumns()));
    let waited = false;
    const next = holdColumns().then((release) => {
      waited = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waited).toBe(false);
    releases[0]!();
    releases[0]!(); // a second call gives nothing more back
    const release = await next;
    expect(waited).toBe(true);
    const after = holdColumns();
    let third = false;
    void after.then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(third).toBe(false);
    for (const r of [...releases.slice(1), release]) r();
    (await after)();
  });
});
