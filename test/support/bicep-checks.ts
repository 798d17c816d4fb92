/**
 * Structure checks of the infra/ Bicep, on the syntax tree (test/support/bicep.ts). Each returns the list of
 * violations, empty when the rule holds, so a test can show both that the real templates pass and that a broken
 * copy (one role assignment removed, a key output added, ...) fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  type Declaration,
  type ResourceDeclaration,
  type SyntaxNode,
  type Value,
} from './bicep.js';

/** The role map every module reads its role ids from (infra/roles.json): role name -> id and the page it was checked on. */
export const ROLE_MAP_FILE = 'roles.json';
export type RoleMap = Record<string, { id: string; checkedAgainst: string }>;

/** Microsoft's published built-in role ids, recorded by hand with their source (not derived from infra/). */
export interface BuiltInRoles {
  roles: Record<string, { id: string; source: string }>;
}
export const BUILT_IN_ROLES = JSON.parse(
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/azure-builtin-roles.json'), 'utf8'),
) as BuiltInRoles;

/**
 * What the app identity needs, by role name, each on exactly one resource of this type: send events, the
 * Functions host's and the app's blobs, queues and tables, read one secret, publish telemetry. Nothing more.
 */
export const APP_IDENTITY_ROLES: Record<string, string> = {
  'Azure Event Hubs Data Sender': 'Microsoft.EventHub/namespaces',
  'Storage Blob Data Contributor': 'Microsoft.Storage/storageAccounts',
  'Storage Queue Data Contributor': 'Microsoft.Storage/storageAccounts',
  'Storage Table Data Contributor': 'Microsoft.Storage/storageAccounts',
  'Key Vault Secrets User': 'Microsoft.KeyVault/vaults',
  'Monitoring Metrics Publisher': 'Microsoft.Insights/components',
};

/** The one grant to someone else: an optional operator who may write secrets, deployed only when named. */
export const OPERATOR_ROLES: Record<string, string> = {
  'Key Vault Secrets Officer': 'Microsoft.KeyVault/vaults',
};

/** Roles that would work but give the app more than it needs, with the one that suffices. */
const BROADER_THAN_NEEDED: Record<string, string> = {
  'Storage Blob Data Owner': 'Storage Blob Data Contributor',
  'Azure Event Hubs Data Owner': 'Azure Event Hubs Data Sender',
  'Key Vault Secrets Officer': 'Key Vault Secrets User',
  Owner: 'a data-plane role',
  Contributor: 'a data-plane role',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The published name of a built-in role id, if Microsoft publishes one. */
function builtInName(id: string): string | undefined {
  return Object.entries(BUILT_IN_ROLES.roles).find(([, role]) => role.id.toLowerCase() === id.toLowerCase())?.[0];
}

/** `roles['<name>'].id` where `roles` is `loadJsonContent('<...>/roles.json')`: the role's name and its id in the map. */
function roleReference(project: BicepProject, file: BicepFile, node: SyntaxNode): { name: string; id: string | undefined } | string {
  if (node.type === 'string') {
    const id = literal({ kind: 'node', file, node });
    const known = typeof id === 'string' ? builtInName(id) : undefined;
    return `hard-codes the role id ${String(id)} (${known ? `published as ${known}` : 'which is no Azure built-in role'}); refer to the role by name in ${ROLE_MAP_FILE}`;
  }
  const subscript = node.type === 'member_expression' ? node.namedChildren[0] : undefined;
  if (subscript?.type !== 'subscript_expression' || node.namedChildren[1]?.text !== 'id') return `role id ${node.text} does not come from ${ROLE_MAP_FILE}`;
  const [object, index] = subscript.namedChildren;
  const sources = object ? project.resolve(file, object) : [];
  const loaded = sources.length === 1 && sources[0]!.kind === 'node' ? project.loadedJson(sources[0]!.file, sources[0]!.node) : undefined;
  if (loaded?.name !== ROLE_MAP_FILE) return `role id ${node.text} does not come from ${ROLE_MAP_FILE}`;
  const name = index?.type === 'string' ? literal({ kind: 'node', file, node: index }) : undefined;
  if (typeof name !== 'string') return `role ${node.text} must be named by a literal`;
  return { name, id: (loaded.value as RoleMap | undefined)?.[name]?.id };
}

/**
 * The role map against Microsoft's published ids: every entry's id is the published id of that name, and each
 * says which documentation page it was checked against (the Azure built-in roles page of its category).
 */
export function roleMapViolations(project: BicepProject, builtIns: BuiltInRoles = BUILT_IN_ROLES): string[] {
  const map = project.json[ROLE_MAP_FILE] as RoleMap | undefined;
  if (!map) return [`no ${ROLE_MAP_FILE}`];
  const violations: string[] = [];
  for (const [name, entry] of Object.entries(map)) {
    const published = builtIns.roles[name];
    if (!published) violations.push(`${ROLE_MAP_FILE}: ${name} is not in the list of published built-in roles`);
    else if (entry.id?.toLowerCase() !== published.id.toLowerCase()) {
      const actually = entry.id ? builtInName(entry.id) : undefined;
      violations.push(
        `${ROLE_MAP_FILE}: ${name} has id ${entry.id}, but Microsoft publishes ${published.id} (${published.source})${actually ? `; ${entry.id} is ${actually}` : ''}`,
      );
    }
    const anchor = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    if (
      !/^https:\/\/learn\.microsoft\.com\/azure\/role-based-access-control\/built-in-roles(\/[a-z-]+)?#/.test(entry.checkedAgainst ?? '') ||
      !entry.checkedAgainst.endsWith(`#${anchor}`)
    ) {
      violations.push(`${ROLE_MAP_FILE}: ${name} must say which built-in roles page it was checked against (…/built-in-roles/<category>#${anchor})`);
    }
  }
  // A role id anywhere else in the Bicep would bypass the map.
  for (const file of project.files) {
    for (const node of walk(file.root)) {
      if (node.type !== 'string') continue;
      const text = literal({ kind: 'node', file, node });
      if (typeof text === 'string' && GUID.test(text)) violations.push(`${at(file, node)}: GUID literal ${text}; role ids belong in ${ROLE_MAP_FILE}`);
    }
  }
  return violations;
}

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
  'Microsoft.EventHub/namespaces/eventhubs/consumergroups',
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
  return (
    values.length > 0 &&
    values.every((v) => {
      if (v.kind === 'json') return v.parameter === name;
      if (v.kind !== 'node') return false;
      for (let n: SyntaxNode | null = v.node; n; n = n.parent) {
        if (n.type === 'parameter_declaration') return n.namedChildren[0]!.text === name;
      }
      return false;
    })
  );
}

