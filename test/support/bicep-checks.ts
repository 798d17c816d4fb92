/**
 * Structure checks of the infra/ Bicep, on the syntax tree (test/support/bicep.ts). Each returns the list of
 * violations, empty when the rule holds, so a test can show both that the real templates pass and that a broken
 * copy (one role assignment removed, a key output added, ...) fails.
 */
import {
  BicepProject,
  describe,
  literal,
  memberChain,
  property,
  propertyPath,
  syntaxErrors,
  walk,
  type BicepFile,
  type ResourceDeclaration,
  type SyntaxNode,
  type Value,
} from './bicep.js';

/** The least-privilege roles of the app identity, each on exactly one resource of this type. */
export const APP_IDENTITY_ROLES: Record<string, { name: string; scope: string }> = {
  '2b629674-e913-4c01-ae53-ef4638d8f975': { name: 'Azure Event Hubs Data Sender', scope: 'Microsoft.EventHub/namespaces' },
  'b7e6dc6d-f1e8-4753-8033-0f2b2dfd0b1e': { name: 'Storage Blob Data Owner', scope: 'Microsoft.Storage/storageAccounts' },
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': { name: 'Storage Queue Data Contributor', scope: 'Microsoft.Storage/storageAccounts' },
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': { name: 'Storage Table Data Contributor', scope: 'Microsoft.Storage/storageAccounts' },
  '4633458b-17de-408a-b874-0445c86b69e6': { name: 'Key Vault Secrets User', scope: 'Microsoft.KeyVault/vaults' },
  '3913510d-42f4-4e42-8a64-420c390055eb': { name: 'Monitoring Metrics Publisher', scope: 'Microsoft.Insights/components' },
};

/** The one grant to someone else: an optional operator who may write secrets, deployed only when named. */
export const OPERATOR_ROLES: Record<string, { name: string; scope: string }> = {
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': { name: 'Key Vault Secrets Officer', scope: 'Microsoft.KeyVault/vaults' },
};

export const REQUIRED_RESOURCES = [
  'Microsoft.ManagedIdentity/userAssignedIdentities',
  'Microsoft.Web/serverfarms',
  'Microsoft.Web/sites',
  'Microsoft.Storage/storageAccounts',
  'Microsoft.Storage/storageAccounts/blobServices',
  'Microsoft.Storage/storageAccounts/blobServices/containers',
  'Microsoft.Storage/storageAccounts/queueServices',
  'Microsoft.Storage/storageAccounts/tableServices',
  'Microsoft.EventHub/namespaces',
  'Microsoft.EventHub/namespaces/eventhubs',
  'Microsoft.KeyVault/vaults',
  'Microsoft.OperationalInsights/workspaces',
  'Microsoft.Insights/components',
  'Microsoft.Authorization/roleAssignments',
];

/** Top-level resources: named from the abbreviations and the resource token, tagged with the azd env. */
const NAMED_RESOURCES = REQUIRED_RESOURCES.filter((t) => t.split('/').length === 2 && t !== 'Microsoft.Authorization/roleAssignments');

const IDENTITY = 'Microsoft.ManagedIdentity/userAssignedIdentities';

const at = (file: BicepFile, node: SyntaxNode) => `${file.name}:${node.startPosition.row + 1}`;

/** True when a value is `<resource of type>.<path>` (e.g. an identity's `properties.principalId`). */
function isResourceProperty(project: BicepProject, value: Value, type: string, path: string): boolean {
  const resource = project.resourceOf(value);
  if (!resource || resource.type !== type || value.kind !== 'node') return false;
  return memberChain(value.node)?.slice(1).join('.') === path;
}

function allLiteral(values: Value[], expected: string | number | boolean): boolean {
  return values.length > 0 && values.every((v) => literal(v) === expected);
}

