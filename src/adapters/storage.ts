/**
 * Storage clients (Tables, Blobs, Queues), created once per instance and shared by every invocation.
 *
 * The account comes from the Functions setting `AzureWebJobsStorage`, like the runtime's own:
 * - a connection string (`UseDevelopmentStorage=true` means Azurite on its default ports), or
 * - identity-based settings `AzureWebJobsStorage__accountName` (or `__blobServiceUri`, `__queueServiceUri`,
 *   `__tableServiceUri`) with `__credential=managedidentity` and `__clientId` for a user-assigned identity.
 * `RETAIL_STORAGE_PREFIX` (lower-case letters and digits) prefixes every table, container and queue name so
 * several deployments, or test runs, can share one account.
 */
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { Environment } from '../core/config/environment.js';
import { ServiceUnavailableError } from '../core/errors.js';

const DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

export const STORAGE_SETTING = 'AzureWebJobsStorage';
export const STORAGE_PREFIX_SETTING = 'RETAIL_STORAGE_PREFIX';

export interface StorageAccount {
  /** Prefixed name for a table (letters and digits only). */
  tableName(base: string): string;
  /** Prefixed name for a container or queue (lower case, digits, dashes). */
  resourceName(base: string): string;
  table(base: string): Promise<TableClient>;
  container(base: string): Promise<ContainerClient>;
  queue(base: string): Promise<QueueClient>;
  readonly blobService: BlobServiceClient;
  readonly queueService: QueueServiceClient;
  readonly tableService: TableServiceClient;
}

function credentialFrom(environment: Environment, settingName: string): TokenCredential {
  const kind = environment[`${settingName}__credential`]?.toLowerCase();
  const clientId = environment[`${settingName}__clientId`];
  if (kind === 'managedidentity') return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

function isHttp(connectionString: string): boolean {
  return /DefaultEndpointsProtocol=http(;|$)/i.test(connectionString) || /Endpoint=http:\/\//i.test(connectionString);
}

/** Name of a container or queue with the deployment's prefix (lower case, digits, dashes). */
export function prefixedResourceName(environment: Environment, base: string): string {
  const prefix = (environment[STORAGE_PREFIX_SETTING] ?? '').trim();
  return prefix ? `${prefix}-${base}` : base;
}

export function createStorageAccount(environment: Environment, settingName = STORAGE_SETTING): StorageAccount {
  const prefix = (environment[STORAGE_PREFIX_SETTING] ?? '').trim();
  if (prefix && !/^[a-z][a-z0-9]{0,15}$/.test(prefix)) {
    throw new ServiceUnavailableError(`Invalid app setting ${STORAGE_PREFIX_SETTING}: 1-16 lower-case letters and digits, starting with a letter`);
  }
  let connectionString = environment[settingName]?.trim();
  if (connectionString && /^UseDevelopmentStorage=true/i.test(connectionString)) connectionString = DEVELOPMENT_STORAGE;

  let blobService: BlobServiceClient;
  let queueService: QueueServiceClient;
  let tableService: TableServiceClient;
  let tableClientFor: (name: string) => TableClient;
  if (connectionString) {
    const allowInsecureConnection = isHttp(connectionString);
    blobService = BlobServiceClient.fromConnectionString(connectionString);
    queueService = QueueServiceClient.fromConnectionString(connectionString);
    tableService = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection });
    tableClientFor = (name) => TableClient.fromConnectionString(connectionString!, name, { allowInsecureConnection });
  } else {
    const accountName = environment[`${settingName}__accountName`];
    // Azure reports endpoints with a trailing slash (`primaryEndpoints.table` is `https://<account>.table.../`);
    // the Tables client appends `/<table>` itself, so the slash is dropped to keep one.
    const uri = (service: string) =>
      (environment[`${settingName}__${service}ServiceUri`]?.trim() || undefined)?.replace(/\/+$/, '') ??
      (accountName ? `https://${accountName}.${service}.core.windows.net` : undefined);
    const blobUri = uri('blob');
    const queueUri = uri('queue');
    const tableUri = uri('table');
    if (!blobUri || !queueUri || !tableUri) {
      throw new ServiceUnavailableError(
        `Storage is not configured: set ${settingName} (a connection string, or UseDevelopmentStorage=true for Azurite), or ${settingName}__blobServiceUri, __queueServiceUri and __tableServiceUri (or __accountName) for managed identity`,
      );
    }
    const credential = credentialFrom(environment, settingName);
    blobService = new BlobServiceClient(blobUri, credential);
    queueService = new QueueServiceClient(queueUri, credential);
    tableService = new TableServiceClient(tableUri, credential);
    tableClientFor = (name) => new TableClient(tableUri, name, credential);
  }

  const tableName = (base: string) => `${prefix}${base}`;
  const resourceName = (base: string) => prefixedResourceName(environment, base);
  // Each table/container/queue is created at most once per instance; the promise is cached so concurrent
  // first uses share one create call.
  const ensured = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, create: () => Promise<T>): Promise<T> => {
    let pending = ensured.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = create();
      pending.catch(() => ensured.delete(key));
      ensured.set(key, pending);
    }
    return pending;
  };

  return {
    tableName,
    resourceName,
    blobService,
    queueService,
    tableService,
    table: (base) =>
      once(`table:${base}`, async () => {
        const client = tableClientFor(tableName(base));
        await client.createTable(); // no-op when it exists (the SDK swallows 409 TableAlreadyExists)
        return client;
      }),
    container: (base) =>
      once(`container:${base}`, async () => {
        const client = blobService.getContainerClient(resourceName(base));
        await client.createIfNotExists();
        return client;
      }),
    queue: (base) =>
      once(`queue:${base}`, async () => {
        const client = queueService.getQueueClient(resourceName(base));
        await client.createIfNotExists();
        return client;
      }),
  };
}

let instanceAccount: { key: string; account: StorageAccount } | undefined;

/** The instance-wide storage account (module singleton), rebuilt only if the settings change. */
export function storageAccount(environment: Environment = process.env): StorageAccount {
  const key = [
    environment[STORAGE_SETTING],
    environment[`${STORAGE_SETTING}__accountName`],
    environment[`${STORAGE_SETTING}__blobServiceUri`],
    environment[`${STORAGE_SETTING}__queueServiceUri`],
    environment[`${STORAGE_SETTING}__tableServiceUri`],
    environment[`${STORAGE_SETTING}__credential`],
    environment[`${STORAGE_SETTING}__clientId`],
    environment[STORAGE_PREFIX_SETTING],
  ].join('|');
  if (!instanceAccount || instanceAccount.key !== key) {
    instanceAccount = { key, account: createStorageAccount(environment) };
  }
  return instanceAccount.account;
}
