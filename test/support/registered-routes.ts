/**
 * Loads the compiled app's function files with the functions-core stand-in and lists its HTTP routes as
 * `METHOD /path` in OpenAPI form (`{*path}` and `{id?}` become `{path}` and `{id}`), with their auth levels.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importAppFiles, readPackageMain, resolveMainFiles } from '../../src/local/app-loader.js';
import { installFunctionsCore, type CapturedFunction } from '../../src/local/functions-core.js';
import { triggerOf } from '../../src/local/host.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RegisteredRoute {
  /** `METHOD /path` */
  route: string;
  functionName: string;
  authLevel: string;
}

// The app registers its functions once per process (ES modules are cached), so load it once.
let loaded: Promise<readonly CapturedFunction[]> | undefined;
function appFunctions(): Promise<readonly CapturedFunction[]> {
  return (loaded ??= (async () => {
    const core = installFunctionsCore();
    await importAppFiles(await resolveMainFiles(root, await readPackageMain(root)));
    return core.functions;
  })());
}

export async function registeredHttpRoutes(): Promise<RegisteredRoute[]> {
  const routes: RegisteredRoute[] = [];
  for (const fn of await appFunctions()) {
    const trigger = triggerOf(fn);
    if (trigger.type !== 'httpTrigger') continue;
    const route = `/${String(trigger.route)}`.replace(/\{\*?([A-Za-z0-9_]+)(\?|:[^}]+)?\}/g, '{$1}');
    // @azure/functions always writes authLevel into the binding ('anonymous' when app.http was given none).
    for (const method of (trigger.methods as string[]) ?? [])
      routes.push({ route: `${method} ${route}`, functionName: fn.name, authLevel: String(trigger.authLevel) });
  }
  return routes;
}

export async function registeredRoutes(): Promise<string[]> {
  return (await registeredHttpRoutes()).map((r) => r.route);
}

/** Every function's trigger binding (type, and for Storage triggers the connection setting prefix). */
export async function registeredTriggers(): Promise<{ functionName: string; type: string; connection?: string }[]> {
  return (await appFunctions()).map((fn) => {
    const trigger = triggerOf(fn);
    return { functionName: fn.name, type: String(trigger.type), ...(typeof trigger.connection === 'string' ? { connection: trigger.connection } : {}) };
  });
}