/** True when every value comes from the named parameter (main.parameters.json, or a default of that param). */
function fromParameter(values: Value[], name: string): boolean {
  return values.length > 0 && values.every((v) => {
    if (v.kind === 'json') return v.parameter === name;
    if (v.kind !== 'node') return false;
    for (let n: SyntaxNode | null = v.node; n; n = n.parent) {
      if (n.type === 'parameter_declaration') return n.namedChildren[0]!.text === name;
    }
    return false;
  });
}

export function syntaxViolations(project: BicepProject): string[] {
  return project.files.flatMap((file) => syntaxErrors(file.root).map((n) => `${at(file, n)}: ${n.isMissing ? 'missing' : 'cannot parse'} ${n.text.slice(0, 60)}`));
}

export function missingResources(project: BicepProject): string[] {
  return REQUIRED_RESOURCES.filter((type) => project.deployed(type).length === 0).map((type) => `no ${type}`);
}

export function roleAssignmentViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  const granted = new Set<string>();
  for (const assignment of project.deployed('Microsoft.Authorization/roleAssignments')) {
    const where = `${assignment.file.name} ${assignment.name}`;
    const scope = property(assignment.body, 'scope');
    const scoped = scope?.type === 'identifier' ? project.declaration(assignment.file, scope.text) : undefined;
    if (!scope || scoped?.kind !== 'resource') {
      violations.push(`${where}: scope must be one resource of its file, not ${scope?.text ?? 'the whole deployment scope'}`);
      continue;
    }
    const scopeType = (scoped as ResourceDeclaration).type;

    const definition = propertyPath(assignment.body, 'properties.roleDefinitionId');
    const call = definition ? [...walk(definition)].find((n) => n.type === 'call_expression' && n.namedChildren[0]?.text === 'subscriptionResourceId') : undefined;
    const args = call?.namedChildren[1]?.namedChildren ?? [];
    const roleIds = args.length === 2 ? project.resolve(assignment.file, args[1]!).map(literal) : [];
    const roleId = roleIds.length === 1 && typeof roleIds[0] === 'string' ? roleIds[0] : undefined;
    if (!roleId || literal({ kind: 'node', file: assignment.file, node: args[0]! }) !== 'Microsoft.Authorization/roleDefinitions') {
      violations.push(`${where}: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', <built-in role id>)`);
      continue;
    }

    const name = property(assignment.body, 'name');
    if (!name || !name.text.startsWith('guid(') || !name.text.includes(`${scope.text}.id`)) {
      violations.push(`${where}: name must be guid(<scope>.id, principal, role) so redeployments are idempotent`);
    }

    const principalNode = propertyPath(assignment.body, 'properties.principalId');
    const principals = principalNode ? project.resolve(assignment.file, principalNode) : [];
    const fromIdentity = principals.length > 0 && principals.every((v) => isResourceProperty(project, v, IDENTITY, 'properties.principalId'));
    const typeNode = propertyPath(assignment.body, 'properties.principalType');
    const principalTypes = typeNode ? project.resolve(assignment.file, typeNode) : [];
    if (fromIdentity) {
      if (!allLiteral(principalTypes, 'ServicePrincipal')) violations.push(`${where}: principalType must be 'ServicePrincipal' for the managed identity`);
      const role = APP_IDENTITY_ROLES[roleId];
      if (!role) violations.push(`${where}: grants role ${roleId}, which is not one of the least-privilege roles`);
      else if (role.scope !== scopeType) violations.push(`${where}: ${role.name} must be scoped to ${role.scope}, not ${scopeType}`);
      else if (granted.has(roleId)) violations.push(`${where}: ${role.name} is assigned twice`);
      else granted.add(roleId);
    } else {
      const operator = OPERATOR_ROLES[roleId];
      if (!operator || operator.scope !== scopeType || !assignment.conditional) {
        violations.push(`${where}: principal is not the app's managed identity (${principals.map(describe).join('; ') || 'none'})`);
      }
    }
  }
  for (const [id, role] of Object.entries(APP_IDENTITY_ROLES)) {
    if (!granted.has(id)) violations.push(`missing role assignment: ${role.name} on ${role.scope} for the app identity`);
  }
  return violations;
}

