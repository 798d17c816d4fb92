/**
 * Runs the compiled app the way a user does (`node dist/src/local/start.js`), as a child process on a free
 * port against the test run's Azurite, and stops it with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AppProcess {
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  child: ChildProcess;
}

export interface StartAppOptions {
  storageConnectionString: string;
  /** Isolates this test's tables, containers and queues in the shared Azurite. */
  storagePrefix: string;
  env?: Record<string, string>;
}

/** A small business (10 stores, 3 DCs, 3,000 customers, 400 products) that generates and streams in seconds. */
export const SMALL_VOLUME_ENV: Readonly<Record<string, string>> = {
  RETAIL_VOLUME_STORES: '10',
  RETAIL_VOLUME_DCS: '3',
  RETAIL_VOLUME_TOTAL_GEOGRAPHIES: '10',
  RETAIL_VOLUME_TOTAL_CUSTOMERS: '3000',
  RETAIL_VOLUME_TOTAL_PRODUCTS: '400',
  RETAIL_VOLUME_CUSTOMERS_PER_DAY: '60',
  RETAIL_VOLUME_ONLINE_ORDERS_PER_DAY: '40',
  RETAIL_VOLUME_MARKETING_IMPRESSIONS_PER_DAY: '300',
};

export function uniquePrefix(label: string): string {
  return `${label.replace(/[^a-z]/g, '').slice(0, 6) || 't'}${Math.random().toString(36).slice(2, 8)}`;
}

export async function startApp(options: StartAppOptions): Promise<AppProcess> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // Do not leak the developer's own settings (a real hub, a function key, CORS origins) into the app under test.
    if (value !== undefined && !/^(RETAIL_|AZURE_|EVENTHUB|KEYVAULT|LOCAL_|AzureWebJobs)/.test(name)) env[name] = value;
  }
  Object.assign(env, {
    AzureWebJobsStorage: options.storageConnectionString,
    RETAIL_STORAGE_PREFIX: options.storagePrefix,
    ...options.env,
  });
  const child = spawn(process.execPath, ['dist/src/local/start.js', '--no-azurite', '--port', '0'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The app did not start within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /App\s+(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The app exited with code ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