export function syntaxViolations(project: BicepProject): string[] {
  return project.files.flatMap((file) =>
    syntaxErrors(file.root).map((n) => `${at(file, n)}: ${n.isMissing ? 'missing' : 'cannot parse'} ${n.text.slice(0, 60)}`),
  );
}

export function missingResources(project: BicepProject): string[] {
  return REQUIRED_RESOURCES.filter((type) => project.deployed(type).length === 0).map((type) => `no ${type}`);
}

export function roleAssignmentViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  const granted = new Set<string>();
  const used = new Set<string>();
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
    const call = definition
      ? [...walk(definition)].find((n) => n.type === 'call_expression' && n.namedChildren[0]?.text === 'subscriptionResourceId')
      : undefined;
    const args = call?.namedChildren[1]?.namedChildren ?? [];
    if (args.length !== 2 || literal({ kind: 'node', file: assignment.file, node: args[0]! }) !== 'Microsoft.Authorization/roleDefinitions') {
      violations.push(`${where}: roleDefinitionId must be subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles['<role name>'].id)`);
      continue;
    }
    const idSources = project.resolve(assignment.file, args[1]!);
    const reference =
      idSources.length === 1 && idSources[0]!.kind === 'node'
        ? roleReference(project, idSources[0]!.file, idSources[0]!.node)
        : `role id ${args[1]!.text} has no single source`;
    if (typeof reference === 'string') {
      violations.push(`${where}: ${reference}`);
      continue;
    }
    const role = reference.name;
    used.add(role);
    if (!reference.id) violations.push(`${where}: ${ROLE_MAP_FILE} has no role ${role}`);

    const name = property(assignment.body, 'name');
    if (!name || !name.text.startsWith('guid(') || !name.text.includes(`${scope.text}.id`) || !name.text.includes(args[1]!.text)) {
      violations.push(`${where}: name must be guid(<scope>.id, principal, <the role's id>) so redeployments are idempotent`);
    }

    const principalNode = propertyPath(assignment.body, 'properties.principalId');
    const principals = principalNode ? project.resolve(assignment.file, principalNode) : [];
    const fromIdentity = principals.length > 0 && principals.every((v) => isResourceProperty(project, v, IDENTITY, 'properties.principalId'));
    const typeNode = propertyPath(assignment.body, 'properties.principalType');
    const principalTypes = typeNode ? project.resolve(assignment.file, typeNode) : [];
    if (fromIdentity) {
      if (!allLiteral(principalTypes, 'ServicePrincipal')) violations.push(`${where}: principalType must be 'ServicePrincipal' for the managed identity`);
      const requiredScope = APP_IDENTITY_ROLES[role];
      const narrower = BROADER_THAN_NEEDED[role];
      if (!requiredScope)
        violations.push(
          `${where}: grants ${role}, ${narrower ? `more than the app needs (${narrower} suffices)` : 'which is not one of the least-privilege roles'}`,
        );
      else if (requiredScope !== scopeType) violations.push(`${where}: ${role} must be scoped to ${requiredScope}, not ${scopeType}`);
      else if (granted.has(role)) violations.push(`${where}: ${role} is assigned twice`);
      else granted.add(role);
    } else {
      const operatorScope = OPERATOR_ROLES[role];
      if (operatorScope !== scopeType || !assignment.conditional) {
        violations.push(`${where}: principal is not the app's managed identity (${principals.map(describe).join('; ') || 'none'})`);
      }
    }
  }
  for (const [role, scope] of Object.entries(APP_IDENTITY_ROLES)) {
    if (!granted.has(role)) violations.push(`missing role assignment: ${role} on ${scope} for the app identity`);
  }
  const map = (project.json[ROLE_MAP_FILE] ?? {}) as RoleMap;
  for (const role of Object.keys(map))
    if (!used.has(role)) violations.push(`${ROLE_MAP_FILE}: ${role} is assigned nowhere (remove it, or it goes stale unchecked)`);
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
        violations.push(
          `${resource.file.name} ${resource.name}: ${rule.path} must be ${String(rule.expected)} (${values.map(describe).join('; ') || 'not set'})`,
        );
      }
    }
  }
  return violations;
}