const SECRET_WORDS = /key(?!_?vault)|secret|password|connection_?string|listKeys|sharedaccess|credential/i;

/** Outputs name and endpoints only: no output whose name, expression or source mentions a key or a secret. */
export function secretOutputViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  for (const file of project.files) {
    for (const output of project.declarations(file).filter((d) => d.kind === 'output')) {
      const value = output.node.namedChildren[2]!;
      const sources = project.resolveDeep(file, value).map(describe);
      const offending = [output.name, value.text, ...sources].find((text) => SECRET_WORDS.test(text));
      if (offending !== undefined) violations.push(`${at(file, output.node)} output ${output.name} exposes ${offending.slice(0, 80)}`);
    }
    for (const node of walk(file.root)) {
      if (node.type !== 'call_expression') continue;
      const callee = node.namedChildren[0]!;
      const name = memberChain(callee)?.at(-1) ?? callee.text.split('.').at(-1) ?? '';
      if (/^list/i.test(name)) violations.push(`${at(file, node)}: ${name}() reads keys or secrets`);
    }
  }
  return violations;
}

/** Every param and var is used: an identifier with its name outside its declaration and outside property keys. */
export function unusedDeclarationViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  for (const file of project.files) {
    const uses = new Map<string, number>();
    for (const node of walk(file.root)) {
      if (node.type !== 'identifier') continue;
      const parent = node.parent;
      const isFirst = parent?.namedChildren[0]?.startIndex === node.startIndex;
      if (parent?.type === 'object_property' && isFirst) continue; // a key, not a reference
      if ((parent?.type === 'parameter_declaration' || parent?.type === 'variable_declaration') && isFirst) continue; // the declaration itself
      uses.set(node.text, (uses.get(node.text) ?? 0) + 1);
    }
    for (const declaration of project.declarations(file)) {
      if ((declaration.kind === 'param' || declaration.kind === 'var') && !uses.get(declaration.name)) {
        violations.push(`${file.name}: ${declaration.kind} ${declaration.name} is never used`);
      }
    }
  }
  return violations;
}

/** Shared keys and local auth off, RBAC on; every place a value can come from (main.parameters.json, defaults). */
export function keyAccessViolations(project: BicepProject): string[] {
  const rules: { type: string; path: string; expected: string | boolean }[] = [
    { type: 'Microsoft.Storage/storageAccounts', path: 'properties.allowSharedKeyAccess', expected: false },
    { type: 'Microsoft.Storage/storageAccounts', path: 'properties.allowBlobPublicAccess', expected: false },
    { type: 'Microsoft.Storage/storageAccounts', path: 'properties.minimumTlsVersion', expected: 'TLS1_2' },
    { type: 'Microsoft.EventHub/namespaces', path: 'properties.disableLocalAuth', expected: true },
    { type: 'Microsoft.KeyVault/vaults', path: 'properties.enableRbacAuthorization', expected: true },
    { type: 'Microsoft.Insights/components', path: 'properties.DisableLocalAuth', expected: true },
  ];
  const violations: string[] = [];
  for (const rule of rules) {
    for (const resource of project.deployed(rule.type)) {
      const node = propertyPath(resource.body, rule.path);
      const values = node ? project.resolve(resource.file, node) : [];
      if (!allLiteral(values, rule.expected)) {
        violations.push(`${resource.file.name} ${resource.name}: ${rule.path} must be ${String(rule.expected)} (${values.map(describe).join('; ') || 'not set'})`);
      }
    }
  }
  return violations;
}

