/**
 * Loads the compiled app's function files with the functions-core stand-in and lists its HTTP routes as
 * `METHOD /path` in OpenAPI form (`{*path}` and `{id?}` become `{path}` and `{id}`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importAppFiles, readPackageMain, resolveMainFiles } from '../../src/local/app-loader.js';
import { installFunctionsCore } from '../../src/local/functions-core.js';
import { triggerOf } from '../../src/local/host.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function registeredRoutes(): Promise<string[]> {
  const core = installFunctionsCore();
  await importAppFiles(await resolveMainFiles(root, await readPackageMain(root)));
  const routes: string[] = [];
  for (const fn of core.functions) {
    const trigger = triggerOf(fn);
    if (trigger.type !== 'httpTrigger') continue;
    const route = `/${String(trigger.route)}`.replace(/\{\*?([A-Za-z0-9_]+)(\?|:[^}]+)?\}/g, '{$1}');
    for (const method of (trigger.methods as string[]) ?? []) routes.push(`${method} ${route}`);
  }
  return routes;
}