/** Settings the app and the Functions host read, each checked for where its value comes from. */
const APP_SETTINGS: Record<string, (project: BicepProject, values: Value[]) => boolean> = {
  AzureWebJobsStorage__blobServiceUri: (p, v) =>
    v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Storage/storageAccounts', 'properties.primaryEndpoints.blob')),
  AzureWebJobsStorage__queueServiceUri: (p, v) =>
    v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Storage/storageAccounts', 'properties.primaryEndpoints.queue')),
  AzureWebJobsStorage__tableServiceUri: (p, v) =>
    v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Storage/storageAccounts', 'properties.primaryEndpoints.table')),
  AzureWebJobsStorage__credential: (_, v) => allLiteral(v, 'managedidentity'),
  AzureWebJobsStorage__clientId: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
  AZURE_CLIENT_ID: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
  EVENTHUB_FULLY_QUALIFIED_NAMESPACE: (p, v) => v.some((x) => p.resourceOf(x)?.type === 'Microsoft.EventHub/namespaces'),
  EVENTHUB_NAME: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.EventHub/namespaces/eventhubs', 'name')),
  KEYVAULT_URL: (p, v) => v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.KeyVault/vaults', 'properties.vaultUri')),
  APPLICATIONINSIGHTS_CONNECTION_STRING: (p, v) =>
    v.length > 0 && v.every((x) => isResourceProperty(p, x, 'Microsoft.Insights/components', 'properties.ConnectionString')),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: (p, v) =>
    v[0]?.kind === 'node' &&
    v[0].node.text.startsWith("'Authorization=AAD;ClientId=") &&
    v.some((x) => isResourceProperty(p, x, IDENTITY, 'properties.clientId')),
};

