/**
 * The app settings infra/ gives the Function App, read by what reads them in Azure: our storage adapter and
 * config loader get a working identity-based setup from exactly those names, every Storage trigger's connection
 * has its service URI and credential, and no setting is set that nobody reads (a misspelt name fails silently in
 * Azure: the app falls back to a default).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStorageAccount } from '../../src/adapters/storage.js';
import {
  CONNECTION_STRING_VARIABLE,
  configPatchFromEnvironment,
  ENVIRONMENT_ALIASES,
  settingVariables,
  type Environment,
} from '../../src/core/config/environment.js';
import { BicepProject, literal } from '../support/bicep.js';
import { appSettings } from '../support/bicep-checks.js';
import { registeredTriggers } from '../support/registered-routes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = BicepProject.load(path.join(root, 'infra'));

/** The settings as Azure would hold them: literals as written, everything else an example of its kind. */
function environmentOf(p: BicepProject): Environment {
  const site = p.deployed('Microsoft.Web/sites')[0]!;
  const environment: Environment = {};
  for (const [name, node] of appSettings(p, site)) {
    const written = literal({ kind: 'node', file: site.file, node });
    const service = /__(blob|queue|table)ServiceUri$/.exec(name)?.[1];
    environment[name] =
      typeof written === 'string'
        ? written
        : service
          ? `https://stexample.${service}.core.usgovcloudapi.net/` // as primaryEndpoints reports them, in a sovereign cloud
          : /clientId$|CLIENT_ID$/i.test(name)
            ? '11111111-2222-3333-4444-555555555555'
            : name === 'EVENTHUB_FULLY_QUALIFIED_NAMESPACE'
              ? 'evhns-example.servicebus.windows.net'
              : name === 'KEYVAULT_URL'
                ? 'https://kv-example.vault.azure.net/'
                : `example-${name.toLowerCase()}`;
  }
  return environment;
}

/** Who reads which setting in Azure besides our config: the Functions host and Azure Identity. */
const HOST_SETTINGS =
  /^(AzureWebJobsStorage__(blobServiceUri|queueServiceUri|tableServiceUri|credential|clientId)|APPLICATIONINSIGHTS_CONNECTION_STRING|APPLICATIONINSIGHTS_AUTHENTICATION_STRING)$/;
const IDENTITY_SETTINGS = new Set(['AZURE_CLIENT_ID']);

describe('app settings of the Function App (infra/)', () => {
  const environment = environmentOf(project);

  it('give our storage adapter every endpoint, with the managed identity, in any cloud', () => {
    const account = createStorageAccount(environment);
    expect(account.blobService.url).toMatch(/^https:\/\/stexample\.blob\.core\.usgovcloudapi\.net\/?$/);
    expect(account.queueService.url).toMatch(/^https:\/\/stexample\.queue\.core\.usgovcloudapi\.net\/?$/);
    // The Tables client appends /<table> itself: a trailing slash from primaryEndpoints must not double it.
    expect(account.tableService.url).toBe('https://stexample.table.core.usgovcloudapi.net');
    expect(environment.AzureWebJobsStorage__credential).toBe('managedidentity');
    expect(environment.AzureWebJobsStorage__clientId).toBe(environment.AZURE_CLIENT_ID);
    // Without any one of the three endpoints the app cannot reach its storage.
    for (const service of ['blob', 'queue', 'table']) {
      const without = project.withText('modules/functionapp.bicep', (t) =>
        t.replace(new RegExp(` {8}\\{ name: 'AzureWebJobsStorage__${service}ServiceUri'[^\\n]*\\n`), ''),
      );
      expect(() => createStorageAccount(environmentOf(without)), service).toThrow(/Storage is not configured/);
    }
  });

  it('point our config at the Event Hub and the Key Vault the stack creates', () => {
    const patch = configPatchFromEnvironment(environment);
    expect(patch.stream?.fully_qualified_namespace).toBe('evhns-example.servicebus.windows.net');
    expect(patch.stream?.hub).toBe(environment.EVENTHUB_NAME);
    expect(patch.realtime?.keyvault_url).toBe('https://kv-example.vault.azure.net/');
    expect(environment[CONNECTION_STRING_VARIABLE]).toBeUndefined();
  });

  it("give every Storage trigger's connection its service URI and the identity", async () => {
    const triggers = await registeredTriggers();
    const queueTriggers = triggers.filter((t) => t.type === 'queueTrigger');
    expect(queueTriggers.length).toBeGreaterThan(0);
    for (const trigger of queueTriggers) {
      const connection = trigger.connection ?? 'AzureWebJobsStorage';
      for (const suffix of ['__queueServiceUri', '__credential', '__clientId'])
        expect(environment, `${trigger.functionName}: ${connection}${suffix}`).toHaveProperty(`${connection}${suffix}`);
    }
    // Timer triggers keep their schedule monitors and singleton locks in the host's blob storage.
    if (triggers.some((t) => t.type === 'timerTrigger')) expect(environment).toHaveProperty('AzureWebJobsStorage__blobServiceUri');
  });

  it('set nothing that neither the host, Azure Identity nor our config reads', () => {
    const ours = new Set([...settingVariables().map((v) => v.variable), ...Object.keys(ENVIRONMENT_ALIASES), CONNECTION_STRING_VARIABLE]);
    const unread = (env: Environment) => Object.keys(env).filter((name) => !HOST_SETTINGS.test(name) && !IDENTITY_SETTINGS.has(name) && !ours.has(name));
    expect(unread(environment)).toEqual([]);
    const misspelt = project.withText('modules/functionapp.bicep', (t) => t.replace("{ name: 'EVENTHUB_NAME',", "{ name: 'EVENTHUB_HUB_NAME',"));
    expect(unread(environmentOf(misspelt))).toEqual(['EVENTHUB_HUB_NAME']);
  });
});
