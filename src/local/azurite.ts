/**
 * Starts (or reuses) Azurite, the Azure Storage emulator, for the local host and the tests.
 *
 * Azurite is pinned in devDependencies and started from its own JS entry point so no global install is needed.
 * We always pass `--skipApiVersionCheck --loose` because the pinned Azure SDKs may be newer than the emulator,
 * and `--disableTelemetry` because this machine has no outbound network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';

/** The well-known development account that Azurite serves (public, documented, not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export const DEFAULT_AZURITE_PORTS: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

export interface AzuriteHandle {
  ports: AzuritePorts;
  /** A storage connection string for the running emulator. */
  connectionString: string;
  /** True when we found an emulator already listening and did not start one. */
  reused: boolean;
  /** The emulator's process id when we started it (benchmarks read its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

export function azuriteConnectionString(ports: AzuritePorts, host = '127.0.0.1'): string {
  return (
    [
      'DefaultEndpointsProtocol=http',
      `AccountName=${DEV_ACCOUNT_NAME}`,
      `AccountKey=${DEV_ACCOUNT_KEY}`,
      `BlobEndpoint=http://${host}:${ports.blob}/${DEV_ACCOUNT_NAME}`,
      `QueueEndpoint=http://${host}:${ports.queue}/${DEV_ACCOUNT_NAME}`,
      `TableEndpoint=http://${host}:${ports.table}/${DEV_ACCOUNT_NAME}`,
    ].join(';') + ';'
  );
}

export function isPortListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPorts(ports: number[], timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`Azurite exited early with code ${child.exitCode}`);
    }
    const states = await Promise.all(ports.map((p) => isPortListening(p)));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`Azurite did not listen on ports ${ports.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StartAzuriteOptions {
  /** Data folder; omit for in-memory persistence (tests). */
  location?: string;
  /** Ports to use; omit to pick free ones. */
  ports?: AzuritePorts;
  /** Reuse an emulator already listening on all three ports instead of starting one. */
  reuseIfListening?: boolean;
  /** Forward Azurite's own output to this process's stderr. */
  verbose?: boolean;
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteHandle> {
  if (options.ports) return startAzuriteOnce(options);
  // Free ports are picked, released and then bound by Azurite: another process can take one in between, so a
  // clash is retried on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAzuriteOnce(options);
    } catch (error) {
      if (attempt >= 4 || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

async function startAzuriteOnce(options: StartAzuriteOptions): Promise<AzuriteHandle> {
  const ports = options.ports ?? {
    blob: await findFreePort(),
    queue: await findFreePort(),
    table: await findFreePort(),
  };
  const portList = [ports.blob, ports.queue, ports.table];

  if (options.reuseIfListening) {
    const listening = await Promise.all(portList.map((p) => isPortListening(p)));
    if (listening.every(Boolean)) {
      return { ports, connectionString: azuriteConnectionString(ports), reused: true, stop: async () => {} };
    }
    if (listening.some(Boolean)) {
      throw new Error(
        `Some of the Azurite ports (${portList.join(', ')}) are in use by another program; free them or set AzureWebJobsStorage to a running emulator.`,
      );
    }
  }

  const require = createRequire(import.meta.url);
  const azuritePackage = path.dirname(require.resolve('azurite/package.json'));
  const entry = path.join(azuritePackage, 'dist', 'src', 'azurite.js');
  const args = [
    entry,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(ports.blob),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(ports.queue),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(ports.table),
    '--skipApiVersionCheck',
    '--disableTelemetry',
  ];
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');

  const child = spawn(process.execPath, args, {
    // With a data folder (npm start), keep Azurite out of our process group so the terminal's Ctrl-C reaches
    // only the host, which stops Azurite itself after in-flight invocations have finished with storage.
    detached: Boolean(options.location),
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', options.verbose ? 'inherit' : 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPorts(portList, 30_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });

  return { ports, connectionString: azuriteConnectionString(ports), reused: false, ...(child.pid ? { pid: child.pid } : {}), stop };
}