/** Settings that must not be there: key-based storage, settings Flex Consumption rejects, a hub secret. */
const FORBIDDEN_SETTINGS = [
  'AzureWebJobsStorage',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'AZURE_EVENTHUB_CONNECTION_STRING',
];

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
  check(
    allLiteral(value(site, 'properties.functionAppConfig.runtime.name'), 'node') &&
      allLiteral(value(site, 'properties.functionAppConfig.runtime.version'), SUPPORTED_NODE),
    `runtime must be node ${SUPPORTED_NODE}`,
  );
  check(
    fromParameter(value(site, 'properties.functionAppConfig.scaleAndConcurrency.instanceMemoryMB'), 'instanceMemoryMB'),
    'instanceMemoryMB must come from the instanceMemoryMB parameter',
  );
  check(
    fromParameter(value(site, 'properties.functionAppConfig.scaleAndConcurrency.maximumInstanceCount'), 'maximumInstanceCount'),
    'maximumInstanceCount must come from the maximumInstanceCount parameter',
  );
  check(allLiteral(value(site, 'identity.type'), 'UserAssigned'), 'the site must run as the user-assigned identity');
  const storage = propertyPath(site.body, 'properties.functionAppConfig.deployment.storage');
  const storageUrl = storage && property(storage, 'value') ? project.resolveDeep(site.file, property(storage, 'value')!) : [];
  check(
    storageUrl.some((v) => project.resourceOf(v)?.type === 'Microsoft.Storage/storageAccounts/blobServices/containers'),
    'the deployment package must live in the blob container this stack creates',
  );
  check(
    allLiteral(value(site, 'properties.functionAppConfig.deployment.storage.authentication.type'), 'UserAssignedIdentity'),
    'the deployment container must be read with the user-assigned identity',
  );
  check(
    value(site, 'properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId').every((v) =>
      isResourceProperty(project, v, IDENTITY, 'id'),
    ),
    'the deployment identity must be the app identity',
  );
  check(
    value(site, 'properties.keyVaultReferenceIdentity').every((v) => isResourceProperty(project, v, IDENTITY, 'id')) &&
      value(site, 'properties.keyVaultReferenceIdentity').length > 0,
    'Key Vault references must resolve with the app identity (keyVaultReferenceIdentity)',
  );
  const tags = property(site.body, 'tags');
  const serviceTag = tags
    ? [...walk(tags)].find((n) => n.type === 'object_property' && literal({ kind: 'node', file: site.file, node: n.namedChildren[0]! }) === 'azd-service-name')
    : undefined;
  check(
    serviceTag !== undefined && literal({ kind: 'node', file: site.file, node: serviceTag.namedChildren[1]! }) === 'api',
    "the site must be tagged azd-service-name: 'api'",
  );

  // CORS: only the origins the operator lists (a parameter, empty by default), never a wildcard, no credentials.
  const origins = value(site, 'properties.siteConfig.cors.allowedOrigins');
  check(fromParameter(origins, 'corsAllowedOrigins'), 'CORS allowedOrigins must come from the corsAllowedOrigins parameter');
  check(
    !origins.some((v) => (v.kind === 'json' ? JSON.stringify(v.value) : v.kind === 'node' ? v.node.text : '').includes('*')),
    "CORS allowedOrigins must not contain '*'",
  );
  check(allLiteral(value(site, 'properties.siteConfig.cors.supportCredentials'), false), 'CORS supportCredentials must be false');

  // The identity that reads the package must be able to: a blob data role on the account holding the container.
  const container = storageUrl.map((v) => project.resourceOf(v)).find((r) => r?.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
  const account = container ? ancestor(project, container, 'Microsoft.Storage/storageAccounts') : undefined;
  check(
    account !== undefined && blobRoleHolders(project, account).some((v) => isResourceProperty(project, v, IDENTITY, 'properties.principalId')),
    'the app identity must hold Storage Blob Data Contributor on the account of the deployment container',
  );

  const settings = appSettings(project, site);
  for (const [name, rule] of Object.entries(APP_SETTINGS)) {
    const node = settings.get(name);
    if (!node) violations.push(`app setting ${name} is missing`);
    else if (!rule(project, project.resolveDeep(site.file, node))) violations.push(`app setting ${name} = ${node.text} does not come from where it should`);
  }
  for (const name of FORBIDDEN_SETTINGS) check(!settings.has(name), `app setting ${name} must not be set`);
  for (const [name, node] of settings) check(!/AccountKey=|SharedAccessKey=/i.test(node.text), `app setting ${name} holds a key`);
  return violations;
}

/** The Node major version Azure runs the app on: the Active/Maintenance LTS that Flex Consumption defaults to. */
export const SUPPORTED_NODE = '22';

/** The site's app settings by name, with the node of each value. */
export function appSettings(project: BicepProject, site: ResourceDeclaration): Map<string, SyntaxNode> {
  const settings = new Map<string, SyntaxNode>();
  const list = propertyPath(site.body, 'properties.siteConfig.appSettings');
  for (const item of list?.namedChildren ?? []) {
    if (item.type !== 'object') continue;
    const name = property(item, 'name');
    const settingValue = property(item, 'value');
    const key = name ? literal({ kind: 'node', file: site.file, node: name }) : undefined;
    if (typeof key === 'string' && settingValue) settings.set(key, settingValue);
  }
  return settings;
}

/** The resource of `type` a resource sits under, following `parent:` links. */
function ancestor(project: BicepProject, resource: ResourceDeclaration, type: string): ResourceDeclaration | undefined {
  let current: ResourceDeclaration | undefined = resource;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current.type === type) return current;
    const parent = property(current.body, 'parent');
    const declaration: Declaration | undefined = parent?.type === 'identifier' ? project.declaration(current.file, parent.text) : undefined;
    current = declaration?.kind === 'resource' ? (declaration as ResourceDeclaration) : undefined;
  }
  return undefined;
}

