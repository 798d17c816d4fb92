/**
 * Infrastructure checks without the Bicep compiler: every file parses, the stack has every resource it
 * needs, role assignments are least-privilege and scoped to one resource, nothing secret is output, every
 * parameter is used, and key-based access is off.
 */
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bicepFiles, declarations, errors, parseBicep, propertyPath, resources, walk } from '../support/bicep.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = bicepFiles(path.join(root, 'infra')).map(parseBicep);
const allResources = files.flatMap((file) => resources(file.root).map((resource) => ({ ...resource, file })));
const ofType = (prefix: string) => allResources.filter((r) => !r.existing && r.type.startsWith(`${prefix}@`));

describe('Bicep files', () => {
  it('all parse without syntax errors', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const found = errors(file.root);
      expect(found.map((n) => `${path.relative(root, file.path)}:${n.startPosition.row + 1}: ${n.text.slice(0, 60)}`)).toEqual([]);
    }
  });

  it('a broken file is caught (the parser really checks)', () => {
    const text = readFileSync(path.join(root, 'infra/modules/identity.bicep'), 'utf8').replace('location: location', 'location: = location {');
    const tmp = path.join(os.tmpdir(), `broken-${process.pid}.bicep`);
    writeFileSync(tmp, text);
    expect(errors(parseBicep(tmp).root).length).toBeGreaterThan(0);
  });

  it('declares every resource of the stack', () => {
    const required = [
      'Microsoft.Web/sites',
      'Microsoft.Web/serverfarms',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.EventHub/namespaces',
      'Microsoft.EventHub/namespaces/eventhubs',
      'Microsoft.KeyVault/vaults',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
    ];
    for (const type of required) expect(ofType(type).length, type).toBeGreaterThan(0);
    const plan = ofType('Microsoft.Web/serverfarms')[0]!;
    expect(propertyPath(plan.body, 'sku.name')?.text).toBe("'FC1'");
    const site = ofType('Microsoft.Web/sites')[0]!;
    expect(propertyPath(site.body, 'properties.functionAppConfig.runtime.name')?.text).toBe("'node'");
    expect(propertyPath(site.body, 'properties.functionAppConfig.runtime.version')?.text).toBe("'20'");
    expect(propertyPath(site.body, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB')?.text).toBe('instanceMemoryMB');
    expect(propertyPath(site.body, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount')?.text).toBe('maximumInstanceCount');
    expect(propertyPath(site.body, 'identity.type')?.text).toBe("'UserAssigned'");
  });

  it('turns key-based access off and RBAC on', () => {
    expect(propertyPath(ofType('Microsoft.Storage/storageAccounts')[0]!.body, 'properties.allowSharedKeyAccess')?.text).toBe('false');
    expect(propertyPath(ofType('Microsoft.EventHub/namespaces')[0]!.body, 'properties.disableLocalAuth')?.text).toBe('true');
    expect(propertyPath(ofType('Microsoft.KeyVault/vaults')[0]!.body, 'properties.enableRbacAuthorization')?.text).toBe('true');
    expect(propertyPath(ofType('Microsoft.Insights/components')[0]!.body, 'properties.DisableLocalAuth')?.text).toBe('true');
    const settings = propertyPath(ofType('Microsoft.Web/sites')[0]!.body, 'properties.siteConfig.appSettings')!.text;
    for (const name of ['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId', 'EVENTHUB_FULLY_QUALIFIED_NAMESPACE', 'EVENTHUB_NAME']) {
      expect(settings).toContain(`'${name}'`);
    }
    expect(settings).not.toMatch(/AccountKey|SharedAccessKey|listKeys/i);
  });

  it('assigns exactly the least-privilege roles, each scoped to one resource, to the app identity', () => {
    const assignments = ofType('Microsoft.Authorization/roleAssignments');
    const roles = new Map<string, string>();
    for (const assignment of assignments) {
      const scope = propertyPath(assignment.body, 'scope');
      expect(scope?.type, `${assignment.symbol} scope`).toBe('identifier');
      const scoped = resources(assignment.file.root).find((r) => r.symbol === scope!.text);
      expect(scoped, `${assignment.symbol} scopes a resource of its file`).toBeDefined();
      const definition = propertyPath(assignment.body, 'properties.roleDefinitionId')!.text;
      const roleVariable = /'Microsoft.Authorization\/roleDefinitions', (\w+)\)/.exec(definition)![1]!;
      const roleId = declarations(assignment.file.root, 'variable_declaration').find((v) => v.namedChildren[0]!.text === roleVariable)!.namedChildren[1]!.text.replace(/'/g, '');
      const principal = propertyPath(assignment.body, 'properties.principalId')!.text;
      const principalType = propertyPath(assignment.body, 'properties.principalType')!.text;
      if (principal === 'principalId') {
        expect(principalType).toBe("'ServicePrincipal'");
        roles.set(roleId, scoped!.type.split('@')[0]!);
      } else {
        expect(principal).toBe('adminPrincipalId'); // the optional operator grant, only on Key Vault
        expect(scoped!.type).toMatch(/^Microsoft.KeyVault\/vaults@/);
      }
    }
    expect(Object.fromEntries(roles)).toEqual({
      '2b629674-e913-4c01-ae53-ef4638d8f975': 'Microsoft.EventHub/namespaces', // Event Hubs Data Sender
      'b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e': 'Microsoft.Storage/storageAccounts', // Storage Blob Data Owner
      '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Microsoft.Storage/storageAccounts', // Storage Queue Data Contributor
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Microsoft.Storage/storageAccounts', // Storage Table Data Contributor
      '4633458b-17de-408a-b874-0445c86b69e6': 'Microsoft.KeyVault/vaults', // Key Vault Secrets User
      '3913510d-42f4-4e42-8a64-420c390055eb': 'Microsoft.Insights/components', // Monitoring Metrics Publisher
    });
  });

  it('outputs names and endpoints, never a secret', () => {
    for (const file of files) {
      for (const output of declarations(file.root, 'output_declaration')) {
        expect(output.text, path.relative(root, file.path)).not.toMatch(/key(?!_?vault)|secret|password|connectionstring|listKeys|sharedaccess/i);
      }
      expect(file.text).not.toMatch(/listKeys\(|listConnectionStrings\(/);
    }
  });

  it('uses every parameter it declares', () => {
    for (const file of files) {
      for (const parameter of declarations(file.root, 'parameter_declaration')) {
        const name = parameter.namedChildren[0]!.text;
        const uses = [...walk(file.root)].filter((n) => (n.type === 'identifier' || n.type === 'property_identifier') && n.text === name && !parameter.children.includes(n));
        expect(uses.length, `${path.relative(root, file.path)}: param ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('feeds main.parameters.json into every parameter of main.bicep', () => {
    const main = files.find((f) => f.path.endsWith(path.join('infra', 'main.bicep')))!;
    const parameters = JSON.parse(readFileSync(path.join(root, 'infra/main.parameters.json'), 'utf8')).parameters as Record<string, unknown>;
    const declared = declarations(main.root, 'parameter_declaration').map((p) => p.namedChildren[0]!.text).sort();
    expect(Object.keys(parameters).sort()).toEqual(declared);
  });
});