/** Settings the app and the Functions host read, each checked for where its value comes from. */
const APP_SETTINGS: Record<string, (project: BicepProject, values: Value[]) => boolean> = {
  AzureWebJobsStorage__accountName: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Storage/storageAccounts', 'name')),
  AzureWebJobsStorage__credential: (_, v) => allLiteral(v, 'managedidentity'),
  AzureWebJobsStorage__clientId: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
  AZURE_CLIENT_ID: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
  EVENTHUB_FULLY_QUALIFIED_NAMESPACE: (p, v) => v.some((x) => p.resourceOf(x)?.type === 'Microsoft.EventHub/namespaces'),
  EVENTHUB_NAME: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.EventHub/namespaces/eventhubs', 'name')),
  KEYVAULT_URL: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.KeyVault/vaults', 'properties.vaultUri')),
  APPLICATIONINSIGHTS_CONNECTION_STRING: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Insights/components', 'properties.ConnectionString')),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: (p, v) =>
    v[0]?.kind === 'node' && v[0].node.text.startsWith("'Authorization=AAD;ClientId=") && v.some((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
};

/** Settings that must not be there: key-based storage, settings Flex Consumption rejects, a hub secret. */
const FORBIDDEN_SETTINGS = ['AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'AZURE_EVENTHUB_CONNECTION_STRING'];

export function functionAppViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) violations.push(message);
  };
  const value = (resource: ResourceDeclaration, path: string) => {
    const node = propertyPath(resource.body, path);
    return node ? project.resolve(resource.file, node) : [];
  };
  const plans = project.deployed('Microsoft.Web/serverfarms');
  const sites = project.deployed('Microsoft.Web/sites');
  if (plans.length !== 1 || sites.length !== 1) return [`expected one plan and one site, found ${plans.length} and ${sites.length}`];
  const plan = plans[0]!;
  const site = sites[0]!;
  check(allLiteral(value(plan, 'sku.name'), 'FC1') && allLiteral(value(plan, 'sku.tier'), 'FlexConsumption'), 'the plan must be Flex Consumption (FC1)');
  check(allLiteral(value(site, 'kind'), 'functionapp,linux'), "the site kind must be 'functionapp,linux'");
  check(allLiteral(value(site, 'properties.functionAppConfig.runtime.name'), 'node') && allLiteral(value(site, 'properties.functionAppConfig.runtime.version'), '20'), 'runtime must be node 20');
  check(fromParameter(value(site, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB'), 'instanceMemoryMB'), 'instanceMemoryMB must come from the instanceMemoryMB parameter');
  check(fromParameter(value(site, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount'), 'maximumInstanceCount'), 'maximumInstanceCount must come from the maximumInstanceCount parameter');
  check(allLiteral(value(site, 'identity.type'), 'UserAssigned'), 'the site must run as the user-assigned identity');
  const storage = propertyPath(site.body, 'properties.functionAppConfig.deployment.storage');
  const storageUrl = storage && property(storage, 'value') ? project.resolveDeep(site.file, property(storage, 'value')!) : [];
  check(storageUrl.some((v) => project.resourceOf(v)?.type === 'Microsoft.Storage/storageAccounts/blobServices/containers'), 'the deployment package must live in the blob container this stack creates');
  check(allLiteral(value(site, 'properties.functionAppConfig.deployment.storage.authentication.type'), 'UserAssignedIdentity'), 'the deployment container must be read with the user-assigned identity');
  check(
    value(site, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId').every((v) => isResourceProperty(project, v, IDENTITY, 'id')),
    'the deployment identity must be the app identity',
  );
  check(
    value(site, 'properties.keyVaultReferenceIdentity').every((v) => isResourceProperty(project, v, IDENTITY, 'id')) && value(site, 'properties.keyVaultReferenceIdentity').length > 0,
    'Key Vault references must resolve with the app identity (keyVaultReferenceIdentity)',
  );
  const tags = property(site.body, 'tags');
  const serviceTag = tags ? [...walk(tags)].find((n) => n.type === 'object_property' && literal({ kind: 'node', file: site.file, node: n.namedChildren[0]! }) === 'azd-service-name') : undefined;
  check(serviceTag !== undefined && literal({ kind: 'node', file: site.file, node: serviceTag.namedChildren[1]! }) === 'api', "the site must be tagged azd-service-name: 'api'");

  // CORS: only the origins the operator lists (a parameter, empty by default), never a wildcard, no credentials.
  const origins = value(site, 'properties.siteConfig.cors.allowedOrigins');
  check(fromParameter(origins, 'corsAllowedOrigins'), 'CORS allowedOrigins must come from the corsAllowedOrigins parameter');
  check(!origins.some((v) => (v.kind === 'json' ? JSON.stringify(v.value) : v.kind === 'node' ? v.node.text : '').includes('*')), "CORS allowedOrigins must not contain '*'");
  check(allLiteral(value(site, 'properties.siteConfig.cors.supportCredentials'), false), 'CORS supportCredentials must be false');

  const settings = new Map<string, SyntaxNode>();
  const list = propertyPath(site.body, 'properties.siteConfig.appSettings');
  for (const item of list?.namedChildren ?? []) {
    if (item.type !== 'object') continue;
    const name = property(item, 'name');
    const settingValue = property(item, 'value');
    const key = name ? literal({ kind: 'node', file: site.file, node: name }) : undefined;
    if (typeof key === 'string' && settingValue) settings.set(key, settingValue);
  }
  for (const [name, rule] of Object.entries(APP_SETTINGS)) {
    const node = settings.get(name);
    if (!node) violations.push(`app setting ${name} is missing`);
    else if (!rule(project, project.resolveDeep(site.file, node))) violations.push(`app setting ${name} = ${node.text} does not come from where it should`);
  }
  for (const name of FORBIDDEN_SETTINGS) check(!settings.has(name), `app setting ${name} must not be set`);
  for (const [name, node] of settings) check(!/AccountKey=|SharedAccessKey=/i.test(node.text), `app setting ${name} holds a key`);
  return violations;
}

/** AVM / azd conventions: names from abbreviations + the resource token, the token's inputs, the env tag. */
export function namingViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  const resources = project.file('modules/resources.bicep');
  const token = project.declaration(resources, 'resourceToken');
  const uniqueString = token ? [...walk(token.node)].find((n) => n.type === 'call_expression' && n.namedChildren[0]?.text === 'uniqueString') : undefined;
  const args = uniqueString?.namedChildren[1]?.namedChildren.map((n) => n.text) ?? [];
  if (args.join(', ') !== 'subscription().id, resourceGroup().id, environmentName, location') {
    violations.push(`resourceToken must be uniqueString(subscription().id, resourceGroup().id, environmentName, location), not uniqueString(${args.join(', ')})`);
  }
  for (const type of NAMED_RESOURCES) {
    for (const resource of project.deployed(type)) {
      const name = property(resource.body, 'name');
      const sources = name ? project.resolveDeep(resource.file, name) : [];
      const usesToken = sources.some((v) => v.kind === 'node' && v.node.text.includes('uniqueString(subscription().id'));
      const usesAbbreviation = sources.some((v) => v.kind === 'node' && v.node.text.startsWith('abbreviations.'));
      if (!usesToken || !usesAbbreviation) violations.push(`${resource.file.name} ${resource.name}: name must be <abbreviation><resourceToken>`);
      const tags = property(resource.body, 'tags');
      const tagSources = tags ? project.resolveDeep(resource.file, tags) : [];
      const envTag = tagSources.some((v) => v.kind === 'node' && [...walk(v.node)].some((n) => n.type === 'object_property' && n.namedChildren[0]?.text === "'azd-env-name'"));
      if (!envTag) violations.push(`${resource.file.name} ${resource.name}: must carry the azd-env-name tag`);
    }
  }
  return violations;
}

/** main.parameters.json feeds exactly main.bicep's parameters. */
export function parametersFileViolations(project: BicepProject): string[] {
  const main = project.file('main.bicep');
  const declared = project.declarations(main).filter((d) => d.kind === 'param').map((d) => d.name).sort();
  const given = Object.keys(project.parametersJson).sort();
  return [
    ...declared.filter((n) => !given.includes(n)).map((n) => `main.parameters.json lacks ${n}`),
    ...given.filter((n) => !declared.includes(n)).map((n) => `main.parameters.json sets ${n}, which main.bicep does not declare`),
  ];
}
