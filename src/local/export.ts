/**
 * `npm run export -- --out ./data [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--tables fact_receipts,dim_stores]`:
 * copies the generated Parquet from the app's storage to a local folder in the blob container's own layout
 * (`master/<table>/<table>.parquet`, `facts/<table>/date=YYYY-MM-DD/<part>.parquet`), so DuckDB, pandas or
 * Spark read it with Hive partitioning. Storage is found as `npm start` finds it (local.settings.json, then
 * the environment); with the default `UseDevelopmentStorage=true`, the project's Azurite (its `.azurite/`
 * data folder) is reused if it is running and started for the export if it is not.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlobDatasetFiles, DATA_CONTAINER } from '../adapters/blob-dataset-files.js';
import { createStorageAccount, STORAGE_SETTING } from '../adapters/storage.js';
import { isoDate } from '../core/config/schema.js';
import { ALL_TABLES, isDatasetTable, isDimensionTable, type DatasetTable } from '../core/dataset-tables.js';
import { tableLocation } from '../core/generation/datasets.js';
import type { DatasetFiles, StoredFile } from '../core/storage/files.js';
import { DEFAULT_AZURITE_PORTS, startAzurite, type AzuriteHandle } from './azurite.js';
import { loadLocalSettings } from './settings.js';

export interface ExportOptions {
  out: string;
  from?: string;
  to?: string;
  tables: readonly DatasetTable[];
  /** Files downloaded at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface ExportResult {
  files: number;
  bytes: number;
  tables: Record<string, number>;
}

const DAY_IN_PATH = /\/date=(\d{4}-\d{2}-\d{2})\//;

/** The stored files an export copies: every file of each table, facts limited to the day range. */
export async function exportSelection(files: DatasetFiles, options: Pick<ExportOptions, 'from' | 'to' | 'tables'>): Promise<StoredFile[]> {
  const selected: StoredFile[] = [];
  for (const table of options.tables) {
    for (const file of await files.list(tableLocation(table))) {
      if (!file.path.endsWith('.parquet')) continue;
      if (!isDimensionTable(table)) {
        const day = DAY_IN_PATH.exec(file.path)?.[1];
        if (!day || (options.from && day < options.from) || (options.to && day > options.to)) continue;
      }
      selected.push(file);
    }
  }
  return selected.sort((a, b) => a.path.localeCompare(b.path));
}

export async function exportDataset(files: DatasetFiles, options: ExportOptions): Promise<ExportResult> {
  const log = options.log ?? (() => {});
  const selected = await exportSelection(files, options);
  const totalBytes = selected.reduce((sum, file) => sum + file.bytes, 0);
  log(`Exporting ${selected.length} files (${(totalBytes / 1e6).toFixed(1)} MB) to ${path.resolve(options.out)}`);
  const result: ExportResult = { files: 0, bytes: 0, tables: {} };
  let next = 0;
  let lastReport = 0;
  const worker = async () => {
    while (next < selected.length) {
      const file = selected[next++]!;
      const bytes = await files.read(file.path);
      if (!bytes) continue; // deleted while exporting
      const target = path.join(options.out, ...file.path.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
      result.files++;
      result.bytes += bytes.length;
      const table = file.path.split('/')[1]!;
      result.tables[table] = (result.tables[table] ?? 0) + 1;
      const now = Date.now();
      if (now - lastReport > 1000 || result.files === selected.length) {
        lastReport = now;
        log(`  ${result.files}/${selected.length} files, ${(result.bytes / 1e6).toFixed(1)} MB (${file.path})`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return result;
}

function argument(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

export function parseExportArguments(argv: readonly string[]): Omit<ExportOptions, 'log'> {
  const out = argument(argv, '--out');
  if (!out) throw new Error('--out DIR is required (e.g. npm run export -- --out ./data)');
  const dates: Record<'from' | 'to', string | undefined> = { from: argument(argv, '--from'), to: argument(argv, '--to') };
  for (const [name, value] of Object.entries(dates)) {
    if (value !== undefined && !isoDate.safeParse(value).success) throw new Error(`--${name} must be a date YYYY-MM-DD, got ${value}`);
  }
  if (dates.from && dates.to && dates.to < dates.from) throw new Error(`--to (${dates.to}) is before --from (${dates.from})`);
  const names = argument(argv, '--tables')
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names?.filter((name) => !isDatasetTable(name)) ?? [];
  if (unknown.length > 0) throw new Error(`--tables: unknown ${unknown.join(', ')}; known tables: ${ALL_TABLES.join(', ')}`);
  return {
    out,
    ...(dates.from ? { from: dates.from } : {}),
    ...(dates.to ? { to: dates.to } : {}),
    tables: (names as DatasetTable[] | undefined) ?? ALL_TABLES,
  };
}

async function main(): Promise<void> {
  const options = parseExportArguments(process.argv.slice(2));
  const root = process.cwd();
  const settingsFile = loadLocalSettings(root);
  let azurite: AzuriteHandle | undefined;
  if (/^UseDevelopmentStorage=true/i.test(process.env[STORAGE_SETTING] ?? '')) {
    azurite = await startAzurite({ location: path.join(root, '.azurite'), ports: DEFAULT_AZURITE_PORTS, reuseIfListening: true });
    console.log(azurite.reused ? 'Storage: the Azurite already listening on 10000-10002' : 'Storage: Azurite started for the export (data in .azurite/)');
  } else {
    console.log(`Storage: ${STORAGE_SETTING} from ${settingsFile} or the environment`);
  }
  try {
    const account = createStorageAccount(process.env);
    const files = new BlobDatasetFiles(() => account.container(DATA_CONTAINER));
    const result = await exportDataset(files, { ...options, log: (line) => console.log(line) });
    if (result.files === 0) {
      console.log('Nothing to export: generate master data and history first (or widen --from/--to/--tables).');
      process.exitCode = 1;
      return;
    }
    console.log(`Done: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB.`);
    const glob = path.join(options.out, 'facts', 'fact_receipts', '*', '*.parquet');
    console.log(`Open with DuckDB: select count(*) from read_parquet('${glob}', hive_partitioning=1);`);
  } finally {
    await azurite?.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, 'export.js')) {
  main().catch((error: unknown) => {
    console.error(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