/** Principals granted Storage Blob Data Contributor on this account (by the role map name). */
function blobRoleHolders(project: BicepProject, account: ResourceDeclaration): Value[] {
  return project.deployed('Microsoft.Authorization/roleAssignments').flatMap((assignment) => {
    if (assignment.file !== account.file || property(assignment.body, 'scope')?.text !== account.name) return [];
    const definition = propertyPath(assignment.body, 'properties.roleDefinitionId');
    if (!definition?.text.includes("roles['Storage Blob Data Contributor'].id")) return [];
    const principal = propertyPath(assignment.body, 'properties.principalId');
    return principal ? project.resolve(assignment.file, principal) : [];
  });
}

/**
 * Event Hubs as its readers need it: partitions from the parameter, a consumer group of their own (not
 * $Default) on the hub, and a SAS rule only if it can listen and nothing else, and only when local auth is on.
 */
export function eventHubViolations(project: BicepProject): string[] {
  const violations: string[] = [];
  const hubs = project.deployed('Microsoft.EventHub/namespaces/eventhubs');
  for (const hub of hubs) {
    const partitions = propertyPath(hub.body, 'properties.partitionCount');
    if (!fromParameter(partitions ? project.resolve(hub.file, partitions) : [], 'eventHubPartitionCount'))
      violations.push(`${hub.file.name} ${hub.name}: partitionCount must come from the eventHubPartitionCount parameter`);
  }
  const groups = project.deployed('Microsoft.EventHub/namespaces/eventhubs/consumergroups');
  for (const group of groups) {
    const parent = property(group.body, 'parent')?.text;
    if (!hubs.some((h) => h.file === group.file && h.name === parent)) violations.push(`${group.file.name} ${group.name}: parent must be the hub`);
    const name = property(group.body, 'name');
    const names = name ? project.resolve(group.file, name) : [];
    if (!fromParameter(names, 'eventHubConsumerGroupName'))
      violations.push(`${group.file.name} ${group.name}: name must come from the eventHubConsumerGroupName parameter`);
    if (names.some((v) => literal(v) === '$Default')) violations.push(`${group.file.name} ${group.name}: a reader needs a group of its own, not $Default`);
  }
  if (groups.length === 0) violations.push('no consumer group for Fabric / Eventhouse readers');
  for (const type of ['Microsoft.EventHub/namespaces/authorizationRules', 'Microsoft.EventHub/namespaces/eventhubs/authorizationRules']) {
    for (const rule of project.deployed(type)) {
      const where = `${rule.file.name} ${rule.name}`;
      if (type.endsWith('namespaces/authorizationRules')) violations.push(`${where}: a namespace-wide SAS rule reaches every hub; use a rule on the hub`);
      const rights = propertyPath(rule.body, 'properties.rights');
      if (rights?.text.replace(/\s+/g, ' ') !== "['Listen']") violations.push(`${where}: rights must be ['Listen'] only, not ${rights?.text ?? 'unset'}`);
      const condition = rule.node.namedChildren.find((c) => c.type === 'if_statement')?.namedChildren[0]?.text ?? '';
      if (!/^\(!disableLocalAuth\)$/.test(condition)) violations.push(`${where}: must be deployed only when local auth is on (if (!disableLocalAuth))`);
    }
  }
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
    violations.push(
      `resourceToken must be uniqueString(subscription().id, resourceGroup().id, environmentName, location), not uniqueString(${args.join(', ')})`,
    );
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
      const envTag = tagSources.some(
        (v) => v.kind === 'node' && [...walk(v.node)].some((n) => n.type === 'object_property' && n.namedChildren[0]?.text === "'azd-env-name'"),
      );
      if (!envTag) violations.push(`${resource.file.name} ${resource.name}: must carry the azd-env-name tag`);
    }
  }
  return violations;
}

/** main.parameters.json feeds exactly main.bicep's parameters. */
export function parametersFileViolations(project: BicepProject): string[] {
  const main = project.file('main.bicep');
  const declared = project
    .declarations(main)
    .filter((d) => d.kind === 'param')
    .map((d) => d.name)
    .sort();
  const given = Object.keys(project.parametersJson).sort();
  return [
    ...declared.filter((n) => !given.includes(n)).map((n) => `main.parameters.json lacks ${n}`),
    ...given.filter((n) => !declared.includes(n)).map((n) => `main.parameters.json sets ${n}, which main.bicep does not declare`),
  ];
}
